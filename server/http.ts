import crypto from 'node:crypto';
import type Koa from 'koa';
import { errorBody, errorLanguage } from '../platform/error-codes/language.ts';
import { isAppError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import type { RequestMeta } from '../directory/actor.ts';

declare module 'koa' {
  interface DefaultState {
    requestId: string;
  }
}

/** Request id (echoed as `x-request-id`) and one access-log line per request. */
export function requestContext(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    const requestId = crypto.randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('x-request-id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      logger.debug(
        { requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Number(process.hrtime.bigint() - started) / 1e6 },
        'request',
      );
    }
  };
}

/** Seconds a client is told to wait on a 429 that did not say otherwise (the throttles' window). */
export const DEFAULT_RETRY_AFTER_SECONDS = 60;

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

/**
 * Turns thrown errors into `{"error": {code, message, details}}` with the error's status, the
 * message in the client's language (zh-CN unless `Accept-Language` prefers English; issue 6
 * item 5). Anything that is not an AppError is logged with the request id and answered as a bare 500.
 */
export function errorResponder(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const lang = errorLanguage(ctx.get('accept-language'));
      ctx.vary('Accept-Language');
      ctx.set('Content-Language', lang);
      if (isAppError(err) && err.expose) {
        ctx.status = err.status;
        ctx.body = errorBody(err.code, lang, err.details, err.message);
        return;
      }
      const e = err as { status?: number; expose?: boolean; message?: string };
      if (typeof e.status === 'number' && e.status < 500 && e.expose) {
        // Errors raised by koa itself or its body parser (malformed JSON, payload too large…).
        ctx.status = e.status;
        ctx.body = errorBody(e.status === 413 ? 'request.too_large' : 'request.invalid', lang, undefined, e.message);
        return;
      }
      logger.error({ err, requestId: ctx.state.requestId }, 'unexpected error');
      ctx.status = 500;
      ctx.body = errorBody('internal', lang, { requestId: ctx.state.requestId });
    }
  };
}

/** Request origin for the audit trail. */
export const requestMeta = (ctx: Koa.Context): RequestMeta => ({
  ip: ctx.ip,
  userAgent: ctx.get('user-agent') || undefined,
  requestId: ctx.state.requestId,
});
