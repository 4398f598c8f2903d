import type { MigrationContext } from '../migration-context.ts';

/** The restricted role the server's SQL runs as (R25); its grants are renewed by every migrate(). */
export const APP_ROLE = 'tongmen_app';

/**
 * Audit trail integrity (R25, issue 5 items 2 and 3).
 *
 * - `tongmen_app`: the role the server runs as. It may read and insert audit events but never
 *   update, delete or truncate them, and it cannot touch `audit_head` except by appending an event
 *   that extends the chain (the head row is moved by a SECURITY DEFINER trigger owned by the owner).
 * - TRUNCATE is refused on every partition, not only on the parent (statement triggers are not
 *   inherited by partitions).
 * - Partitions are created twelve months ahead, and rows that reached the default partition are
 *   moved to their monthly partitions, by `audit_maintain_partitions()` — run at every migrate() and
 *   hourly by the server as `tongmen_app` (SECURITY DEFINER: the app may create partitions, not DDL).
 */
export async function up({ context: q }: MigrationContext): Promise<void> {
  await q(`
    -- Roles are cluster-wide: many databases of one cluster may migrate at once (test runs, several
    -- deployments), so a concurrent creation is not an error. Creating it needs CREATEROLE; where the
    -- owner lacks it, a DBA creates the role first (README).
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
        CREATE ROLE ${APP_ROLE} NOLOGIN;
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$;

    -- Single-URL form: the owner's own connections switch to ${APP_ROLE}, which needs membership
    -- unless the owner is a superuser. Where the owner may not grant it, the separate form is in use.
    DO $$
    BEGIN
      IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
         AND NOT pg_has_role(current_user, '${APP_ROLE}', 'MEMBER') THEN
        EXECUTE format('GRANT ${APP_ROLE} TO %I', current_user);
      END IF;
    EXCEPTION WHEN insufficient_privilege OR duplicate_object OR unique_violation THEN NULL;
    END $$;

    -- The chain head, locked for the rest of the caller's transaction: one chain order on every node.
    -- SELECT … FOR UPDATE needs UPDATE rights, which the app must not have on audit_head.
    CREATE FUNCTION audit_chain_head(OUT seq bigint, OUT hash text) LANGUAGE sql SECURITY DEFINER AS $$
      SELECT h.seq, h.hash FROM audit_head h FOR UPDATE
    $$;

    -- Every insert must extend the chain exactly; the head follows the inserted event. Nobody but
    -- the owner can move the head any other way.
    CREATE FUNCTION audit_events_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
    DECLARE
      head_seq bigint;
      head_hash text;
    BEGIN
      SELECT h.seq, h.hash INTO head_seq, head_hash FROM audit_head h FOR UPDATE;
      IF NEW.seq IS DISTINCT FROM head_seq + 1 OR NEW.prev_hash IS DISTINCT FROM head_hash THEN
        RAISE EXCEPTION 'audit event % does not extend the chain (head is %)', NEW.seq, head_seq
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash;
      RETURN NEW;
    END $$;
    CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_chain();

    CREATE OR REPLACE FUNCTION audit_ensure_partition(month date) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
      start_at date := date_trunc('month', month)::date;
      name text := 'audit_events_' || to_char(start_at, 'YYYY_MM');
    BEGIN
      IF to_regclass(name) IS NULL THEN
        EXECUTE format('CREATE TABLE %I (LIKE audit_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
        EXECUTE format('ALTER TABLE audit_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
          name, start_at, (start_at + interval '1 month')::date);
        EXECUTE format('CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON %I
          FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()', name);
      END IF;
    END $$;

    -- Rows in the default partition (the server outran its partitions) block the creation of their
    -- month's partition. They are moved in this one transaction: the default is detached, each month's
    -- rows are copied unchanged into a new table that is then attached as that month's partition, and
    -- a fresh default replaces the old. No row passes through UPDATE or DELETE, and the chain
    -- trigger never sees them (the copies are made before the tables are attached).
    CREATE FUNCTION audit_maintain_partitions() RETURNS integer LANGUAGE plpgsql SECURITY DEFINER AS $$
    DECLARE
      m date;
      name text;
      moved integer := 0;
      placed integer;
    BEGIN
      PERFORM pg_advisory_xact_lock(7420002);
      IF EXISTS (SELECT 1 FROM audit_events_default) THEN
        ALTER TABLE audit_events DETACH PARTITION audit_events_default;
        ALTER TABLE audit_events_default RENAME TO audit_events_default_moving;
        FOR m IN SELECT DISTINCT date_trunc('month', at)::date FROM audit_events_default_moving ORDER BY 1 LOOP
          name := 'audit_events_' || to_char(m, 'YYYY_MM');
          EXECUTE format('CREATE TABLE %I (LIKE audit_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
          EXECUTE format('INSERT INTO %I SELECT * FROM audit_events_default_moving WHERE at >= %L AND at < %L',
            name, m, (m + interval '1 month')::date);
          EXECUTE format('ALTER TABLE audit_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
            name, m, (m + interval '1 month')::date);
          EXECUTE format('CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON %I
            FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()', name);
        END LOOP;
        SELECT count(*) INTO moved FROM audit_events_default_moving;
        SELECT count(*) INTO placed FROM audit_events e JOIN audit_events_default_moving d USING (at, seq);
        IF placed <> moved THEN
          RAISE EXCEPTION 'audit partition maintenance placed % of % rows', placed, moved;
        END IF;
        DROP TABLE audit_events_default_moving;
        CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT;
        CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events_default
          FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
      END IF;
      PERFORM audit_ensure_partition((date_trunc('month', now()) + make_interval(months => i))::date)
        FROM generate_series(0, 12) AS i;
      RETURN moved;
    END $$;

    -- Month boundaries must not depend on the calling session's time zone.
    ALTER FUNCTION audit_ensure_partition(date) SET TimeZone = 'UTC';
    ALTER FUNCTION audit_maintain_partitions() SET TimeZone = 'UTC';

    DO $$
    DECLARE
      part regclass;
      fn text;
    BEGIN
      -- Partitions made by earlier versions (default included) get their TRUNCATE refusal.
      FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'audit_events'::regclass LOOP
        EXECUTE format('CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON %s
          FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()', part);
      END LOOP;
      -- SECURITY DEFINER functions resolve names in this schema (pg_catalog is searched first
      -- implicitly), never in a caller's temporary schema; the schema first so that it receives the
      -- tables the functions create.
      FOREACH fn IN ARRAY ARRAY['audit_chain_head()', 'audit_events_chain()', 'audit_maintain_partitions()',
                                'audit_ensure_partition(date)'] LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', fn, current_schema());
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', fn);
      END LOOP;
    END $$;
    GRANT EXECUTE ON FUNCTION audit_chain_head(), audit_maintain_partitions() TO ${APP_ROLE};
  `);
}

export async function down({ context: q }: MigrationContext): Promise<void> {
  await q(`
    DROP TRIGGER audit_events_chain ON audit_events;
    DROP FUNCTION audit_events_chain(), audit_chain_head(), audit_maintain_partitions();
  `);
}
