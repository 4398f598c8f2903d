import type { AdapterPayload } from 'oidc-provider';
import type { Sequelize, Transaction } from 'sequelize';
import { GroupWriter } from '../../platform/db/group-writer.ts';

/** One stored provider artifact as the adapter needs it: the payload and, when used, when (epoch seconds). */
export interface StoredPayload {
  payload: AdapterPayload;
  consumed: number | null;
}

/** The lookups oidc-provider makes, each on an indexed column copied out of the payload. */
export type PayloadKey = { id: string } | { uid: string } | { userCode: string };

const KEY_COLUMN = { id: 'id', uid: 'uid', userCode: 'user_code' } as const;

interface PendingUpsert {
  model: string;
  id: string;
  payload: AdapterPayload;
  expiresIn: number | undefined;
}

/**
 * The one owner of `oidc_payloads`: oidc-provider's artifacts (sessions, grants, codes, tokens),
 * the resource servers' DPoP replay marks, and what session ending, session sliding and the
 * periodic clean-up do to them. Rows are keyed by (model, id); expired rows are never returned.
 *
 * Named replacements (one simple-query message), never bind parameters: the embedded PGlite
 * server interleaves the messages of concurrent parameterized statements outside transactions.
 */
export class PayloadRepository {
  private readonly sequelize: Sequelize;

  constructor(deps: { sequelize: Sequelize }) {
    this.sequelize = deps.sequelize;
  }

  private async rows<T>(sql: string, replacements: Record<string, unknown>, transaction?: Transaction): Promise<T[]> {
    const [rows] = await this.sequelize.query(sql, { replacements, ...(transaction ? { transaction } : {}) });
    return rows as T[];
  }

  async find(model: string, key: PayloadKey): Promise<StoredPayload | undefined> {
    const [field, value] = Object.entries(key)[0] as [keyof typeof KEY_COLUMN, string];
    const [row] = await this.rows<StoredPayload>(
      `SELECT payload, extract(epoch FROM consumed_at)::bigint AS consumed FROM oidc_payloads
       WHERE model = :model AND ${KEY_COLUMN[field]} = :value AND (expires_at IS NULL OR expires_at > now()) LIMIT 1`,
      { model, value },
    );
    return row;
  }

  /**
   * Issue 11: a refresh token or an authorization code with the grant and the session it depends on,
   * in one round trip (oidc-provider reads the three one after the other on every refresh and code
   * exchange). Expired rows are left out.
   */
  async findWithGrantAndSession(model: 'RefreshToken' | 'AuthorizationCode', id: string): Promise<Array<StoredPayload & { model: string; key: string }>> {
    return this.rows<StoredPayload & { model: string; key: string }>(
      `WITH rt AS (SELECT payload, consumed_at FROM oidc_payloads
                   WHERE model = :model AND id = :id AND (expires_at IS NULL OR expires_at > now()))
       SELECT CAST(:model AS text) AS model, :id AS key, payload, extract(epoch FROM consumed_at)::bigint AS consumed FROM rt
       UNION ALL
       SELECT 'Grant', g.id, g.payload, extract(epoch FROM g.consumed_at)::bigint FROM oidc_payloads g JOIN rt
         ON g.model = 'Grant' AND g.id = rt.payload->>'grantId' WHERE g.expires_at IS NULL OR g.expires_at > now()
       UNION ALL
       SELECT 'Session', s.uid, s.payload, extract(epoch FROM s.consumed_at)::bigint FROM oidc_payloads s JOIN rt
         ON s.model = 'Session' AND s.uid = rt.payload->>'sessionUid' WHERE s.expires_at IS NULL OR s.expires_at > now()`,
      { model, id },
    );
  }

  /**
   * Lookup columns are copied out of the payload; no `expiresIn` means the row never expires.
   * Concurrent upserts (every token, code and session a busy node issues) are written together
   * (`GroupWriter`): one statement and one commit per batch; each caller returns once its row is
   * committed, so any node finds it next.
   */
  upsert(model: string, id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    return this.upserts.add({ model, id, payload, expiresIn });
  }

  private readonly upserts = new GroupWriter<PendingUpsert>(
    (rows) => this.upsertMany(rows),
    (row) => `${row.model}\u0000${row.id}`,
  );

  private async upsertMany(rows: PendingUpsert[]): Promise<void> {
    const values = rows.map(({ model, id, payload, expiresIn }) => [
      model,
      id,
      JSON.stringify(payload),
      payload.grantId ?? null,
      payload.uid ?? null,
      payload.userCode ?? null,
      payload.accountId ?? null,
      expiresIn ?? null, // NULL propagates to expires_at
    ]);
    await this.rows(
      `INSERT INTO oidc_payloads (model, id, payload, grant_id, uid, user_code, account_id, expires_at)
       SELECT v.model, v.id, CAST(v.payload AS jsonb), v.grant_id, v.uid, v.user_code, v.account_id,
         now() + make_interval(secs => CAST(CAST(v.expires_in AS text) AS int))
       FROM (VALUES :values) AS v (model, id, payload, grant_id, uid, user_code, account_id, expires_in)
       ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
         uid = EXCLUDED.uid, user_code = EXCLUDED.user_code, account_id = EXCLUDED.account_id,
         expires_at = EXCLUDED.expires_at`,
      { values },
    );
  }

