import type { AccessTokenClaims } from './token-claims.ts';
import type { LiveView } from './live-view.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * R11, R12, SPEC §6 — whether a signature-valid Tongmen JWT still stands: its account is active
 * in an active unit, has not moved to another unit (migration), the grant it was issued under
 * still exists for the same account and client (logout, offboarding and revocation delete it),
 * and that client is not disabled. Answered from the node's live view (kept current by
 * LISTEN/NOTIFY, live-view.ts), or from the database when the view cannot be trusted.
 */
export async function isTokenLive(view: LiveView, claims: AccessTokenClaims): Promise<boolean> {
  if (!UUID.test(claims.sub)) return false;
  const [account, client, grant] = await Promise.all([
    view.account(claims.sub),
    view.activeClient(claims.client_id),
    claims.gid ? view.grant(claims.gid) : undefined,
  ]);
  if (!account?.live || account.unitId !== claims.unit_id) return false;
  if (!client) return false;
  return grant !== undefined && grant.accountId === claims.sub && grant.clientId === claims.client_id && (grant.exp === undefined || grant.exp * 1000 > Date.now());
}
