import type { MigrationContext } from '../migration-context.ts';

/**
 * R23 — second-factor enrolments hang off the person (SPEC data model): one TOTP enrolment per
 * person, whichever account they sign in as. The secret is sealed with the PII cipher (never plain,
 * R25); recovery codes are keyed hashes; `totp_last_step` is the time step of the last accepted
 * code, so a code is never accepted twice (replay), on any node.
 */
export async function up({ context: q }: MigrationContext): Promise<void> {
  await q(`CREATE TABLE second_factors (
    person_id uuid PRIMARY KEY REFERENCES persons(id) ON DELETE CASCADE,
    totp_secret_enc text NOT NULL,
    totp_last_step bigint,
    recovery_code_hashes text[] NOT NULL DEFAULT '{}',
    enrolled_at timestamptz(3) NOT NULL DEFAULT clock_timestamp()
  )`);
}

export async function down({ context: q }: MigrationContext): Promise<void> {
  await q('DROP TABLE second_factors');
}
