import { loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { createLogger } from '../platform/logger.ts';

/**
 * `npm run migrate`: applies pending migrations as the schema owner (DATABASE_OWNER_URL, else
 * DATABASE_URL) and renews the server role's rights, so that the servers themselves may run with
 * the restricted role's login only (R25, README "Database roles").
 */
const config = loadConfig();
const logger = createLogger(config.logLevel);
try {
  const db = await openDatabase(config, logger);
  await db.close();
  logger.info('database schema is current');
} catch (err) {
  process.stderr.write(`migration failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
