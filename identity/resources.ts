import { errors, type Client, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import { RESOURCES, subsystemOfResource } from '../directory/catalogue/modules.ts';
import { clientResources, isFirstParty } from './clients.ts';

/** Access tokens of Tongmen's own resources live 5 minutes and are verified locally (SPEC §6). */
export const JWT_ACCESS_TOKEN_TTL = 5 * 60;
const OPAQUE_ACCESS_TOKEN_TTL = 10 * 60;
/**
 * ES256 (issue 11): signing a grant's JWT access token with P-256 costs a fraction of RS256 (the
 * largest single cost of a refresh in the profile), and every verifier of these tokens is ours
 * (admin API, introspection, the subsystems' jose with the JWKS). ID tokens stay RS256, the OIDC
 * default every relying party supports; the RS256 key stays published and signs them.
 */
export const ACCESS_TOKEN_ALG = 'ES256';

const TONGMEN_RESOURCES = new Set<string>(Object.values(RESOURCES));
export const isTongmenResource = (resource: string) => TONGMEN_RESOURCES.has(resource);

/**
 * The one scope each resource knows: `admin-api` for the admin API, the subsystem's code for a
 * subsystem (`title`…), `access` for partner resources. These are resource scopes, deliberately
 * not in the provider's `scopes` (that would send every sign-in to a consent prompt).
 */
export function resourceScope(resource: string): string {
  if (resource === RESOURCES.admin) return 'admin-api';
  return subsystemOfResource(resource) ?? 'access';
}

/**
 * RFC 8707 — a client may ask only for resources registered on it. Tongmen's own resources get
 * JWT access tokens (`typ: at+jwt`, audience = the resource); partner resources get opaque
 * tokens, which only introspection can read.
 */
export async function getResourceServerInfo(
  ctx: KoaContextWithOIDC,
  resource: string,
  client: Client,
): Promise<ResourceServer> {
  if (!clientResources(client).includes(resource)) {
    throw new errors.InvalidTarget('this client may not request the resource');
  }
  if (isTongmenResource(resource)) {
    // Tongmen's resources serve signed-in accounts through Tongmen's own apps (their tokens carry
    // acct_kind, unit, roles and are accepted by the subsystems on signature alone). A partner
    // registered for one may introspect its tokens but never get one: not by client credentials,
    // and not through a user's sign-in either (else it could act in a subsystem as that user).
    if (!isFirstParty(client)) {
      throw new errors.InvalidTarget('only Tongmen applications may request this resource');
    }
    if (ctx.oidc.params?.grant_type === 'client_credentials') {
      throw new errors.InvalidTarget('client credentials cannot be used for this resource');
    }
    return {
      scope: resourceScope(resource),
      audience: resource,
      accessTokenTTL: JWT_ACCESS_TOKEN_TTL,
      accessTokenFormat: 'jwt',
      jwt: { sign: { alg: ACCESS_TOKEN_ALG } },
    };
  }
  return {
    scope: resourceScope(resource),
    audience: resource,
    accessTokenTTL: OPAQUE_ACCESS_TOKEN_TTL,
    accessTokenFormat: 'opaque',
  };
}
