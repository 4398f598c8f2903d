import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa, { type Context, type Next } from 'koa';
import { Router } from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { decodeJwt } from 'jose';
import { RESOURCES, type Subsystem } from '../../directory/catalogue/modules.ts';
import { isAppError } from '../../platform/errors.ts';
import { createModuleGuard, type SubsystemCaller } from '../module-guard.ts';
import { moduleName, moduleRefusedBody, page, esc, SEPARATION_BODY } from './pages.ts';
import { createRelyingParty } from './relying-party.ts';
import { SessionStore, type LocalSession } from './session-store.ts';
import { openSubsystemStore, type SqlRunner, type SubsystemStore } from './store.ts';

/** Everything a subsystem needs to run (cli/subsystem.ts reads it from the environment). */
export interface SubsystemSettings {
  subsystem: Subsystem;
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Public base URL of this subsystem (as registered with Tongmen). */
  url: string;
  /** Keys signing the subsystem's own cookies (rotate by prepending). */
  cookieKeys: string[];
  /** Its own store: a PostgreSQL URL (schema `sub_<name>`), else an embedded PGlite in `dataDir` (or memory). */
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  /** A store connection shared by several subsystems of one process (`npm start`'s demo), each in its own schema. */
  runner?: SqlRunner | undefined;
  /** Longest life of a local session (default 12 h, Tongmen's absolute session lifetime). */
  sessionMaxSeconds?: number;
}

/** What a subsystem's routes get: the store, the guard and the page helper. */
export interface SubsystemKit {
  subsystem: Subsystem;
  store: SubsystemStore;
  /** Koa middleware: a signed-in operator whose token grants `module` (R9); sets `ctx.state.caller` and `ctx.state.session`. */
  guard(module: string): (ctx: Context, next: Next) => Promise<void>;
  /** Renders a page for the signed-in caller (with its logout form). */
  render(ctx: Context, title: string, body: string, status?: number): void;
}

export interface GuardedState {
  caller: SubsystemCaller;
  session: LocalSession;
  form: Record<string, string>;
}

/** The caller, session and form the guard put on the context (only behind `kit.guard`). */
export function guarded(ctx: Context): GuardedState {
  const state = ctx.state as Partial<GuardedState>;
  if (!state.caller || !state.session) throw new Error('route is not behind kit.guard');
  return { caller: state.caller, session: state.session, form: state.form ?? {} };
}


/**
 * A business subsystem as an ordinary OIDC relying party of Tongmen (issue 9): a koa app with its
 * own signed session cookie (HttpOnly, SameSite=Lax; the cookie holds only a random id, the tokens
 * stay in its own store), sign-in by authorization code + PKCE, refresh, RP-initiated and
 * back-channel logout, and a guard deciding every route from the access token's claims alone.
 * `mount` adds the subsystem's own routes (and creates its own tables).
 */
