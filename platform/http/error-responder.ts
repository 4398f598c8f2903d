import type Koa from 'koa';
import { isAppError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/**
 * Turns thrown errors into `{"error": {code, message, details}}` with the error's status. Anything
 * that is not an AppError is logged with the request id and answered as a bare 500.
 */
export function errorResponder(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (isAppError(err) && err.expose) {
        ctx.status = err.status;
        ctx.body = { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
        return;
      }
      const e = err as { status?: number; expose?: boolean; message?: string };
      if (typeof e.status === 'number' && e.status < 500 && e.expose) {
        // Errors raised by koa itself or its body parser (malformed JSON, payload too large…).
        ctx.status = e.status;
        ctx.body = { error: { code: e.status === 413 ? 'request.too_large' : 'request.invalid', message: e.message } };
        return;
      }
      logger.error({ err, requestId: ctx.state.requestId }, 'unexpected error');
      ctx.status = 500;
      ctx.body = {
        error: { code: 'internal', message: 'Internal error', details: { requestId: ctx.state.requestId } },
      };
    }
  };
}
