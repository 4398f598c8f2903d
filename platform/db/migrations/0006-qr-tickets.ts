import type { MigrationContext } from '../migration-context.ts';

/**
 * R22 — QR sign-in with the electronic social security card. All state lives here, so a ticket shown
 * by one node is confirmed on a second and completed on a third.
 *
 * `qr_tickets`: one row per QR code. `binding` is opaque to the database (the sign-in layer derives
 * it from the browser's interaction); at most one live ticket per binding (a refresh supersedes the
 * old one). `expires_at` is set by the server (its clock also checks the card app's `issuedAt`).
 * `essc_assertions`: the SHA-256 of every assertion the card app posted, so a replayed one is refused
 * on every node; rows are kept well past the assertion's freshness window, then purged.
 */
export async function up({ context: q }: MigrationContext): Promise<void> {
  await q(`
    CREATE TABLE qr_tickets (
      id text PRIMARY KEY,
      binding text NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'consumed', 'superseded')),
      expires_at timestamptz NOT NULL,
      person_id uuid REFERENCES persons(id),
      account_ids uuid[],
      confirmed_at timestamptz,
      consumed_at timestamptz,
      created_at timestamptz(3) NOT NULL DEFAULT clock_timestamp()
    );
    CREATE INDEX qr_tickets_binding ON qr_tickets (binding, created_at DESC);
    CREATE INDEX qr_tickets_expires ON qr_tickets (expires_at);

    CREATE TABLE essc_assertions (
      assertion_id text PRIMARY KEY,
      ticket_id text NOT NULL,
      seen_at timestamptz NOT NULL DEFAULT clock_timestamp()
    );
    CREATE INDEX essc_assertions_seen ON essc_assertions (seen_at);
  `);
}

export async function down({ context: q }: MigrationContext): Promise<void> {
  await q('DROP TABLE essc_assertions; DROP TABLE qr_tickets;');
}
