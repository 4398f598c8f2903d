import type { MigrationContext } from '../migration-context.ts';

/**
 * Issue 7 (the person's own page) — each account's last sign-in: when and by which method
 * (`password`, `sms`, `essc`), written by the sign-in's last step. The person sees it on their own
 * page; the directory's clean-up lists (never signed in, dormant) read it later. The audit trail
 * gets an index by target, so a person's own recent sign-ins (and an account's history, issue 8) are
 * found without scanning it.
 */
export async function up({ context: q }: MigrationContext): Promise<void> {
  await q(`
    ALTER TABLE accounts
      ADD COLUMN last_sign_in_at timestamptz(3),
      ADD COLUMN last_sign_in_method text CHECK (last_sign_in_method ~ '^[a-z][a-z0-9-]{0,31}$'),
      ADD CONSTRAINT accounts_last_sign_in_both CHECK ((last_sign_in_at IS NULL) = (last_sign_in_method IS NULL));
    CREATE INDEX audit_events_target_idx ON audit_events (target_id, seq) WHERE target_id IS NOT NULL;
  `);
}

export async function down({ context: q }: MigrationContext): Promise<void> {
  await q(`
    DROP INDEX audit_events_target_idx;
    ALTER TABLE accounts DROP CONSTRAINT accounts_last_sign_in_both, DROP COLUMN last_sign_in_method, DROP COLUMN last_sign_in_at;
  `);
}
