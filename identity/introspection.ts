import { bodyParser } from '@koa/bodyparser';
import { decodeProtectedHeader } from 'jose';
import type Koa from 'koa';
import type { PiiCipher } from '../platform/crypto/pii.ts';
import type { TokenVerifier } from './access-token.ts';
import type { AccessTokenClaims } from './token-claims.ts';
import { formFields } from './form.ts';
import { authenticateClient, type AuthenticatedClient } from './client-auth.ts';
import { isTokenLive } from './live-token.ts';
import type { LiveView } from './live-view.ts';

export interface IntrospectionDeps {
  view: LiveView;
  pii: PiiCipher;
  verify: TokenVerifier;
}

/**
 * Issue 11: tokens whose signature, issuer, type and claims were verified, until they expire. A
 * resource introspects the same token on every request it serves; the signature check (the
 * largest cost of an introspection in the profile) is then done once per token and node. Only the
 * verification is remembered — liveness is decided on every call. Keys are never withdrawn while a
 * token they signed can still be valid (identity/keys.ts), so a kept verification stays true.
 */
class VerifiedTokens {
  private readonly entries = new Map<string, AccessTokenClaims>();
  constructor(private readonly max = 10_000) {}

  async verify(token: string, verify: TokenVerifier): Promise<AccessTokenClaims> {
    const hit = this.entries.get(token);
    if (hit && hit.exp * 1000 > Date.now()) return hit;
    const claims = await verify(token);
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(token, claims);
    return claims;
  }
}

const INACTIVE = { active: false } as const;

function isJwt(token: string): boolean {
  try {
    decodeProtectedHeader(token);
    return true;
  } catch {
    return false;
  }
}

/**
 * RFC 7662 for Tongmen's JWT access tokens (oidc-provider refuses JWTs at introspection). The
 * caller authenticates as a client allowed to introspect; the token's audience must be one of the
 * caller's registered resources (a subsystem: its own); then signature, issuer, expiry and the
 * live state decide. Everything else is `{active: false}`.
 */
export async function introspectJwt(token: string, client: AuthenticatedClient, deps: IntrospectionDeps, verified?: VerifiedTokens) {
  if (!client.canIntrospect) return INACTIVE;
  let claims;
  try {
    claims = verified ? await verified.verify(token, deps.verify) : await deps.verify(token);
  } catch {
    return INACTIVE;
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.some((aud) => client.resources.includes(aud))) return INACTIVE;
  if (!(await isTokenLive(deps.view, claims))) return INACTIVE;
  const { cnf, gid: _gid, ...fields } = claims;
  // RFC 9449 §6.2: a bound token's key thumbprint, so the resource can check the proof's key.
  if (cnf?.jkt) return { active: true, ...fields, cnf: { jkt: cnf.jkt }, token_type: 'DPoP' };
  return { active: true, ...fields, token_type: 'Bearer' };
}

/**
 * The introspection endpoint's front, mounted before the provider on POST /token/introspection:
 * a JWT is answered here; any other token falls through to the provider's own introspection
 * (which reads the already parsed form from `req.body`).
 */
export function introspectionFront(deps: IntrospectionDeps): Koa.Middleware[] {
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb', patchNode: true });
  const verified = new VerifiedTokens();
  const clients = { findActive: (_tx: undefined, id: string) => deps.view.activeClient(id) };
  const answer: Koa.Middleware = async (ctx, next) => {
    const body = formFields(ctx.request.body);
    const token = body.token;
    if (typeof token !== 'string' || !isJwt(token)) return next();
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Pragma', 'no-cache');
    const client = await authenticateClient(ctx, body, deps.pii, clients);
    if (!client) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Basic realm="tongmen"');
      ctx.body = { error: 'invalid_client', error_description: 'client authentication failed' };
      return;
    }
    ctx.body = await introspectJwt(token, client, deps, verified);
  };
  return [form, answer];
}
