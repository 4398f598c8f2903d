import crypto from 'node:crypto';
import type Koa from 'koa';
import type Provider from 'oidc-provider';
import type { Lang } from '../pages/i18n.ts';
import { ACCOUNT_CLIENT_ID, ACCOUNT_PATH, accountCallbackUrl } from './client.ts';

/** The browser's half of a sign-in for the own page: state and PKCE verifier, in a signed, HttpOnly cookie. */
const FLOW_COOKIE = 'tongmen_account_flow';
const FLOW_SECONDS = 30 * 60; // the interaction's own lifetime

interface Flow {
  state: string;
  verifier: string;
  lang: Lang;
}

const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, signed: true, path: ACCOUNT_PATH, overwrite: true };
const challengeOf = (verifier: string) => crypto.createHash('sha256').update(verifier).digest('base64url');

/**
 * No session: the browser is sent to sign in properly — an authorization request of the built-in
 * `account` client (code + PKCE S256), through the same sign-in pages as every client — and comes
 * back to `/account/callback`. Identity is never taken from a query parameter.
 */
export function startSignIn(ctx: Koa.Context, issuer: string, lang: Lang): void {
  const flow: Flow = { state: crypto.randomBytes(24).toString('base64url'), verifier: crypto.randomBytes(32).toString('base64url'), lang };
  ctx.cookies.set(FLOW_COOKIE, Buffer.from(JSON.stringify(flow)).toString('base64url'), { ...cookieOptions, maxAge: FLOW_SECONDS * 1000 });
  const url = new URL(`${issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: ACCOUNT_CLIENT_ID,
    response_type: 'code',
    redirect_uri: accountCallbackUrl(issuer),
    scope: 'openid',
    state: flow.state,
    code_challenge: challengeOf(flow.verifier),
    code_challenge_method: 'S256',
    ui_locales: lang === 'en' ? 'en' : 'zh-CN',
  }).toString();
  ctx.status = 303;
  ctx.redirect(url.toString());
}

export type CallbackOutcome = { ok: true; lang: Lang } | { ok: false; lang: Lang; cancelled: boolean };

/**
 * The return from the sign-in: the `state` must be this browser's, and the code is redeemed here,
 * in-process — issued to the `account` client for this callback, to this browser's session, and
 * proved by the PKCE verifier only this browser's cookie holds; consuming it twice revokes its
 * grant (the adapter). Then the page reads the SSO session the sign-in created.
 */
export async function finishSignIn(ctx: Koa.Context, provider: Provider, issuer: string, fallbackLang: Lang): Promise<CallbackOutcome> {
  const flow = readFlow(ctx);
  ctx.cookies.set(FLOW_COOKIE, null, cookieOptions);
  const lang = flow?.lang ?? fallbackLang;
  const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
  if (!flow || !sameText(state, flow.state)) return { ok: false, lang, cancelled: false };
  if (ctx.query.error !== undefined) return { ok: false, lang, cancelled: true };
  const value = typeof ctx.query.code === 'string' ? ctx.query.code : '';
  const code = value ? await provider.AuthorizationCode.find(value) : undefined;
  const session = await provider.Session.get(ctx);
  const good =
    code !== undefined &&
    code.clientId === ACCOUNT_CLIENT_ID &&
    code.redirectUri === accountCallbackUrl(issuer) &&
    code.codeChallengeMethod === 'S256' &&
    code.codeChallenge !== undefined &&
    sameText(code.codeChallenge, challengeOf(flow.verifier)) &&
    code.sessionUid === session.uid &&
    code.accountId === session.accountId;
  if (!good) return { ok: false, lang, cancelled: false };
  await code.consume();
  return { ok: true, lang };
}

function readFlow(ctx: Koa.Context): Flow | undefined {
  const raw = ctx.cookies.get(FLOW_COOKIE, { signed: true });
  if (!raw) return undefined;
  try {
    const flow = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Flow>;
    if (typeof flow.state !== 'string' || typeof flow.verifier !== 'string') return undefined;
    return { state: flow.state, verifier: flow.verifier, lang: flow.lang === 'en' ? 'en' : 'zh' };
  } catch {
    return undefined;
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
