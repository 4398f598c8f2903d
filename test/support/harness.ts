import { startServer, type RunningServer } from '../../server/app.ts';
import { createLogger } from '../../platform/logger.ts';
import { freshDatabaseEnv } from './database.ts';

/**
 * A Tongmen server for one test file: a fresh database (clone of the migrated template on real
 * PostgreSQL, or in-memory PGlite), port 0 on 127.0.0.1, issuer `http://127.0.0.1:<port>`.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const dbEnv = await freshDatabaseEnv();
  const fullEnv = {
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_MFA: 'off',
    DEMO: 'off',
    ...dbEnv,
    ...env,
  };
  const running = await startServer(fullEnv, createLogger(fullEnv.LOG_LEVEL));
  return running;
}