export async function createSubsystemApp(settings: SubsystemSettings, mount: (router: Router, kit: SubsystemKit) => Promise<void> | void) {
  const { subsystem } = settings;
  const store = await openSubsystemStore(subsystem, settings);
  const sessions = new SessionStore(store, settings.sessionMaxSeconds ?? 12 * 3600);
  await sessions.migrate();
  const rp = createRelyingParty({ ...settings, resource: RESOURCES[subsystem] });
  let guardImpl: ReturnType<typeof createModuleGuard> | undefined;
  const moduleGuard = async () => (guardImpl ??= createModuleGuard({ issuer: settings.issuer, subsystem, jwksUri: await rp.jwksUri() }));
  const secure = new URL(settings.url).protocol === 'https:';
  const cookie = { httpOnly: true, sameSite: 'lax' as const, signed: true, secure, overwrite: true };

  // Cookies are per host, not per port: each subsystem names its own, so four on one host never clash.
  const SESSION_COOKIE = `${subsystem}.sid`;
  const LOGIN_COOKIE = `${subsystem}.login`;
  const app = new Koa({ keys: settings.cookieKeys });
  const router = new Router();
  const form = bodyParser({ enableTypes: ['form'], formLimit: '64kb' });

  app.use(async (ctx, next) => {
    ctx.set('content-security-policy', "default-src 'none'; frame-ancestors 'none'; base-uri 'none'");
    ctx.set('x-content-type-options', 'nosniff');
    ctx.set('cache-control', 'no-store');
    await next();
  });

  const html = (ctx: Context, status: number, title: string, body: string, csrf?: string) => {
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = page(subsystem, title, body, csrf ? { csrf } : {});
  };

  const loadSession = async (ctx: Context) => {
    const id = ctx.cookies.get(SESSION_COOKIE, { signed: true });
    return id ? sessions.find(id) : undefined;
  };

  /** The session's access token, refreshed when it is (nearly) expired; undefined when the refresh is refused (grant ended). */
  const freshToken = async (session: LocalSession): Promise<string | undefined> => {
    if (session.accessExpiresAt - 15 > Date.now() / 1000) return session.accessToken;
    if (!session.refreshToken) return undefined;
    try {
      const t = await rp.refresh(session.refreshToken);
      const accessExpiresAt = decodeJwt(t.access_token).exp ?? Math.floor(Date.now() / 1000) + (t.expires_in ?? 60);
      const refreshToken = t.refresh_token ?? session.refreshToken;
      await sessions.updateTokens(session.id, { accessToken: t.access_token, refreshToken, accessExpiresAt });
      Object.assign(session, { accessToken: t.access_token, refreshToken, accessExpiresAt });
      return t.access_token;
    } catch {
      return undefined;
    }
  };

  const toLogin = async (ctx: Context, session?: LocalSession) => {
    if (session) await sessions.delete(session.id);
    if (ctx.method === 'GET') return ctx.redirect(`/login?return=${encodeURIComponent(ctx.path)}`);
    return html(ctx, 401, '请重新登录', '<p>登录已失效，请<a href="/login">重新登录</a>。</p>');
  };

  const kit: SubsystemKit = {
    subsystem,
    store,
    render: (ctx, title, body, status = 200) => html(ctx, status, title, body, (ctx.state as Partial<GuardedState>).session?.csrf),
    guard: (module) => async (ctx, next) => {
      const session = await loadSession(ctx);
      if (!session) return toLogin(ctx);
      const token = await freshToken(session);
      if (!token) return toLogin(ctx, session);
      let caller: SubsystemCaller;
      try {
        const guard = await moduleGuard();
        caller = module === '*' ? await guard.identify(token) : await guard.authorize(token, module);
      } catch (err) {
        if (!isAppError(err)) throw err;
        if (err.code === 'subsystem.separation_of_duties') return html(ctx, 403, '无权办理业务', SEPARATION_BODY, session.csrf);
        if (err.code === 'subsystem.module_forbidden') return html(ctx, 403, '无权使用该模块', moduleRefusedBody(module), session.csrf);
        // A token Tongmen no longer vouches for: sign in again. Anything else is a fault of the subsystem itself.
        if (err.code === 'subsystem.invalid_token' || err.code === 'subsystem.dpop_unsupported') return toLogin(ctx, session);
        throw err;
      }
      if (ctx.method === 'POST') {
        await form(ctx, async () => {});
        const body = (ctx.request as { body?: Record<string, string> }).body ?? {};
        // SameSite=Lax already keeps the cookie off cross-site POSTs; the per-session token is the second lock.
        if (typeof body['csrf'] !== 'string' || !safeEqual(body['csrf'], session.csrf)) return html(ctx, 403, '请求无效', '<p>表单已失效，请返回重试。</p>', session.csrf);
        Object.assign(ctx.state, { form: body });
      }
      Object.assign(ctx.state, { caller, session });
      await next();
    },
  };

  router.get('/login', async (ctx) => {
    const { url, pending } = await rp.startLogin();
    const returnTo = localPath(ctx.query['return'], settings.url);
    ctx.cookies.set(LOGIN_COOKIE, JSON.stringify({ ...pending, returnTo }), { ...cookie, maxAge: 10 * 60 * 1000 });
    ctx.redirect(url);
  });

  router.get('/callback', async (ctx) => {
    const raw = ctx.cookies.get(LOGIN_COOKIE, { signed: true });
    ctx.cookies.set(LOGIN_COOKIE, null, cookie);
    if (!raw) return html(ctx, 400, '登录未完成', '<p>登录请求已失效，请<a href="/login">重新登录</a>。</p>');
    const pending = JSON.parse(raw) as { state: string; verifier: string; nonce: string; returnTo: string };
    let result: Awaited<ReturnType<typeof rp.finishLogin>>;
    try {
      result = await rp.finishLogin(new URL(ctx.originalUrl, settings.url), pending);
    } catch {
      return html(ctx, 400, '登录未完成', '<p>统一身份认证未完成登录，请<a href="/login">重新登录</a>。</p>');
    }
    const { tokens, claims } = result;
    const unit = claims['unit'] as LocalSession['profile']['unit'];
    const session = await sessions.create({
      sub: claims.sub,
      sid: typeof claims['sid'] === 'string' ? claims['sid'] : null,
      idToken: tokens.id_token!,
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token ?? null,
      accessExpiresAt: decodeJwt(tokens.access_token).exp ?? Math.floor(Date.now() / 1000) + 60,
      profile: {
        ...(typeof claims['name'] === 'string' ? { name: claims['name'] } : {}),
        ...(typeof claims['acct_kind'] === 'string' ? { acctKind: claims['acct_kind'] } : {}),
        ...(unit ? { unit } : {}),
      },
    });
    ctx.cookies.set(SESSION_COOKIE, session.id, cookie);
    ctx.redirect(pending.returnTo);
  });

  // Logout needs only the session and its form token: a refused account (R9) must be able to leave too.
  router.post('/logout', form, async (ctx) => {
    const session = await loadSession(ctx);
    if (!session) return ctx.redirect('/');
    const sent = (ctx.request as { body?: Record<string, string> }).body?.['csrf'];
    if (typeof sent !== 'string' || !safeEqual(sent, session.csrf)) return html(ctx, 403, '请求无效', '<p>表单已失效，请返回重试。</p>', session.csrf);
    await sessions.delete(session.id);
    ctx.cookies.set(SESSION_COOKIE, null, cookie);
    ctx.redirect(await rp.endSessionUrl(session.idToken));
  });

  // Back-channel logout (R24): Tongmen posts a logout token; every local session it names ends at once.
  router.post('/backchannel-logout', form, async (ctx) => {
    const token = (ctx.request as { body?: Record<string, string> }).body?.['logout_token'];
    ctx.set('cache-control', 'no-store');
    try {
      if (typeof token !== 'string') throw new Error('no logout_token');
      const { sub, sid } = await rp.verifyLogoutToken(token);
      await sessions.endFor(sub, sid);
      ctx.status = 200;
    } catch {
      ctx.status = 400;
      ctx.type = 'json';
      ctx.body = { error: 'invalid_request' };
    }
  });

  // The home page: who is signed in, in which unit, with which roles, and the modules they may use.
  router.get('/', async (ctx, next) => {
    if (await loadSession(ctx)) return next();
    html(ctx, 200, '欢迎', '<p>请通过统一身份认证<a href="/login">登录</a>。</p>');
  }, kit.guard('*'), async (ctx) => {
    const { caller, session } = guarded(ctx);
    const modules = caller.modules.length
      ? `<ul>${caller.modules.map((m) => `<li data-module="${esc(m)}"><a href="/m/${esc(m.split(':')[1])}">${esc(moduleName(m))}</a></li>`).join('')}</ul>`
      : '<p>您的角色未授予本子系统的任何模块。</p>';
    kit.render(
      ctx,
      '首页',
      `<p>经办人：<span data-name>${esc(session.profile.name)}</span></p>` +
        `<p>单位：<span data-unit="${esc(caller.unitId)}">${esc(session.profile.unit?.name ?? caller.unitId)}</span></p>` +
        `<p>角色：<span data-roles>${esc(caller.roles.join('、') || '无')}</span></p><h2>可用模块</h2>${modules}`,
    );
  });

  await mount(router, kit);
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      ctx.app.emit('error', err, ctx);
      html(ctx, 500, '系统错误', '<p>系统繁忙，请稍后再试。</p>');
    }
  });
  app.silent = true;
  app.use(router.routes()).use(router.allowedMethods());
  return { app, store, close: () => store.close() };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** Serves a subsystem app on `port` (0: any free port); resolves with its URL and a close function. */
export async function listen(app: Koa, port: number, host = '127.0.0.1') {
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    server,
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Where `/login?return=…` may lead after the sign-in: a path of this subsystem only. The value is
 * resolved as a browser would (a backslash is a slash, tabs and newlines vanish, dot segments
 * collapse), so `/\evil.example` or `/.//evil.example` cannot become another origin (issue 12
 * suite 7: `/\evil.example` passed the old "starts with one slash" test); anything else is `/`.
 */
export function localPath(back: unknown, base: string): string {
  if (typeof back !== 'string' || !back.startsWith('/')) return '/';
  let target: URL;
  try {
    target = new URL(back, base);
  } catch {
    return '/';
  }
  if (target.origin !== new URL(base).origin || target.pathname.startsWith('//')) return '/';
  return `${target.pathname}${target.search}`;
}
