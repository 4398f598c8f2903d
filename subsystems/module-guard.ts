import { createRemoteJWKSet, jwtVerify } from 'jose';
import { AppError, forbidden, unauthorized } from '../platform/errors.ts';
import { RESOURCES, type Subsystem } from '../directory/catalogue/modules.ts';
import { accessTokenClaimsSchema, type AccessTokenClaims } from '../directory/catalogue/token-claims.ts';

/** What a subsystem knows of its caller, from the access token alone (SPEC §6). */
export interface SubsystemCaller {
  sub: string;
  unitId: string;
  unitPath: string[];
  roles: string[];
  modules: string[];
}

/**
 * How a business subsystem allows or refuses each of its resource modules: it verifies the JWT
 * access token locally against Tongmen's keys (issuer, audience = its own resource, `typ: at+jwt`,
 * expiry) and then decides from the claims alone — R9: unit and administrator accounts are always
 * refused; an operator passes only for modules its roles grant in this subsystem. The four
 * subsystems (subsystems/kit/) sit behind this guard; Tongmen itself is never called per request.
 */
export function createModuleGuard(options: { issuer: string; subsystem: Subsystem; jwksUri?: string }) {
  const jwks = createRemoteJWKSet(new URL(options.jwksUri ?? `${options.issuer}/jwks`));
  const audience = RESOURCES[options.subsystem];

  /** The token's claims, checked against the one claims schema (a token of another shape is no Tongmen token). */
  async function verify(token: string): Promise<AccessTokenClaims> {
    try {
      return accessTokenClaimsSchema.parse((await jwtVerify(token, jwks, { issuer: options.issuer, audience, typ: 'at+jwt' })).payload);
    } catch {
      throw unauthorized('subsystem.invalid_token', 'The access token is invalid, expired or not for this subsystem');
    }
  }

  /** The operator behind a valid token of this subsystem (R9: unit and administrator accounts refused). */
  async function identify(token: string): Promise<SubsystemCaller> {
      const claims = await verify(token);
      // RFC 9449: a DPoP-bound token is worthless without a proof of its key. This guard reads a
      // bare token and cannot check one yet, so it refuses bound tokens rather than accept them as
      // bearer tokens (issue 5 item 5); the admin API verifies proofs (admin-api/auth.ts).
      if (claims.cnf?.jkt !== undefined) {
        throw unauthorized('subsystem.dpop_unsupported', 'DPoP-bound tokens need a proof this subsystem cannot check yet');
      }
      if (claims.acct_kind !== 'operator') {
        throw forbidden('subsystem.separation_of_duties', 'Unit and administrator accounts do no business (R9)');
      }
      return { sub: claims.sub, unitId: claims.unit_id, unitPath: claims.unit_path ?? [], roles: claims.roles ?? [], modules: claims.modules ?? [] };
  }

  return {
    identify,
    /** The caller if `module` (e.g. `title:unit-verify`) is granted to it; 401/403 AppErrors otherwise. */
    async authorize(token: string, module: string): Promise<SubsystemCaller> {
      if (!module.startsWith(`${options.subsystem}:`)) {
        throw new AppError(500, 'subsystem.module_foreign', `${module} is not a module of ${options.subsystem}`);
      }
      const caller = await identify(token);
      if (!caller.modules.includes(module)) throw forbidden('subsystem.module_forbidden', `Your roles do not grant ${module}`);
      return caller;
    },
  };
}
