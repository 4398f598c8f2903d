import type { AccessToken, ClientCredentials, KoaContextWithOIDC, UnknownObject } from 'oidc-provider';
import { RESOURCES, subsystemOfResource } from '../directory/catalogue/modules.ts';
import type { IdentityReads } from '../directory/identity-reads.ts';
import { accountViewOfRequest, isLive, subsystemGrants } from './account-view.ts';

export type { AccessTokenClaims } from '../directory/catalogue/token-claims.ts';

/**
 * The RFC 8176 methods of the sign-in a user token comes from (R23): the authorization code's at
 * the code exchange, the refresh token's on refresh (a refresh keeps the sign-in's amr, rotated or
 * not). A resource refuses an administrator's token without `mfa` when the policy asks for one.
 */
function signInAmr(ctx: KoaContextWithOIDC | undefined): string[] | undefined {
  // A token saved outside a request (no context) has no sign-in behind it.
  const entities = ctx?.oidc?.entities;
  const amr = (entities?.AuthorizationCode ?? entities?.RefreshToken)?.amr;
  return Array.isArray(amr) ? amr : undefined;
}

/**
 * oidc-provider's `extraTokenClaims`: the account's unit and the sign-in's `amr` on every user token, plus, for a
 * subsystem, the affiliation path and that subsystem's roles and modules only (R9, §6). The grant
 * id lets introspection refuse tokens of a revoked grant. Each token for a subsystem (or the admin
 * API) also records that the account used it (issue 8, the clean-up list of unused roles).
 */
export function makeExtraTokenClaims(directory: Pick<IdentityReads, 'accounts' | 'subsystemUsage'>) {
  return async (ctx: KoaContextWithOIDC, token: AccessToken | ClientCredentials): Promise<UnknownObject | undefined> => {
    if (token.kind !== 'AccessToken') return undefined; // client credentials: no account
    const view = await accountViewOfRequest(directory.accounts, ctx, token.accountId); // findAccount's read
    if (!isLive(view)) return undefined; // findAccount has refused it already
    const amr = signInAmr(ctx);
    const base = { acct_kind: view.kind, unit_id: view.unitId, gid: token.grantId, ...(amr ? { amr } : {}) };
    const resource = token.resourceServer?.identifier();
    const subsystem = resource && resource !== RESOURCES.admin ? subsystemOfResource(resource) : undefined;
    // Issue 8: the account used this subsystem (admin-API tokens count for the directory's own `org`
    // roles): one cheap upsert at most once an hour, read by the clean-up list of unused roles.
    const used = subsystem ?? (resource === RESOURCES.admin ? 'org' : undefined);
    if (used) await directory.subsystemUsage.record(view.id, used);
    if (!subsystem) return base;
    return { ...base, unit_path: view.unitPath, unit_category: view.unitCategory, ...subsystemGrants(view, subsystem) };
  };
}
