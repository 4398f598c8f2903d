import pg from 'pg';
import { Sequelize, type Transaction } from 'sequelize';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { startEmbeddedDatabase } from './embedded.ts';
import { migrate } from './migrate.ts';

export type { Transaction };

// bigint columns (audit seq, counts) come back as JS numbers; they stay far below 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

export interface Database {
  sequelize: Sequelize;
  kind: 'external' | 'embedded';
  /** Runs `work` in one transaction; every query of the unit of work must pass `tx` on. */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Connects to PostgreSQL — the server named by DATABASE_URL, or the embedded PGlite served on a
 * loopback port — and applies pending migrations.
 */
export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  const embedded = config.database.kind === 'embedded' ? await startEmbeddedDatabase(config.database.dataDir) : null;
  const url = config.database.kind === 'external' ? config.database.url : embedded!.url;
  const sequelize = new Sequelize(url, {
    dialect: 'postgres',
    dialectModule: pg,
    logging: false,
    // PGlite executes one statement at a time; a small pool keeps its queue short.
    pool: { max: config.dbPoolMax ?? (embedded ? 4 : 10), min: 0, idle: 10_000, acquire: 30_000 },
    define: { underscored: true, timestamps: false },
  });
  try {
    await sequelize.authenticate();
    const applied = await migrate(sequelize);
    if (applied.length) logger.info({ applied }, 'database migrations applied');
  } catch (err) {
    await sequelize.close().catch(() => {});
    await embedded?.stop().catch(() => {});
    throw err;
  }
  return {
    sequelize,
    kind: embedded ? 'embedded' : 'external',
    transaction: (work) => sequelize.transaction((tx) => work(tx)),
    async close() {
      await sequelize.close();
      await embedded?.stop();
    },
  };
}
