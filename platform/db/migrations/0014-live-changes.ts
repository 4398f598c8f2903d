import type { MigrationContext } from '../migration-context.ts';

/** The channel every node LISTENs on (platform/db/change-feed.ts). */
export const LIVE_CHANNEL = 'tongmen_live';

/**
 * Issue 11 (introspection from an in-process view): every change that can end a token's life is
 * announced on `tongmen_live` at commit, whatever code path or manual SQL made it — an account's
 * status or unit (offboarding, disabling, migration R11/R12), a unit's status, any change to a
 * client (disabled, re-keyed, registered), a grant deleted (logout, revocation, offboarding, code
 * replay). Triggers rather than calls in the services, so no path can forget it. The payload is
 * `<kind>:<id>`; a node that misses one (its listening connection lost) drops its whole view.
 */
export async function up({ context: q }: MigrationContext): Promise<void> {
  await q(`
    CREATE FUNCTION tongmen_live_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_TABLE_NAME = 'accounts' THEN
        PERFORM pg_notify('${LIVE_CHANNEL}', 'account:' || OLD.id);
      ELSIF TG_TABLE_NAME = 'units' THEN
        PERFORM pg_notify('${LIVE_CHANNEL}', 'unit:' || OLD.id);
      ELSIF TG_TABLE_NAME = 'clients' THEN
        PERFORM pg_notify('${LIVE_CHANNEL}', 'client:' || CASE WHEN TG_OP = 'INSERT' THEN NEW.client_id ELSE OLD.client_id END);
      ELSIF TG_TABLE_NAME = 'oidc_payloads' THEN
        PERFORM pg_notify('${LIVE_CHANNEL}', 'grant:' || OLD.id);
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER accounts_live_update AFTER UPDATE ON accounts FOR EACH ROW
      WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.unit_id IS DISTINCT FROM NEW.unit_id)
      EXECUTE FUNCTION tongmen_live_notify();
    CREATE TRIGGER accounts_live_delete AFTER DELETE ON accounts FOR EACH ROW EXECUTE FUNCTION tongmen_live_notify();
    CREATE TRIGGER units_live_update AFTER UPDATE ON units FOR EACH ROW
      WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION tongmen_live_notify();
    CREATE TRIGGER units_live_delete AFTER DELETE ON units FOR EACH ROW EXECUTE FUNCTION tongmen_live_notify();
    CREATE TRIGGER clients_live AFTER INSERT OR UPDATE OR DELETE ON clients FOR EACH ROW EXECUTE FUNCTION tongmen_live_notify();
    CREATE TRIGGER grants_live_delete AFTER DELETE ON oidc_payloads FOR EACH ROW
      WHEN (OLD.model = 'Grant') EXECUTE FUNCTION tongmen_live_notify();
  `);
}

export async function down({ context: q }: MigrationContext): Promise<void> {
  await q(`
    DROP TRIGGER grants_live_delete ON oidc_payloads; DROP TRIGGER clients_live ON clients;
    DROP TRIGGER units_live_delete ON units; DROP TRIGGER units_live_update ON units;
    DROP TRIGGER accounts_live_delete ON accounts; DROP TRIGGER accounts_live_update ON accounts;
    DROP FUNCTION tongmen_live_notify();
  `);
}
