import type Koa from 'koa';

/** Seconds a client is told to wait on a 429 that did not say otherwise (the throttles' window). */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

/**
 * Headers every response carries, whoever answers it — the admin API, the sign-in pages, the
 * provider (which writes on the raw response, keeping what is set here), a 404 (issue 5 item 6):
 * `nosniff`, so no answer is ever sniffed into something executable; and a `Retry-After` on every
 * 429 that did not set its own.
 */
export function edgeHeaders(): Koa.Middleware {
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    try {
      await next();
    } finally {
      if (ctx.status === 429 && !ctx.res.headersSent && !ctx.response.get('Retry-After')) {
        ctx.set('Retry-After', String(DEFAULT_RETRY_AFTER_SECONDS));
      }
    }
  };
}

/**
 * Tongmen serves plain HTTP behind a TLS-terminating proxy. With an https issuer every browser
 * request reached that proxy over TLS, whatever `X-Forwarded-Proto` says (or whether it is
 * trusted): Koa is told so, and cookies are then always `Secure` (issue 5 item 6).
 */
export function servePublicScheme(app: Koa, issuer: string): void {
  if (new URL(issuer).protocol !== 'https:') return;
  Object.defineProperty(app.request, 'protocol', { get: () => 'https', configurable: true });
}
