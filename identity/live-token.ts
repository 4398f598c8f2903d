import type { Provider } from 'oidc-provider';
import type { IdentityReads } from '../directory/identity-reads.ts';
import { isLive, loadAccountView } from './account-view.ts';
import type { AccessTokenClaims } from './token-claims.ts';

/**
 * R11, R12, SPEC §6 — whether a signature-valid Tongmen JWT still stands: its account is active
 * in an active unit, has not moved to another unit (migration), the grant it was issued under
 * still exists for the same account and client (logout, offboarding and revocation delete it),
 * and that client is not disabled.
 */
export async function isTokenLive(
  directory: Pick<IdentityReads, 'accounts' | 'clients'>,
  provider: Provider,
  claims: AccessTokenClaims,
): Promise<boolean> {
  const view = await loadAccountView(directory.accounts, claims.sub);
  if (!isLive(view) || view.unitId !== claims.unit_id) return false;
  if (!(await directory.clients.findActive(undefined, claims.client_id))) return false;
  const grant = await provider.Grant.find(claims.gid);
  return grant !== undefined && grant.accountId === claims.sub && grant.clientId === claims.client_id;
}
