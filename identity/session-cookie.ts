import type Koa from 'koa';

/**
 * R24 — the browser keeps the SSO session cookie until the session's absolute end (sign-in +
 * SESSION_MAX_HOURS), not until its idle end. oidc-provider dates the cookie with the session's
 * `exp` at the last request the browser made; but a refresh from a subsystem (session-activity.ts)
 * also counts as activity and slides `exp` on the server without the browser seeing it, so a cookie
 * dated with the old `exp` would end the SSO session early. The idle timeout is still enforced:
 * by the server-side session record, whose `exp` the provider checks on every load.
 */
export function sessionCookieLifetime(maxSeconds: number): Koa.Middleware {
  return async (ctx, next) => {
    await next();
    const loginTs = (ctx as { oidc?: { session?: { loginTs?: unknown } } }).oidc?.session?.loginTs;
    const raw = ctx.response.get('set-cookie') as unknown;
    if (typeof loginTs !== 'number' || !Array.isArray(raw)) return;
    const expires = new Date((loginTs + maxSeconds) * 1000).toUTCString();
    const cookies = (raw as string[]).map((c) =>
      /^_session(?:\.sig)?=/.test(c) && !c.includes('expires=Thu, 01 Jan 1970') ? c.replace(/; expires=[^;]*/i, `; expires=${expires}`) : c,
    );
    ctx.set('set-cookie', cookies);
  };
}
