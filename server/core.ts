import type { Config } from '../platform/config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { createLogger, type Logger } from '../platform/logger.ts';
import { initModels } from '../directory/models/index.ts';
import { createDirectory, type Directory } from '../directory/index.ts';
import type { BaseContext } from './context.ts';
import { loadSecrets } from './secrets.ts';

/**
 * Opens the database (migrating it) and builds the base context and the directory services: all
 * that commands like bootstrap need, without the HTTP side.
 */
export async function openCore(config: Config, issuer: string, logger?: Logger): Promise<{ base: BaseContext; services: Directory }> {
  const log = logger ?? createLogger(config.logLevel);
  const db = await openDatabase(config, log);
  try {
    initModels(db.sequelize);
    const secrets = await loadSecrets(config, db.sequelize, log);
    const directory = createDirectory({ config, logger: log, db, pii: secrets.pii, esscPublicKey: secrets.essc.publicKeyPem });
    const base: BaseContext = {
      config,
      issuer: issuer.replace(/\/$/, ''),
      logger: log,
      db,
      pii: secrets.pii,
      cookieKeys: secrets.cookieKeys,
      audit: directory.audit,
      essc: secrets.essc,
    };
    return { base, services: directory };
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}
