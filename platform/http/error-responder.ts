import type Koa from 'koa';
import { errorBody, errorLanguage } from '../error-codes/language.ts';
import { isAppError } from '../errors.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import { maskPiiText, type Logger } from '../logger.ts';

/**
 * Turns thrown errors into `{"error": {code, message, details}}` with the error's status, the
 * message in the client's language (zh-CN unless `Accept-Language` prefers English; issue 6
 * item 5), with ID numbers and phones masked. A database that cannot be reached is 503 `database.unavailable` with Retry-After (issue 12
 * suite 6). Anything else that is not an AppError is logged with the request id and answered as a bare 500.
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
        // Details may echo what the caller sent (a rejected value): masked like a log line (R25), so
        // that no answer carries a full ID number or phone, whoever asked.
        ctx.body = JSON.parse(maskPiiText(JSON.stringify(errorBody(err.code, lang, err.details, err.message))));
        return;
      }
      const e = err as { status?: number; expose?: boolean; message?: string };
      if (typeof e.status === 'number' && e.status < 500 && e.expose) {
        // Errors raised by koa itself or its body parser (malformed JSON, payload too large…).
        ctx.status = e.status;
        ctx.body = errorBody(e.status === 413 ? 'request.too_large' : 'request.invalid', lang, undefined, e.message);
        return;
      }
      if (isDatabaseUnavailable(err)) {
        // Not the caller's fault, nor a bug: the database is away (restart, failover). Nothing was kept; try again.
        logger.warn({ err, requestId: ctx.state.requestId }, 'database unavailable');
        ctx.status = 503;
        ctx.set('Retry-After', '2');
        ctx.body = errorBody('database.unavailable', lang, { requestId: ctx.state.requestId });
        return;
      }
      logger.error({ err, requestId: ctx.state.requestId }, 'unexpected error');
      ctx.status = 500;
      ctx.body = errorBody('internal', lang, { requestId: ctx.state.requestId });
    }
  };
}
