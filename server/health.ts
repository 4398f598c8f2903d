import type Koa from 'koa';
import type { Sequelize } from 'sequelize';
import { pendingMigrations } from '../platform/db/migrate.ts';

/** Why a node is not ready: the only detail a probe is told (nothing about hosts, versions or errors). */
export type NotReady = 'starting' | 'stopping' | 'database' | 'migrations';

/** How long the readiness check waits for PostgreSQL before it says `database`. */
export const READY_TIMEOUT_MS = 1500;
/** A readiness answer is reused this long: probes (or anyone) hammering it cost one query a second. */
const READY_CACHE_MS = 1000;

const headers = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/** The body of every health answer: `{status: 'ok'}` or `{status: 'unavailable', reason}`. */
export const healthBody = (reason?: NotReady) => JSON.stringify(reason ? { status: 'unavailable', reason } : { status: 'ok' });

/**
 * Liveness and readiness (issue 12, Operability), answered before anything else (no request id,
 * no access log, no throttle, no authentication): `/health/live` is 200 while the process serves
 * HTTP; `/health/ready` is 200 only when PostgreSQL answers within {@link READY_TIMEOUT_MS} and
 * every migration this code knows is applied, 503 `{status, reason}` otherwise and while the node
 * drains for a stop (`stopping()`), so a balancer sends it nothing new.
 */
export function healthRoutes(deps: { sequelize: Sequelize; stopping: () => boolean }): Koa.Middleware {
  let cached: { at: number; answer: Promise<NotReady | undefined> } | undefined;
  const check = async (): Promise<NotReady | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), READY_TIMEOUT_MS);
    });
    try {
      const pending = await Promise.race([pendingMigrations(deps.sequelize), timeout]);
      if (pending === 'timeout') return 'database';
      return pending.length ? 'migrations' : undefined;
    } catch {
      return 'database';
    } finally {
      clearTimeout(timer);
    }
  };
  const ready = () => {
    const now = Date.now();
    if (!cached || now - cached.at >= READY_CACHE_MS) cached = { at: now, answer: check() };
    return cached.answer;
  };
  return async (ctx, next) => {
    if (ctx.path !== '/health/live' && ctx.path !== '/health/ready') return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const reason = ctx.path === '/health/live' ? undefined : deps.stopping() ? 'stopping' : await ready();
    ctx.status = reason ? 503 : 200;
    ctx.set(headers);
    ctx.body = healthBody(reason);
  };
}
