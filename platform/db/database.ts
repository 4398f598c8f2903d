import pg from 'pg';
import { Sequelize, type Transaction } from 'sequelize';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { migrate } from './migrate.ts';
import { APP_ROLE } from './migrations/0003-audit-integrity.ts';

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
 * loopback port — and applies pending migrations as the schema owner (DATABASE_OWNER_URL, else the
 * same URL). Every connection of the returned pool then runs `SET ROLE tongmen_app` (R25): whatever
 * the login role, the server's SQL may not update, delete or truncate audit events nor move the
 * chain head. With a single owner URL this guards against the application's own mistakes; the
 * separate form (a LOGIN role that is only a member of tongmen_app, the owner's URL kept away from
 * the servers: `npm run migrate`) also against a compromised node.
 */
export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  // PGlite is loaded only for the embedded database: a node on PostgreSQL never needs its megabytes (issue 11).
  const embedded = config.database.kind === 'embedded' ? await (await import('./embedded.ts')).startEmbeddedDatabase(config.database.dataDir) : null;
  const url = config.database.kind === 'external' ? config.database.url : embedded!.url;
  const ownerUrl = (config.database.kind === 'external' && config.database.ownerUrl) || url;
  const connect = (target: string, max: number) =>
    new Sequelize(target, {
      dialect: 'postgres',
      dialectModule: pg,
      logging: false,
      pool: { max, min: 0, idle: 10_000, acquire: 30_000 },
      define: { underscored: true, timestamps: false },
    });
  // PGlite executes one statement at a time; a small pool keeps its queue short.
  const sequelize = connect(url, config.dbPoolMax ?? (embedded ? 4 : 10));
  // One round trip per new connection: the server role (R25), and no parallel plans (issue 11).
  // Tongmen's statements are short lookups by index; when PostgreSQL misjudges a row count it starts
  // parallel workers, and starting them cost more than the whole query — a role's members in a unit
  // of the seeded province took 26 ms with a worker, 0.8 ms without.
  sequelize.addHook('afterConnect', async (connection) => {
    await (connection as pg.Client).query(`SET ROLE ${APP_ROLE}; SET max_parallel_workers_per_gather = 0`);
  });
  try {
    const owner = connect(ownerUrl, 1);
    try {
      const applied = await migrate(owner);
      if (applied.length) logger.info({ applied }, 'database migrations applied');
    } finally {
      await owner.close();
    }
    await sequelize.authenticate();
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
