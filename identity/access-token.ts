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
