import type { Sequelize, Transaction } from 'sequelize';
import * as directory from './migrations/0001-directory.ts';
import * as platform from './migrations/0002-platform.ts';
import * as auditIntegrity from './migrations/0003-audit-integrity.ts';
import * as oneClock from './migrations/0004-one-clock.ts';
import * as smsCodes from './migrations/0005-sms-codes.ts';
import * as qrTickets from './migrations/0006-qr-tickets.ts';
import * as secondFactors from './migrations/0007-second-factors.ts';
import * as backchannelDeliveries from './migrations/0008-backchannel-deliveries.ts';
import * as lastSignIn from './migrations/0009-last-sign-in.ts';
import * as directoryTasks from './migrations/0010-directory-tasks.ts';
import * as importJobs from './migrations/0011-import-jobs.ts';
import * as cleanup from './migrations/0012-cleanup.ts';
import * as provinceScale from './migrations/0013-province-scale.ts';
import * as liveChanges from './migrations/0014-live-changes.ts';
import { APP_ROLE } from './migrations/0003-audit-integrity.ts';
import { AppError } from '../errors.ts';
import type { MigrationContext } from './migration-context.ts';

type Migration = { up: (c: MigrationContext) => Promise<void>; down: (c: MigrationContext) => Promise<void> };

/** Versioned in code, applied in this order; a name is never reused. */
const MIGRATIONS: Array<[string, Migration]> = [
  ['0001-directory', directory],
  ['0002-platform', platform],
  ['0003-audit-integrity', auditIntegrity],
  ['0004-one-clock', oneClock],
  ['0005-sms-codes', smsCodes],
  ['0006-qr-tickets', qrTickets],
  ['0007-second-factors', secondFactors],
  ['0008-backchannel-deliveries', backchannelDeliveries],
  ['0009-last-sign-in', lastSignIn],
  ['0010-directory-tasks', directoryTasks],
  ['0011-import-jobs', importJobs],
  ['0012-cleanup', cleanup],
  ['0013-province-scale', provinceScale],
  ['0014-live-changes', liveChanges],
];

const LOCK_ID = 7_420_001; // advisory lock: two nodes starting at once migrate one after the other

/**
 * What the server's role (`tongmen_app`) may do, renewed after every migration so that tables added
 * later are covered (R25): read and write the ordinary tables; only read and insert audit events
 * (never update, delete or truncate them), only read the chain head and the migration log, nothing
 * directly on the audit partitions (the parent is the way in).
 */
const GRANT_APP_ROLE = `DO $$
DECLARE
  r record;
BEGIN
  BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${APP_ROLE}', current_schema());
  EXCEPTION WHEN insufficient_privilege THEN NULL; -- a schema owned by someone else: its owner grants usage
  END;
  FOR r IN
    SELECT c.oid::regclass AS rel, c.relname, c.relkind,
           EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid AND i.inhparent = 'audit_events'::regclass) AS audit_part
    FROM pg_class c
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'S')
  LOOP
    IF r.relkind = 'S' THEN
      EXECUTE format('REVOKE ALL ON SEQUENCE %s FROM ${APP_ROLE}', r.rel);
      EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO ${APP_ROLE}', r.rel);
      CONTINUE;
    END IF;
    EXECUTE format('REVOKE ALL ON TABLE %s FROM ${APP_ROLE}', r.rel);
    IF r.relname = 'audit_events' THEN
      EXECUTE format('GRANT SELECT, INSERT ON TABLE %s TO ${APP_ROLE}', r.rel);
    ELSIF r.relname IN ('audit_head', 'schema_migrations') THEN
      EXECUTE format('GRANT SELECT ON TABLE %s TO ${APP_ROLE}', r.rel);
    ELSIF NOT r.audit_part THEN
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %s TO ${APP_ROLE}', r.rel);
    END IF;
  END LOOP;
END $$`;

/**
 * Applies pending migrations, all in one transaction (a failing migration leaves the schema as it
 * was, none half-applied), under a PostgreSQL advisory lock held by that transaction so that nodes
 * started together never race; then renews the server role's rights and keeps the audit partitions
 * ahead. Runs as the schema owner. Returns the names applied.
 */
export async function migrate(sequelize: Sequelize): Promise<string[]> {
  try {
    return await applyMigrations(sequelize);
  } catch (err) {
    if ((err as { parent?: { code?: string } }).parent?.code === '42501') throw migrationForbidden((err as Error).message);
    throw err;
  }
}

const migrationForbidden = (why: string) =>
  new AppError(
    500,
    'database.migration_forbidden',
    `The database role may not change the schema (${why}). Run the migrations as the schema owner: ` +
      'set DATABASE_OWNER_URL (DATABASE_URL stays the restricted server role), or run `npm run migrate` with it.',
  );

async function applyMigrations(sequelize: Sequelize): Promise<string[]> {
  return sequelize.transaction(async (tx) => {
    const run = <T>(sql: string) => sequelize.query(sql, { transaction: tx }).then(([rows]) => rows as T[]);
    // On the embedded database every connection shares one session, which the server's pool may
    // have switched to the restricted role already: the migration runs as the login (owner) role.
    await run('SET LOCAL ROLE NONE');
    await sequelize.query('SELECT pg_advisory_xact_lock(:id)', { replacements: { id: LOCK_ID }, transaction: tx });
    // A server that logs in as the restricted role (DATABASE_URL, no DATABASE_OWNER_URL) changes
    // nothing: it starts if the schema is current, and keeps the audit partitions ahead.
    const [ownership] = await run<{ owner: boolean }>(`SELECT coalesce(
      (SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = to_regclass('schema_migrations')),
      true) AS owner`);
    if (!ownership?.owner) {
      const done = new Set((await run<{ name: string }>('SELECT name FROM schema_migrations')).map((r) => r.name));
      const pending = MIGRATIONS.map(([name]) => name).filter((name) => !done.has(name));
      if (pending.length) throw migrationForbidden(`pending migrations: ${pending.join(', ')}`);
      await run('SELECT audit_maintain_partitions()');
      return [];
    }
    await run(
      `CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    // umzug (and the command-line parser its index loads) only when there is something to apply:
    // a node starting on a current schema never loads it (issue 11, memory).
    const done = new Set((await run<{ name: string }>('SELECT name FROM schema_migrations')).map((r) => r.name));
    const applied = MIGRATIONS.some(([name]) => !done.has(name)) ? await runUmzug(sequelize, tx) : [];
    await sequelize.query(GRANT_APP_ROLE, { transaction: tx });
    // The audit table is partitioned by month: twelve months ready ahead, the default partition empty.
    await sequelize.query('SELECT audit_maintain_partitions()', { transaction: tx });
    return applied;
  });
}

/** Applies the pending migrations in order, each logged in `schema_migrations`, within `tx`. */
async function runUmzug(sequelize: Sequelize, tx: Transaction): Promise<string[]> {
  const { Umzug } = await import('umzug');
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
  return (await umzug.up()).map((m) => m.name);
}

/**
 * The migrations this code knows that the database has not applied (readiness: a node whose schema
 * is behind must not take traffic). One small read of `schema_migrations`.
 */
export async function pendingMigrations(sequelize: Sequelize): Promise<string[]> {
  const [rows] = await sequelize.query('SELECT name FROM schema_migrations');
  const done = new Set((rows as Array<{ name: string }>).map((r) => r.name));
  return MIGRATIONS.map(([name]) => name).filter((name) => !done.has(name));
}
