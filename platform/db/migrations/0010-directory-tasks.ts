import type { MigrationContext } from '../migration-context.ts';

/**
 * Issue 8 (R2, R3) — a temporary (derived) code replaced by the unit's own USCC stays known: the old
 * code was the unit account's sign-in name, and a sign-in with it is told the new one. A retired code
 * is never given to another unit (derived codes are 20 characters, USCCs 18, and serials only grow).
 * Also the employer's category. (An account's history reads the index by target of migration 0009.)
 */
export async function up({ context: q }: MigrationContext): Promise<void> {
  await q(`
    CREATE TABLE retired_unit_codes (
      code text PRIMARY KEY,
      unit_id uuid NOT NULL REFERENCES units(id),
      retired_at timestamptz(3) NOT NULL DEFAULT clock_timestamp()
    );
    CREATE INDEX retired_unit_codes_unit_idx ON retired_unit_codes (unit_id);
    -- Issue 8: employers are public institutions (the personnel subsystem serves them), enterprises or
    -- social organisations; recorded for new employers (the API requires it), editable, in tokens.
    ALTER TABLE units ADD COLUMN category text
      CHECK (category IN ('institution', 'enterprise', 'social-organization')),
      ADD CONSTRAINT units_category_employer_only CHECK (category IS NULL OR kind = 'employer');
  `);
}

export async function down({ context: q }: MigrationContext): Promise<void> {
  await q('DROP TABLE retired_unit_codes; ALTER TABLE units DROP COLUMN category');
}
