import type { AccessToken, ClientCredentials, KoaContextWithOIDC, UnknownObject } from 'oidc-provider';
import { RESOURCES, subsystemOfResource } from '../directory/catalogue/modules.ts';
import type { IdentityReads } from '../directory/identity-reads.ts';
import { accountViewOfRequest, isLive, subsystemGrants } from './account-view.ts';

export type { AccessTokenClaims } from '../directory/catalogue/token-claims.ts';

/**
 * oidc-provider's `extraTokenClaims`: the account's unit on every user token, plus, for a
 * subsystem, the affiliation path and that subsystem's roles and modules only (R9, §6). The grant
 * id lets introspection refuse tokens of a revoked grant. Each token for a subsystem (or the admin
 * API) also records that the account used it (issue 8, the clean-up list of unused roles).
 */
export function makeExtraTokenClaims(directory: Pick<IdentityReads, 'accounts' | 'roles' | 'subsystemUsage'>) {
  return async (ctx: KoaContextWithOIDC, token: AccessToken | ClientCredentials): Promise<UnknownObject | undefined> => {
    if (token.kind !== 'AccessToken') return undefined; // client credentials: no account
    const view = await accountViewOfRequest(directory.accounts, ctx, token.accountId); // findAccount's read
    if (!isLive(view)) return undefined; // findAccount has refused it already
    const base = { acct_kind: view.kind, unit_id: view.unitId, gid: token.grantId };
    const resource = token.resourceServer?.identifier();
    const subsystem = resource && resource !== RESOURCES.admin ? subsystemOfResource(resource) : undefined;
    // Issue 8: the account used this subsystem (admin-API tokens count for the directory's own `org`
    // roles): one cheap upsert at most once an hour, read by the clean-up list of unused roles.
    const used = subsystem ?? (resource === RESOURCES.admin ? 'org' : undefined);
    if (used) await directory.subsystemUsage.record(view.id, used);
    if (!subsystem) return base;
    return { ...base, unit_path: view.unitPath, unit_category: view.unitCategory, ...(await subsystemGrants(directory.roles, view, subsystem)) };
  };
}
