import { startServer, type RunningServer } from '../../server/app.ts';
import { teeAuditEvents, testLogger } from './pii-tee.ts';
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
  const running = await startServer(fullEnv, testLogger(fullEnv.LOG_LEVEL));
  // Issue 12: the audit events of the file's database go into the run's personal-information scan.
  const close = running.close.bind(running);
  running.close = async (graceMs?: number) => {
    await teeAuditEvents(running.tongmen.base.db.sequelize);
    await close(graceMs);
  };
  return running;
}
