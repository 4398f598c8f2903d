import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeApp, startServer, type RunningServer } from '../../server/app.ts';
import { createDirectory } from '../../directory/index.ts';
import { testLogger } from './pii-tee.ts';

/**
 * A second node on `first`'s database serving the same issuer (as behind a load balancer): on
 * PostgreSQL a whole second server with its own connection pool and the settings `env`; on the
 * embedded database (one per process) a second directory and app over the same database (and so
 * the first node's settings).
 */
export async function openSecondNode(first: RunningServer, env: Record<string, string> = {}): Promise<{ url: string; close(): Promise<void> }> {
  const base = first.tongmen.base;
  if (base.config.database.kind === 'external') {
    const other = await startServer(
      { NODE_ENV: 'test', PORT: '0', ISSUER: first.url, LOG_LEVEL: 'silent', ADMIN_MFA: 'off', DEMO: 'off', ...env, DATABASE_URL: base.config.database.url },
      testLogger('silent'),
    );
    return { url: `http://127.0.0.1:${(other.server.address() as AddressInfo).port}`, close: () => other.close() };
  }
  const directory = createDirectory({ config: base.config, logger: base.logger, db: base.db, pii: base.pii });
  const { app, identity } = await composeApp(base, directory);
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await identity.close();
    },
  };
}
