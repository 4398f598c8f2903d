import crypto from 'node:crypto';
import type Koa from 'koa';
import type { Logger } from '../logger.ts';

declare module 'koa' {
  interface DefaultState {
    requestId: string;
  }
}

/**
 * Where a request came from, for the audit trail. Defined here, below every layer that records it
 * (`directory/actor.ts` re-exports it for the services).
 */
export interface RequestMeta {
  ip?: string | undefined;
  userAgent?: string | undefined;
  requestId?: string | undefined;
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

/** Request origin for the audit trail. */
export const requestMeta = (ctx: Koa.Context): RequestMeta => ({
  ip: ctx.ip,
  userAgent: ctx.get('user-agent') || undefined,
  requestId: ctx.state.requestId,
});
