import type { Middleware } from 'koa';
import { RESOURCES } from '../directory/catalogue/modules.ts';
import { forbidden, isAppError, unauthorized } from '../platform/errors.ts';
import type { CodeWithStatus } from '../platform/error-codes/index.ts';
import type { ActorLoader } from '../directory/authz/actor-loader.ts';
import { MFA_AMR, secondFactorRequired, type AdminMfa } from '../directory/credentials/second-factor-policy.ts';
import { DPOP_ALGS } from '../platform/http/dpop.ts';
import type { AdminIdentity, AdminState, TokenSubject } from './types.ts';

const AUTHORIZATION = /^(Bearer|DPoP) ([A-Za-z0-9\-._~+/]+=*)$/i;
const REALM = 'realm="tongmen-admin"';

/**
 * RFC 6750 and RFC 9449 §7.1 challenges: both schemes are offered; the `error` goes on the scheme
 * the client should fix (a DPoP-bound token, or a bad proof, is the DPoP scheme's business).
 */
function challenge(scheme: 'Bearer' | 'DPoP' | undefined, error?: string, description?: string) {
  const err = (s: string) => (error && s === scheme ? `, error="${error}"${description ? `, error_description="${description}"` : ''}` : '');
  return [`Bearer ${REALM}${err('Bearer')}`, `DPoP ${REALM}, algs="${DPOP_ALGS.join(' ')}"${err('DPoP')}`];
}

/**
 * Authentication, applied once on the router: a JWT access token for the admin-API resource,
 * verified locally, then the live account behind its `sub` — so an account ended or disabled after
 * the token was issued is refused at once (R12), and its roles and scope are today's, not the
 * token's. A sender-constrained token (`cnf.jkt`, from a token request with a DPoP proof) is
 * accepted only as `Authorization: DPoP` with a valid proof of its key (RFC 9449, issue 5 item 5):
 * presented as a plain Bearer token it is refused, so a stolen bound token is worthless. Every
 * failure is 401 with `WWW-Authenticate` challenges. R23: an administrator the policy (ADMIN_MFA)
 * asks for a second factor is refused (403 `auth.mfa_required`) with a token whose `amr` lacks
 * `mfa` — e.g. one issued while ADMIN_MFA was off — judged by today's account, not the token's.
 */
export function authenticate<C extends TokenSubject>(
  identity: AdminIdentity<C>,
  actors: ActorLoader,
  issuer: string,
  adminMfa: AdminMfa,
): Middleware<AdminState> {
  return async (ctx, next) => {
    const refuse = (scheme: 'Bearer' | 'DPoP' | undefined, error: string | undefined, code: CodeWithStatus<401>, message: string) => {
      ctx.set('WWW-Authenticate', challenge(scheme, error, error && message));
      return unauthorized(code, message);
    };
    const match = AUTHORIZATION.exec(ctx.get('authorization'));
    if (!match) throw refuse(undefined, undefined, 'auth.invalid_token', 'A bearer access token for the admin API is required');
    const scheme = match[1]!.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    const token = match[2]!;
    let claims: C;
    try {
      claims = await identity.verifyAccessToken(token, RESOURCES.admin);
    } catch {
      throw refuse(scheme, 'invalid_token', 'auth.invalid_token', 'The access token is invalid or expired');
    }
    const jkt = claims.cnf?.jkt;
    if (jkt && scheme === 'Bearer') {
      throw refuse('DPoP', 'invalid_token', 'auth.dpop_required', 'This access token is bound to a key: send it as DPoP with a proof');
    }
    if (!jkt && scheme === 'DPoP') {
      throw refuse('DPoP', 'invalid_token', 'auth.invalid_token', 'This access token is not bound to a key: send it as Bearer');
    }
    if (jkt) {
      const proof = ctx.get('dpop');
      try {
        await identity.verifyDPoPProof({ proof, method: ctx.method, url: `${issuer}${ctx.path}`, accessToken: token, jkt });
      } catch (err) {
        const message = isAppError(err) ? err.message : 'The DPoP proof is not valid';
        throw refuse('DPoP', 'invalid_dpop_proof', 'auth.dpop_invalid', message);
      }
    }
    // The grant must still stand: signing out or ending the account revokes it at once (R12).
    const actor = (await identity.isTokenLive(claims)) ? await actors.load(claims.sub) : null;
    if (!actor) {
      throw refuse(scheme, 'invalid_token', 'auth.account_inactive', 'The account or sign-in behind this token is no longer active');
    }
    if (secondFactorRequired(adminMfa, actor) && !claims.amr?.includes(MFA_AMR)) {
      ctx.set('WWW-Authenticate', challenge(scheme, 'insufficient_user_authentication', 'A second factor is required: sign in again'));
      throw forbidden('auth.mfa_required', 'This account must sign in with a second factor to use the admin API: sign in again', {
        rule: 'R23',
      });
    }
    ctx.state.actor = actor;
    await next();
  };
}
