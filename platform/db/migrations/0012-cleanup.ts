import type { MigrationContext } from '../migration-context.ts';

/**
 * Issue 8 (大量无效角色: roles whose modules no member ever used) — per account and subsystem, the last
 * time the provider issued an access token for that subsystem's resource (the admin API's tokens
 * count for `org`, the directory's own pseudo-subsystem). Written by one conditional upsert at
 * token issuance, at most once an hour per account and subsystem, so it stays off the hot path;
 * the clean-up lists read it. Also an index for the dormant-account lists (last sign-in, migration 0009).
 */
export async function up({ context: q }: MigrationContext): Promise<void> {
  await q(`
    CREATE TABLE subsystem_usage (
      account_id uuid NOT NULL REFERENCES accounts(id),
      subsystem text NOT NULL CHECK (subsystem IN ('personnel', 'title', 'talent', 'allocation', 'org')),
      last_used_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY (account_id, subsystem)
    );
    CREATE INDEX accounts_unit_last_sign_in_idx ON accounts (unit_id, last_sign_in_at) WHERE status = 'active';
  `);
}

export async function down({ context: q }: MigrationContext): Promise<void> {
  await q('DROP INDEX accounts_unit_last_sign_in_idx; DROP TABLE subsystem_usage');
}
