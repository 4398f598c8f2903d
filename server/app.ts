import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { loadConfig, type Config } from '../platform/config.ts';
import { errorBody, errorLanguage } from '../platform/error-codes/language.ts';
import type { Logger } from '../platform/logger.ts';
import { createIdentity, type Identity } from '../identity/index.ts';
import { createAdminApi } from '../admin-api/index.ts';
import type { BaseContext } from './context.ts';
import { edgeHeaders, servePublicScheme } from '../platform/http/edge.ts';
import { errorResponder } from '../platform/http/error-responder.ts';
import { requestContext } from '../platform/http/request.ts';
import type { Directory } from '../directory/index.ts';
import { openCore } from './core.ts';
import { createMetrics, type Metrics } from '../platform/metrics.ts';
import { healthBody, healthRoutes } from './health.ts';
import { countSignIns, countTokenGrants, metricsRoute } from './metrics-route.ts';
import { consoleRoutes } from './console.ts';

export { openCore };

export interface Tongmen {
  base: BaseContext;
  services: Directory;
  identity: Identity;
  app: Koa;
  /** This process's Prometheus registry and metrics (issue 12). */
  metrics: Metrics;
  /** Set when the node starts draining for a stop: `/health/ready` then answers 503 `stopping`. */
  lifecycle: { stopping: boolean };
  /** Signed audit checkpoints and partitions ahead, while the server runs (R25). */
  auditUpkeep: ReturnType<Directory['startAuditUpkeep']>;
  close(): Promise<void>;
}

/**
 * The HTTP side on top of the core: identity (the provider and its pages), the admin API, and the
 * Koa app that mounts them in order — admin API, then sign-in pages and introspection front, then
 * the provider itself, which ends every request it handles.
 */
export async function composeApp(base: BaseContext, services: Directory) {
  const { config, issuer, logger, db, pii, cookieKeys, audit } = base;
  const identity = await createIdentity({
    config, issuer, logger, db, pii, cookieKeys, audit, credentials: services.credentials, secondFactors: services.secondFactors, secondFactorSms: services.secondFactorSms, directory: services.identityReads,
    signIns: services.signIns, self: services.self,
    smsCodes: services.smsCodes, smsOutbox: services.smsOutbox,
    qrTickets: services.qrTickets, esscDevPrivateKey: base.essc.devPrivateKeyPem,
  });
  services.attachSessionEnder(identity.sessionEnder);
  const adminApi = createAdminApi({ issuer, logger, directory: services, adminMfa: config.adminMfa }, identity);
  const metrics = createMetrics();
  services.audit.observe(countSignIns(metrics));
  countTokenGrants(identity.provider, metrics);
  const lifecycle = { stopping: false };
  const app = new Koa({ keys: cookieKeys, proxy: config.trustProxy });
  app.silent = true;
  servePublicScheme(app, issuer);
  servePublicScheme(identity.provider, issuer);
  app.use(edgeHeaders());
  // Probes and scrapes first: no request id, no access log line, no throttle, no session.
  app.use(healthRoutes({ sequelize: db.sequelize, stopping: () => lifecycle.stopping }));
  app.use(metricsRoute(config.metricsToken, metrics));
  const adminRoute = (path: string, method: string) =>
    adminApi.router.match(path, method).pathAndMethod.find((layer) => layer.methods.length)?.path.toString() ?? 'unmatched';
  app.use(requestContext(logger, { metrics, adminRoute }));
  app.use(adminApi.routes);
  // Issue 10: the web console at /console (and `/` leads there), before the provider's own routes.
  app.use(consoleRoutes());
  app.use(errorResponder(logger));
  app.use(identity.routes);
  app.use(identity.providerMiddleware);
  return { identity, adminApi, app, metrics, lifecycle };
}

/**
 * The composition root: configuration → database → secrets → services → identity → HTTP app.
 * `issuer` must be final before the provider is built (it is in every token).
 */
