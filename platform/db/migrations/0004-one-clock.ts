import type { MigrationContext } from '../migration-context.ts';

/** Tables whose rows are listed page by page over `(created_at, id)`, and the other rows they stamp with. */
const STAMPED = ['units', 'persons', 'accounts', 'roles', 'affiliation_requests', 'migration_requests', 'role_change_requests', 'clients'];

/**
 * Issue 6 item 1 — one clock for row stamps: the database's. Rows used to get `created_at` from the
 * server's clock (Sequelize, milliseconds) or from SQL `now()` (microseconds, the transaction's start)
 * depending on the code path, and a page cursor — which holds milliseconds — repeated or skipped rows
 * stamped in microseconds. Now every stamp is the database's `clock_timestamp()` (the moment of the
 * insert, so rows written in one transaction keep their order), stored in milliseconds: exactly what
 * a cursor holds.
 */
export async function up({ context: q }: MigrationContext): Promise<void> {
  for (const table of STAMPED) {
    await q(`ALTER TABLE ${table}
      ALTER COLUMN created_at TYPE timestamptz(3), ALTER COLUMN created_at SET DEFAULT clock_timestamp()`);
  }
}

export async function down({ context: q }: MigrationContext): Promise<void> {
  for (const table of STAMPED) {
    await q(`ALTER TABLE ${table} ALTER COLUMN created_at TYPE timestamptz, ALTER COLUMN created_at SET DEFAULT now()`);
  }
}
