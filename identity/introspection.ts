import { bodyParser } from '@koa/bodyparser';
import { decodeProtectedHeader } from 'jose';
import type Koa from 'koa';
import type { PiiCipher } from '../platform/crypto/pii.ts';
import type { TokenVerifier } from './access-token.ts';
import { formFields } from './form.ts';
import { authenticateClient, type AuthenticatedClient } from './client-auth.ts';
import { isTokenLive } from './live-token.ts';
import type { LiveView } from './live-view.ts';

export interface IntrospectionDeps {
  view: LiveView;
  pii: PiiCipher;
  /** The node's verifier (it remembers verified tokens until they expire, access-token.ts). */
  verify: TokenVerifier;
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
export async function introspectJwt(token: string, client: AuthenticatedClient, deps: IntrospectionDeps) {
  if (!client.canIntrospect) return INACTIVE;
  let claims;
  try {
    claims = await deps.verify(token);
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
    ctx.body = await introspectJwt(token, client, deps);
  };
  return [form, answer];
}