  /** Marks an artifact used; true only for the one caller whose conditional UPDATE took it. */
  async markConsumed(model: string, id: string): Promise<boolean> {
    const won = await this.rows(
      `UPDATE oidc_payloads SET consumed_at = now() WHERE model = :model AND id = :id AND consumed_at IS NULL RETURNING id`,
      { model, id },
    );
    return won.length > 0;
  }

  /** Deletes the grant an artifact was issued under and everything issued under that grant. */
  async deleteGrantOf(model: string, id: string): Promise<void> {
    await this.rows(
      `WITH g AS (SELECT grant_id FROM oidc_payloads WHERE model = :model AND id = :id AND grant_id IS NOT NULL)
       DELETE FROM oidc_payloads
       WHERE grant_id IN (SELECT grant_id FROM g) OR (model = 'Grant' AND id IN (SELECT grant_id FROM g))`,
      { model, id },
    );
  }

  async delete(model: string, id: string): Promise<void> {
    await this.rows(`DELETE FROM oidc_payloads WHERE model = :model AND id = :id`, { model, id });
  }

  async deleteByGrant(model: string, grantId: string): Promise<void> {
    await this.rows(`DELETE FROM oidc_payloads WHERE model = :model AND grant_id = :grantId`, { model, grantId });
  }

  /** Deletes expired rows in batches (a large backlog never becomes one long lock); returns how many went. */
  async deleteExpired(batchSize = 1000): Promise<number> {
    let total = 0;
    for (;;) {
      const [row] = await this.rows<{ n: number }>(
        `WITH gone AS (DELETE FROM oidc_payloads WHERE ctid IN (
           SELECT ctid FROM oidc_payloads WHERE expires_at < now() LIMIT :batchSize) RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        { batchSize },
      );
      const deleted = row?.n ?? 0;
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }

  /**
   * Inserts a mark that lives `ttlSeconds`, or takes over one whose time has passed; false when a
   * live mark is already there. One INSERT decides, atomically across nodes.
   */
  async markOnce(model: string, id: string, ttlSeconds: number): Promise<boolean> {
    const rows = await this.rows(
      `INSERT INTO oidc_payloads (model, id, payload, expires_at)
       VALUES (:model, :id, '{}'::jsonb, now() + make_interval(secs => :ttl))
       ON CONFLICT (model, id) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE oidc_payloads.expires_at <= now()
       RETURNING id`,
      { model, id, ttl: ttlSeconds },
    );
    return rows.length === 1;
  }

  /**
   * Moves a live session's expiry to `idleSeconds` after `now`, capped at `maxSeconds` after its sign-in
   * (`loginTs`), and never earlier than it was; the payload's `exp` follows. A session that is gone stays gone.
   * `now` is the provider's clock — the one it dated `loginTs` and `exp` with and checks `exp` against.
   */
  async slideSession(uid: string, idleSeconds: number, maxSeconds: number, now: Date = new Date()): Promise<void> {
    await this.rows(
      `WITH next AS (
         SELECT id, LEAST(CAST(:now AS timestamptz) + make_interval(secs => :idle),
                          to_timestamp(CAST(payload->>'loginTs' AS bigint) + :max)) AS at
         FROM oidc_payloads WHERE model = 'Session' AND uid = :uid AND expires_at > now()
           AND CAST(payload->>'exp' AS bigint) > extract(epoch FROM CAST(:now AS timestamptz)))
       UPDATE oidc_payloads p SET expires_at = next.at,
         payload = jsonb_set(p.payload, '{exp}', to_jsonb(CAST(extract(epoch FROM next.at) AS bigint)))
       FROM next WHERE p.model = 'Session' AND p.id = next.id
         AND CAST(extract(epoch FROM next.at) AS bigint) > CAST(p.payload->>'exp' AS bigint)`,
      { idle: idleSeconds, max: maxSeconds, uid, now },
    );
  }

  /** The payloads of one model an account holds (sessions, grants), in the caller's transaction. */
  async ofAccount(tx: Transaction, model: string, accountId: string): Promise<Array<{ id: string; payload: AdapterPayload }>> {
    return this.rows(`SELECT id, payload FROM oidc_payloads WHERE model = :model AND account_id = :accountId`, { model, accountId }, tx);
  }

  /** Deletes everything an account holds and everything issued under the given grants. */
  async deleteOfAccount(tx: Transaction, accountId: string, grantIds: string[]): Promise<void> {
    await this.rows(
      `DELETE FROM oidc_payloads WHERE account_id = :accountId OR grant_id = ANY(CAST(:grantIds AS text[]))
         OR (model = 'Grant' AND id = ANY(CAST(:grantIds AS text[])))`,
      // oidc-provider ids are URL-safe (nanoid): the array literal needs no quoting.
      { accountId, grantIds: `{${grantIds.join(',')}}` },
      tx,
    );
  }

  /** Deletes the artifacts of the given models that were issued to one client. */
  async deleteOfClient(tx: Transaction, models: readonly string[], clientId: string): Promise<void> {
    await this.rows(`DELETE FROM oidc_payloads WHERE model IN (:models) AND payload->>'clientId' = :clientId`, { models, clientId }, tx);
  }
}
