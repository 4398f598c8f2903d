import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { z } from 'zod';
import { unauthorized } from '../platform/errors.ts';
import type { AccessTokenClaims } from './token-claims.ts';

const claimsSchema = z.object({
  iss: z.string(),
  sub: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  client_id: z.string(),
  exp: z.number(),
  iat: z.number(),
  jti: z.string(),
  scope: z.string().optional(),
  acct_kind: z.enum(['unit', 'admin', 'operator']),
  unit_id: z.string(),
  unit_path: z.array(z.string()).optional(),
  roles: z.array(z.string()).optional(),
  modules: z.array(z.string()).optional(),
  gid: z.string(),
  cnf: z.object({ jkt: z.string().optional() }).optional(),
});

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
      return claimsSchema.parse(payload);
    } catch {
      throw unauthorized('auth.invalid_token', 'The access token is invalid or expired');
    }
  };
}