export async function createTongmen(config: Config, issuer: string, logger?: Logger): Promise<Tongmen> {
  const { base, services } = await openCore(config, issuer, logger);
  try {
    const { identity, app, metrics, lifecycle } = await composeApp(base, services);
    const auditUpkeep = services.startAuditUpkeep();
    // Issue 8: import jobs whose node died (no heartbeat) are failed, whichever node starts next.
    await services.importJobs.failStale();
    return {
      base,
      services,
      identity,
      app,
      metrics,
      lifecycle,
      auditUpkeep,
      async close() {
        await auditUpkeep.stop();
        await services.importJobs.settle();
        await identity.close();
        await base.db.close();
      },
    };
  } catch (err) {
    await base.db.close().catch(() => {});
    throw err;
  }
}

export interface RunningServer {
  url: string;
  tongmen: Tongmen;
  server: http.Server;
  /**
   * Graceful stop: no new connections, requests in flight finish (at most `graceMs`, then their
   * connections are cut), then the database is closed.
   */
  close(graceMs?: number): Promise<void>;
}

/** How long a stop waits for requests in flight before cutting their connections. */
export const SHUTDOWN_GRACE_MS = 10_000;

/**
 * The answer to a request that arrives before the app is built (port 0 only): try again shortly.
 * The process is up (`/health/live` 200) but not ready (`/health/ready` 503 `starting`).
 */
export function starting(req: http.IncomingMessage, res: http.ServerResponse) {
  const probe = req.url?.split('?')[0];
  if (probe === '/health/live' || probe === '/health/ready') {
    const live = probe === '/health/live';
    res.writeHead(live ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...(live ? {} : { 'retry-after': '1' }) });
    res.end(healthBody(live ? undefined : 'starting'));
    return;
  }
  const lang = errorLanguage(req.headers['accept-language']);
  res.writeHead(503, {
    'content-type': 'application/json; charset=utf-8',
    'retry-after': '1',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    connection: 'close',
    'content-language': lang,
    vary: 'Accept-Language',
  });
  res.end(JSON.stringify(errorBody('server.starting', lang)));
}

const listen = (server: http.Server, port: number) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve();
    });
  });

/**
 * Builds Tongmen, then serves it (issue 5 item 7: no request may wait on an app that is not there).
 * - A fixed PORT (every deployment) is bound only once the app is ready: until then a connection is
 *   refused, which load balancers and clients retry elsewhere or later — nothing hangs.
 * - PORT=0 without ISSUER (tests, tooling) needs the port for the issuer before the provider is
 *   built, so the port is bound first; requests arriving meanwhile get 503 with Retry-After.
 *   (Picking a free port first and binding it later would race other processes for it.)
 */
export async function startServer(env: NodeJS.ProcessEnv, logger?: Logger): Promise<RunningServer> {
  const config = loadConfig(env);
  let handler: http.RequestListener | undefined;
  const server = http.createServer((req, res) => (handler ?? starting)(req, res));
  const bindFirst = config.port === 0 && !config.issuer;
  if (bindFirst) await listen(server, 0);
  const port = bindFirst ? (server.address() as AddressInfo).port : config.port;
  const issuer = config.issuer ?? `http://localhost:${port}`;
  const tongmen = await createTongmen(config, issuer, logger).catch((err: unknown) => {
    server.close();
    throw err;
  });
  handler = tongmen.app.callback();
  if (!bindFirst) {
    await listen(server, config.port).catch(async (err: unknown) => {
      await tongmen.close().catch(() => {});
      throw err;
    });
  }
  let closing: Promise<void> | undefined;
  return {
    url: issuer,
    tongmen,
    server,
    close(graceMs = SHUTDOWN_GRACE_MS) {
      closing ??= (async () => {
        tongmen.lifecycle.stopping = true;
        await drain(server, graceMs);
        await tongmen.close();
      })();
      return closing;
    },
  };
}

/**
 * Stops accepting and waits for the requests in flight. A keep-alive connection is closed as soon
 * as it is idle (checked every 50 ms: a response in flight now may finish later); after `graceMs`
 * every remaining connection is cut.
 */
async function drain(server: http.Server, graceMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  const cut = setTimeout(() => server.closeAllConnections(), graceMs);
  server.closeIdleConnections();
  try {
    await closed;
  } finally {
    clearInterval(idle);
    clearTimeout(cut);
  }
}
