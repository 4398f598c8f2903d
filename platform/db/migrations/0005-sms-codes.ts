import type { MigrationContext } from '../migration-context.ts';

/**
 * R21 — SMS one-time codes and their send limits, shared by every node (SPEC §4).
 *
 * `sms_send_limits`: one row per phone (its keyed hash, R25), whatever the purpose — the person's
 * phone gets at most 1 message per 60 s and 10 per day, counted by one conditional upsert.
 * `sms_codes`: the live code per phone and purpose (a new one replaces the old), stored as an HMAC
 * under the PII key with a per-row salt, never in clear; `tries` counts verification attempts
 * (at most 5), `consumed_at` makes it single use.
 */
export async function up({ context: q }: MigrationContext): Promise<void> {
  await q(`
    CREATE TABLE sms_send_limits (
      phone_hash text PRIMARY KEY,
      last_sent_at timestamptz NOT NULL,
      day_start timestamptz NOT NULL,
      day_count integer NOT NULL CHECK (day_count >= 0)
    );

    CREATE TABLE sms_codes (
      phone_hash text NOT NULL,
      purpose text NOT NULL CHECK (purpose IN ('sign-in', 'second-factor', 'phone-change')),
      salt text NOT NULL,
      code_hash text NOT NULL,
      person_id uuid REFERENCES persons (id) ON DELETE CASCADE,
      sent_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      tries integer NOT NULL DEFAULT 0 CHECK (tries >= 0),
      consumed_at timestamptz,
      PRIMARY KEY (phone_hash, purpose)
    );
    CREATE INDEX sms_codes_expires_idx ON sms_codes (expires_at);
  `);
}

export async function down({ context: q }: MigrationContext): Promise<void> {
  await q(`DROP TABLE sms_codes; DROP TABLE sms_send_limits;`);
}
