import type { MigrationContext } from '../migration-context.ts';

/**
 * Issue 8 — legacy-import jobs started through the admin API. The state lives here so that any node
 * answers `GET /imports/{id}`; the node running a job moves `heartbeat_at` while it works, and a
 * running job whose heartbeat stopped (its node died) is marked failed by the next node to start
 * or to read it. `report` holds the per-row report (sheet, line, outcome, code, reason; ID numbers masked).
 */
export async function up({ context: q }: MigrationContext): Promise<void> {
  await q(`
    CREATE TABLE import_jobs (
      id uuid PRIMARY KEY,
      status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
      dry_run boolean NOT NULL,
      actor_account_id uuid NOT NULL,
      files text[] NOT NULL DEFAULT '{}',
      progress jsonb NOT NULL DEFAULT '{}',
      counts jsonb,
      report jsonb,
      error jsonb,
      heartbeat_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
      created_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
      finished_at timestamptz(3)
    );
    CREATE INDEX import_jobs_running_idx ON import_jobs (heartbeat_at) WHERE status = 'running';
  `);
}

export async function down({ context: q }: MigrationContext): Promise<void> {
  await q(`DROP TABLE import_jobs`);
}
