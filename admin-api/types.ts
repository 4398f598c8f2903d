import type Router from '@koa/router';
import type { BaseContext } from '../server/context.ts';
import type { Directory as Services } from '../directory/index.ts';
import type { Actor } from '../directory/actor.ts';
import type { AccessTokenClaims } from '../identity/token-claims.ts';
import type { DPoPCheck } from '../identity/dpop.ts';

/** What the admin API needs from `identity/`: local verification of admin-API access tokens. */
export interface AdminIdentity {
  /** Verifies a JWT access token issued for `resource`; rejects on any problem. */
  verifyAccessToken(token: string, resource: string): Promise<AccessTokenClaims>;
  /** Whether the token's grant still stands (logout and offboarding delete it, R12). */
  isTokenLive(claims: AccessTokenClaims): Promise<boolean>;
  /** Checks the DPoP proof of a sender-constrained token (RFC 9449); rejects on any problem. */
  verifyDPoPProof(check: DPoPCheck): Promise<void>;
}

/** Request state below /admin/v1: the authenticated actor (set by `auth.ts` before any route runs). */
export interface AdminState {
  requestId: string;
  actor: Actor;
}

export type AdminRouter = Router<AdminState>;

/** What every route module is built from (Logto style: one context, routes only orchestrate). */
export interface AdminContext {
  base: BaseContext;
  services: Services;
  identity: AdminIdentity;
}

/** A route module: registers its routes, each with one guard, on the admin router. */
export type AdminRoutes = (router: AdminRouter, context: AdminContext) => void;
