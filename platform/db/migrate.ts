import { Umzug } from 'umzug';
import type { Sequelize } from 'sequelize';
import * as directory from './migrations/0001-directory.ts';
import * as platform from './migrations/0002-platform.ts';

/** What each migration receives: a function that runs SQL inside the migration's transaction. */
export type MigrationContext = { context: (sql: string) => Promise<unknown> };
type Migration = { up: (c: MigrationContext) => Promise<void>; down: (c: MigrationContext) => Promise<void> };

/** Versioned in code, applied in this order; a name is never reused. */
const MIGRATIONS: Array<[string, Migration]> = [
  ['0001-directory', directory],
  ['0002-platform', platform],
];

const LOCK_ID = 7_420_001; // advisory lock: two nodes starting at once migrate one after the other

/**
 * Applies pending migrations, each in its own transaction, under a PostgreSQL advisory lock so that
 * nodes started together never race. Returns the names applied.
 */
export async function migrate(sequelize: Sequelize): Promise<string[]> {
  await sequelize.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  return sequelize.transaction(async (tx) => {
    await sequelize.query('SELECT pg_advisory_xact_lock(:id)', { replacements: { id: LOCK_ID }, transaction: tx });
    const umzug = new Umzug<(sql: string) => Promise<unknown>>({
      migrations: MIGRATIONS.map(([name, m]) => ({
        name,
        up: ({ context }) => m.up({ context }),
        down: ({ context }) => m.down({ context }),
      })),
      // A function here is umzug's context factory: it returns the SQL runner handed to migrations.
      context: () => (sql: string) => sequelize.query(sql, { transaction: tx }),
      storage: {
        async executed() {
          const [rows] = await sequelize.query('SELECT name FROM schema_migrations ORDER BY name', { transaction: tx });
          return (rows as Array<{ name: string }>).map((r) => r.name);
        },
        async logMigration({ name }) {
          await sequelize.query('INSERT INTO schema_migrations (name) VALUES (:name)', {
            replacements: { name },
            transaction: tx,
          });
        },
        async unlogMigration({ name }) {
          await sequelize.query('DELETE FROM schema_migrations WHERE name = :name', {
            replacements: { name },
            transaction: tx,
          });
        },
      },
      logger: undefined,
    });
    const applied = await umzug.up();
    // The audit table is partitioned by month: keep this month's and the next two ready.
    await sequelize.query(
      `SELECT audit_ensure_partition((date_trunc('month', now()) + make_interval(months => m))::date)
       FROM generate_series(0, 2) AS m`,
      { transaction: tx },
    );
    return applied.map((m) => m.name);
  });
}
