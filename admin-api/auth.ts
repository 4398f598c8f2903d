import type { Middleware } from 'koa';
import { RESOURCES } from '../directory/catalogue/modules.ts';
import { unauthorized } from '../platform/errors.ts';
import type { ActorLoader } from '../directory/authz/actor-loader.ts';
import type { AdminIdentity, AdminState } from './types.ts';

const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/;

/**
 * Authentication, applied once on the router: a JWT access token for the admin-API resource,
 * verified locally, then the live account behind its `sub` — so an account ended or disabled after
 * the token was issued is refused at once (R12), and its roles and scope are today's, not the
 * token's. Every failure is 401 with a `WWW-Authenticate: Bearer` challenge (RFC 6750).
 */
export function authenticate(identity: AdminIdentity, actors: ActorLoader): Middleware<AdminState> {
  return async (ctx, next) => {
    const challenge = (error: string) =>
      ctx.set('WWW-Authenticate', `Bearer realm="tongmen-admin", error="${error}"`);
    const match = BEARER.exec(ctx.get('authorization'));
    if (!match) {
      ctx.set('WWW-Authenticate', 'Bearer realm="tongmen-admin"');
      throw unauthorized('auth.invalid_token', 'A bearer access token for the admin API is required');
    }
    let claims: Awaited<ReturnType<AdminIdentity['verifyAccessToken']>>;
    try {
      claims = await identity.verifyAccessToken(match[1]!, RESOURCES.admin);
    } catch {
      challenge('invalid_token');
      throw unauthorized('auth.invalid_token', 'The access token is invalid or expired');
    }
    // The grant must still stand: signing out or ending the account revokes it at once (R12).
    const actor = (await identity.isTokenLive(claims)) ? await actors.load(claims.sub) : null;
    if (!actor) {
      challenge('invalid_token');
      throw unauthorized('auth.account_inactive', 'The account or sign-in behind this token is no longer active');
    }
    ctx.state.actor = actor;
    await next();
  };
}
