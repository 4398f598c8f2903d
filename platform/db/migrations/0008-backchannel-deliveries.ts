import type { MigrationContext } from '../migration-context.ts';

/**
 * R24 — back-channel logout deliveries waiting for a retry: the durable queue every node works
 * (claimed with FOR UPDATE SKIP LOCKED and a lease, so one delivery is sent by one node at a time).
 * A row holds what the logout token is made of (client, subject, session id), never the token:
 * each try signs a fresh one. Delivered rows are deleted; a final failure is deleted with an audit event.
 */
export async function up({ context: q }: MigrationContext): Promise<void> {
  await q(`
    CREATE TABLE backchannel_deliveries (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      client_id text NOT NULL,
      account_id text NOT NULL,
      sid text,
      attempts int NOT NULL DEFAULT 0,
      next_attempt_at timestamptz(3) NOT NULL,
      lease_until timestamptz(3),
      last_error text,
      created_at timestamptz(3) NOT NULL DEFAULT clock_timestamp()
    );
    CREATE INDEX backchannel_deliveries_due_idx ON backchannel_deliveries (next_attempt_at);
  `);
}

export async function down({ context: q }: MigrationContext): Promise<void> {
  await q(`DROP TABLE backchannel_deliveries`);
}
