import type { MigrationContext } from '../migration-context.ts';

/**
 * The directory (SPEC §2): units, persons, credentials, accounts, roles, affiliation and role-change
 * requests, clients. Invariants that must hold under concurrency live here as constraints, not only
 * in code: unique codes (R3), one active administrator per non-hrss unit (R6), one unit account per
 * unit, one pending affiliation request per unit (R13).
 */
export async function up({ context: q }: MigrationContext): Promise<void> {
  await q(`
    CREATE TABLE units (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      kind text NOT NULL CHECK (kind IN ('hrss', 'competent', 'employer')),
      level text CHECK (level IN ('province', 'city', 'county')),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      uscc text NOT NULL UNIQUE,
      derived boolean NOT NULL DEFAULT false,
      uscc_override boolean NOT NULL DEFAULT false,
      next_derived_serial integer NOT NULL DEFAULT 1,
      admin_division char(6),
      responsibilities text NOT NULL DEFAULT '',
      created_by_unit_id uuid REFERENCES units(id),
      parent_unit_id uuid REFERENCES units(id),
      affiliation text NOT NULL DEFAULT 'unconfirmed' CHECK (affiliation IN ('unconfirmed', 'confirmed')),
      path uuid[] NOT NULL,
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((kind = 'hrss') = (level IS NOT NULL)),
      CHECK ((affiliation = 'confirmed') = (parent_unit_id IS NOT NULL OR created_by_unit_id IS NULL))
    );
    CREATE INDEX units_parent_idx ON units (parent_unit_id);
    CREATE INDEX units_created_by_idx ON units (created_by_unit_id) WHERE affiliation = 'unconfirmed';
    CREATE INDEX units_path_idx ON units USING gin (path);
    CREATE INDEX units_name_idx ON units (name text_pattern_ops);

    CREATE TABLE persons (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      id_number_enc text NOT NULL,
      id_number_hash text NOT NULL UNIQUE,
      id_number_masked text NOT NULL,
      phone_enc text NOT NULL,
      phone_hash text NOT NULL UNIQUE,
      phone_masked text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE accounts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      kind text NOT NULL CHECK (kind IN ('unit', 'admin', 'operator')),
      unit_id uuid NOT NULL REFERENCES units(id),
      unit_kind text NOT NULL CHECK (unit_kind IN ('hrss', 'competent', 'employer')),
      person_id uuid REFERENCES persons(id),
      username text UNIQUE,
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'offboarded')),
      scope text[],
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      ended_at timestamptz,
      CHECK ((kind = 'unit') = (person_id IS NULL)),
      CHECK ((kind = 'unit') = (username IS NOT NULL))
    );
    CREATE UNIQUE INDEX accounts_one_unit_account ON accounts (unit_id) WHERE kind = 'unit';
    CREATE UNIQUE INDEX accounts_one_active_admin ON accounts (unit_id)
      WHERE kind = 'admin' AND status = 'active' AND unit_kind <> 'hrss';
    CREATE UNIQUE INDEX accounts_one_active_per_person_unit ON accounts (person_id, unit_id, kind)
      WHERE status = 'active';
    CREATE INDEX accounts_unit_idx ON accounts (unit_id, kind, status);
    CREATE INDEX accounts_person_idx ON accounts (person_id);

    CREATE TABLE credentials (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      person_id uuid UNIQUE REFERENCES persons(id),
      account_id uuid UNIQUE REFERENCES accounts(id),
      hash text NOT NULL,
      failed_count integer NOT NULL DEFAULT 0 CHECK (failed_count >= 0),
      locked_at timestamptz,
      must_change boolean NOT NULL DEFAULT true,
      changed_at timestamptz NOT NULL DEFAULT now(),
      history text[] NOT NULL DEFAULT '{}',
      CHECK ((person_id IS NULL) <> (account_id IS NULL))
    );

    CREATE TABLE roles (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      code text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9-]*(\\.[a-z0-9-]+)+$'),
      name text NOT NULL,
      subsystem text NOT NULL CHECK (subsystem IN ('personnel', 'title', 'talent', 'allocation', 'org')),
      modules text[] NOT NULL,
      owner_unit_id uuid REFERENCES units(id),
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX roles_subsystem_idx ON roles (subsystem);

    CREATE TABLE account_roles (
      account_id uuid NOT NULL REFERENCES accounts(id),
      role_id uuid NOT NULL REFERENCES roles(id),
      granted_by uuid REFERENCES accounts(id),
      granted_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (account_id, role_id)
    );
    CREATE INDEX account_roles_role_idx ON account_roles (role_id);

    CREATE TABLE affiliation_requests (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      unit_id uuid NOT NULL REFERENCES units(id),
      target_unit_id uuid NOT NULL REFERENCES units(id),
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
      requested_by uuid NOT NULL REFERENCES accounts(id),
      decided_by uuid REFERENCES accounts(id),
      reason text,
      created_at timestamptz NOT NULL DEFAULT now(),
      decided_at timestamptz,
      CHECK (unit_id <> target_unit_id)
    );
    CREATE UNIQUE INDEX affiliation_one_pending ON affiliation_requests (unit_id) WHERE status = 'pending';
    CREATE INDEX affiliation_target_idx ON affiliation_requests (target_unit_id, status);

    CREATE TABLE migration_requests (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      account_id uuid NOT NULL REFERENCES accounts(id),
      from_unit_id uuid NOT NULL REFERENCES units(id),
      to_unit_id uuid NOT NULL REFERENCES units(id),
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
      requested_by uuid NOT NULL REFERENCES accounts(id),
      decided_by uuid REFERENCES accounts(id),
      reason text,
      created_at timestamptz NOT NULL DEFAULT now(),
      decided_at timestamptz,
      CHECK (from_unit_id <> to_unit_id)
    );
    CREATE UNIQUE INDEX migration_one_pending ON migration_requests (account_id) WHERE status = 'pending';
    CREATE INDEX migration_to_unit_idx ON migration_requests (to_unit_id, status);

    CREATE TABLE role_change_requests (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      from_unit_id uuid NOT NULL REFERENCES units(id),
      role_id uuid REFERENCES roles(id),
      proposal jsonb NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected', 'answered')),
      current_reviewer_unit_id uuid REFERENCES units(id),
      history jsonb NOT NULL DEFAULT '[]',
      created_by uuid NOT NULL REFERENCES accounts(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX role_change_reviewer_idx ON role_change_requests (current_reviewer_unit_id, status);

    CREATE TABLE clients (
      client_id text PRIMARY KEY,
      name text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('first-party', 'partner')),
      owner_unit_id uuid REFERENCES units(id),
      secret_enc text,
      grant_types text[] NOT NULL,
      redirect_uris text[] NOT NULL DEFAULT '{}',
      post_logout_redirect_uris text[] NOT NULL DEFAULT '{}',
      backchannel_logout_uri text,
      resources text[] NOT NULL DEFAULT '{}',
      can_introspect boolean NOT NULL DEFAULT false,
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
  `);
}

export async function down({ context: q }: MigrationContext): Promise<void> {
  await q(`DROP TABLE clients, role_change_requests, migration_requests, affiliation_requests, account_roles, roles,
    credentials, accounts, persons, units`);
}
