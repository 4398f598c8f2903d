import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { unauthorized } from '../platform/errors.ts';
import { accessTokenClaimsSchema, type AccessTokenClaims } from '../directory/catalogue/token-claims.ts';

export type TokenVerifier = (token: string, resource?: string) => Promise<AccessTokenClaims>;

/**
 * Local verification of Tongmen JWT access tokens (SPEC §6), as any resource would do it: the
 * provider's public keys, issuer, `typ: at+jwt`, expiry, and — when given — the audience. Used by
 * the admin API (audience `urn:tongmen:admin-api`) and by the introspection front.
 * @throws AppError 401 `auth.invalid_token`
 */
export function makeTokenVerifier(issuer: string, publicJwks: { keys: JWK[] }): TokenVerifier {
  const keys = createLocalJWKSet(publicJwks);
  return async (token, resource) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer,
        typ: 'at+jwt',
        algorithms: ['RS256', 'ES256'],
        clockTolerance: 5,
        ...(resource ? { audience: resource } : {}),
      });
      return accessTokenClaimsSchema.parse(payload);
    } catch {
      throw unauthorized('auth.invalid_token', 'The access token is invalid or expired');
    }
  };
}

/**
 * Issue 11: a verifier that remembers the tokens it verified until they expire. A resource (or the
 * admin console) sends the same token with every request; the signature check — the largest cost
 * of an introspection or of an admin request's authentication in the profile — is then done once
 * per token and node. Only the verification is remembered (signature, issuer, type, audience,
 * claims); liveness is decided on every call. One memory per key set: the node builds a new one
 * with each key change (identity/index.ts), so nothing verified by a dropped key is remembered.
 */
export function rememberVerified(verify: TokenVerifier, max = 10_000): TokenVerifier {
  const entries = new Map<string, AccessTokenClaims>();
  return async (token, resource) => {
    const key = `${resource ?? ''} ${token}`;
    const hit = entries.get(key);
    if (hit && hit.exp * 1000 > Date.now()) return hit;
    const claims = await verify(token, resource);
    if (entries.size >= max) entries.clear();
    entries.set(key, claims);
    return claims;
  };
}
