import crypto from 'node:crypto';
import type Koa from 'koa';
import { logScope, type Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';

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

/**
 * An incoming `X-Request-Id` is kept when it looks like an id a proxy or client generates (UUID,
 * ULID, hex, trace ids): 8–64 characters of letters, digits and `._:-`, at least one letter — so
 * no free text, no injection into log lines, and no bare number (a phone) lands in the audit trail.
 */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;
export const acceptRequestId = (incoming: string | undefined): string | undefined =>
  incoming && SANE_REQUEST_ID.test(incoming) && /[A-Za-z]/.test(incoming) ? incoming : undefined;

/** The provider's endpoints and the pages, by first path segment: the latency histogram's `area` (a fixed set). */
const AREAS: Readonly<Record<string, string>> = {
  admin: 'admin', auth: 'oidc', token: 'oidc', me: 'oidc', jwks: 'oidc', session: 'oidc', request: 'oidc',
  '.well-known': 'oidc', interaction: 'signin', account: 'account', essc: 'signin', assets: 'assets', dev: 'dev',
  console: 'console',
};
const areaOf = (path: string) => AREAS[path.split('/')[1] ?? ''] ?? 'other';

/** The admin route template a path and method match (`/admin/v1/units/:id`), never the raw path; `unmatched` otherwise. */
export type RouteTemplate = (path: string, method: string) => string;

/**
 * Request id (a sane incoming `X-Request-Id`, else a new UUID; echoed as `x-request-id`), every log
 * line written while the request is served tagged with it, one access-log line per request, and
 * the request's metrics (latency, admin route, introspection).
 */
export function requestContext(logger: Logger, metrics?: { metrics: Metrics; adminRoute: RouteTemplate }): Koa.Middleware {
  return async (ctx, next) => {
    const requestId = acceptRequestId(ctx.get('x-request-id')) ?? crypto.randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('x-request-id', requestId);
    const started = process.hrtime.bigint();
    await logScope.run({ requestId }, async () => {
      try {
        await next();
      } finally {
        // The provider answers on the raw response: its status is there once it has written.
        const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        logger.info({ method: ctx.method, path: ctx.path, status, ms: Math.round(seconds * 1e4) / 10 }, 'request');
        if (metrics) observe(metrics.metrics, metrics.adminRoute, ctx, status, seconds);
      }
    });
  };
}

function observe(metrics: Metrics, adminRoute: RouteTemplate, ctx: Koa.Context, status: number, seconds: number) {
  const area = areaOf(ctx.path);
  const method = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'].includes(ctx.method) ? ctx.method : 'OTHER';
  metrics.httpDuration.observe({ area, method, status: `${Math.floor(status / 100)}xx` }, seconds);
  if (area === 'admin') {
    const route = adminRoute(ctx.path, ctx.method);
    metrics.adminRequests.inc({ route, method, status: String(status) });
    metrics.adminDuration.observe({ route, method }, seconds);
  }
  if (ctx.path === '/token/introspection' && ctx.method === 'POST') metrics.introspections.inc({ status: String(status) });
}

/** Request origin for the audit trail. */
export const requestMeta = (ctx: Koa.Context): RequestMeta => ({
  ip: ctx.ip,
  userAgent: ctx.get('user-agent') || undefined,
  requestId: ctx.state.requestId,
});
