import { z } from 'zod';

/**
 * The claims of a Tongmen access token as a resource sees them (SPEC §6) — the one definition the
 * provider (which issues them), the admin API and the subsystems (which verify them) share. It sits
 * beside the module catalogue because a subsystem may import the catalogue and nothing else of the
 * directory.
 */
export const accessTokenClaimsSchema = z.object({
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
  /** Subsystem tokens only. */
  unit_path: z.array(z.string()).optional(),
  /** Subsystem tokens only (issue 8): an employer's category — the personnel subsystem serves public institutions. */
  unit_category: z.enum(['institution', 'enterprise', 'social-organization']).nullable().optional(),
  roles: z.array(z.string()).optional(),
  modules: z.array(z.string()).optional(),
  /** RFC 8176 methods of the sign-in (R23): `mfa` when a second factor was proved. */
  amr: z.array(z.string()).optional(),
  /** The grant the token belongs to: introspection checks it is still alive. */
  gid: z.string(),
  /** Present when the token is sender-constrained (DPoP). */
  cnf: z.object({ jkt: z.string().optional() }).optional(),
});

export type AccessTokenClaims = z.infer<typeof accessTokenClaimsSchema>;
