import type { Grant, KoaContextWithOIDC } from 'oidc-provider';
import { clientResources, isFirstParty } from './clients.ts';
import { resourceScope } from './resources.ts';

/** What a first-party client may have without asking (SPEC §5): no consent screen for Tongmen's own apps. */
export const FIRST_PARTY_OIDC_SCOPES = 'openid profile phone offline_access';

/**
 * oidc-provider's `loadExistingGrant`: the grant of this session and client (or of a consent
 * just given), and for first-party clients a grant with everything they may have, so their users
 * never see a consent prompt. Partner clients keep the provider's consent behaviour.
 */
export async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
  const { client, session, provider, account } = ctx.oidc;
  if (!client || !account) return undefined;
  const grantId = ctx.oidc.result?.consent?.grantId ?? session?.grantIdFor(client.clientId);
  const existing = grantId ? await provider.Grant.find(grantId) : undefined;
  if (!isFirstParty(client)) return existing;

  const grant = existing ?? new provider.Grant({ clientId: client.clientId, accountId: account.accountId });
  grant.addOIDCScope(FIRST_PARTY_OIDC_SCOPES);
  for (const resource of clientResources(client)) grant.addResourceScope(resource, resourceScope(resource));
  await grant.save();
  return grant;
}
