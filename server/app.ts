import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { loadConfig, type Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { createIdentity, type Identity } from '../identity/index.ts';
import { createAdminApi } from '../admin-api/index.ts';
import type { BaseContext } from './context.ts';
import { errorResponder, requestContext } from './http.ts';
import type { Services } from './services.ts';
import { openCore } from './core.ts';
import { startAuditUpkeep } from '../directory/audit/audit-upkeep.ts';

export { openCore };

export interface Tongmen {
  base: BaseContext;
  services: Services;
  identity: Identity;
  app: Koa;
  /** Signed audit checkpoints and partitions ahead, while the server runs (R25). */
  auditUpkeep: ReturnType<typeof startAuditUpkeep>;
  close(): Promise<void>;
}

/**
 * The HTTP side on top of the core: identity (the provider and its pages), the admin API, and the
 * Koa app that mounts them in order — admin API, then sign-in pages and introspection front, then
 * the provider itself, which ends every request it handles.
 */
export async function composeApp(base: BaseContext, services: Services) {
  const identity = await createIdentity(base, services);
  services.attachSessionEnder(identity.sessionEnder);
  const adminApi = createAdminApi(base, services, identity);
  const app = new Koa({ keys: base.cookieKeys, proxy: base.config.trustProxy });
  app.silent = true;
  app.use(requestContext(base.logger));
  app.use(adminApi.routes);
  app.use(errorResponder(base.logger));
  app.use(identity.routes);
  app.use(identity.providerMiddleware);
  return { identity, adminApi, app };
}

/**
 * The composition root: configuration → database → secrets → services → identity → HTTP app.
 * `issuer` must be final before the provider is built (it is in every token).
 */
export async function createTongmen(config: Config, issuer: string, logger?: Logger): Promise<Tongmen> {
  const { base, services } = await openCore(config, issuer, logger);
  try {
    const { identity, app } = await composeApp(base, services);
    const auditUpkeep = startAuditUpkeep(base.db.sequelize, config.auditCheckpoints, base.logger);
    return {
      base,
      services,
      identity,
      app,
      auditUpkeep,
      async close() {
        await auditUpkeep.stop();
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
  close(): Promise<void>;
}

/**
 * Listens first (so a port 0 resolves to a real port), then builds Tongmen with the issuer that
 * port implies unless ISSUER is configured.
 */
export async function startServer(env: NodeJS.ProcessEnv, logger?: Logger): Promise<RunningServer> {
  const config = loadConfig(env);
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = config.issuer ?? `http://localhost:${port}`;
  let tongmen: Tongmen;
  try {
    tongmen = await createTongmen(config, issuer, logger);
  } catch (err) {
    server.close();
    throw err;
  }
  server.on('request', tongmen.app.callback());
  return {
    url: issuer,
    tongmen,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await tongmen.close();
    },
  };
}
