import type { MigrationContext } from '../migration-context.ts';

/**
 * Shared state of a stateless cluster (SPEC §4): settings (generated keys), oidc-provider
 * artifacts, interaction step state and throttles; and the audit trail (R25), append-only and
 * hash-chained, partitioned by month.
 */
export async function up({ context: q }: MigrationContext): Promise<void> {
  await q(`
    CREATE TABLE settings (
      key text PRIMARY KEY,
      value jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE oidc_payloads (
      model text NOT NULL,
      id text NOT NULL,
      payload jsonb NOT NULL,
      grant_id text,
      uid text,
      user_code text,
      account_id text,
      expires_at timestamptz,
      consumed_at timestamptz,
      PRIMARY KEY (model, id)
    );
    CREATE INDEX oidc_payloads_grant_idx ON oidc_payloads (grant_id) WHERE grant_id IS NOT NULL;
    CREATE INDEX oidc_payloads_uid_idx ON oidc_payloads (uid) WHERE uid IS NOT NULL;
    CREATE INDEX oidc_payloads_user_code_idx ON oidc_payloads (user_code) WHERE user_code IS NOT NULL;
    CREATE INDEX oidc_payloads_account_idx ON oidc_payloads (account_id, model) WHERE account_id IS NOT NULL;
    CREATE INDEX oidc_payloads_expires_idx ON oidc_payloads (expires_at);

    CREATE TABLE interaction_state (
      uid text PRIMARY KEY,
      data jsonb NOT NULL,
      expires_at timestamptz NOT NULL
    );

    CREATE TABLE throttles (
      key text PRIMARY KEY,
      count integer NOT NULL,
      window_start timestamptz NOT NULL
    );

    CREATE TABLE audit_head (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      seq bigint NOT NULL,
      hash text NOT NULL
    );
    INSERT INTO audit_head (seq, hash) VALUES (0, repeat('0', 64));

    CREATE TABLE audit_events (
      seq bigint NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      at timestamptz NOT NULL,
      actor_account_id uuid,
      actor_kind text,
      actor_unit_id uuid,
      action text NOT NULL,
      target_type text,
      target_id text,
      unit_id uuid,
      unit_path uuid[] NOT NULL DEFAULT '{}',
      result text NOT NULL CHECK (result IN ('success', 'failure')),
      reason text,
      ip text,
      user_agent text,
      request_id text,
      details jsonb NOT NULL DEFAULT '{}',
      prev_hash text NOT NULL,
      hash text NOT NULL,
      PRIMARY KEY (at, seq)
    ) PARTITION BY RANGE (at);
    CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT;
    CREATE INDEX audit_events_seq_idx ON audit_events (seq);
    CREATE INDEX audit_events_unit_path_idx ON audit_events USING gin (unit_path);
    CREATE INDEX audit_events_actor_idx ON audit_events (actor_account_id, at);
    CREATE INDEX audit_events_action_idx ON audit_events (action, at);

    CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
    CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

    CREATE FUNCTION audit_ensure_partition(month date) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
      start_at date := date_trunc('month', month)::date;
      name text := 'audit_events_' || to_char(start_at, 'YYYY_MM');
    BEGIN
      IF to_regclass(name) IS NULL THEN
        EXECUTE format('CREATE TABLE %I (LIKE audit_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
        EXECUTE format('ALTER TABLE audit_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
          name, start_at, (start_at + interval '1 month')::date);
      END IF;
    END $$;
  `);
}

export async function down({ context: q }: MigrationContext): Promise<void> {
  await q(`DROP TABLE audit_events, audit_head, throttles, interaction_state, oidc_payloads, settings;
    DROP FUNCTION audit_events_append_only(); DROP FUNCTION audit_ensure_partition(date);`);
}
