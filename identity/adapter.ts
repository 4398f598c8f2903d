import type { Sequelize } from 'sequelize';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';

/**
 * oidc-provider's storage over one PostgreSQL table (`oidc_payloads`, keyed by model and id): every
 * node reads and writes the same artifacts, so any node serves any request (SPEC §4). Lookup
 * columns (grant, uid, user code, account) are copied out of the payload and indexed; `find` is a
 * primary-key read. Expired rows are never returned, and the periodic cleanup deletes them.
 */
export class PayloadAdapter implements Adapter {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly model: string,
  ) {}

  // Named replacements (one simple-query message), never bind parameters: the embedded PGlite
  // server interleaves the messages of concurrent parameterized statements outside transactions.
  private async one(sql: string, replacements: Record<string, unknown>): Promise<AdapterPayload | undefined> {
    const [rows] = await this.sequelize.query(sql, { replacements });
    const row = (rows as Array<{ payload: AdapterPayload; consumed: number | null }>)[0];
    if (!row) return undefined;
    return row.consumed === null ? row.payload : { ...row.payload, consumed: row.consumed };
  }

  private select(where: string) {
    return `SELECT payload, extract(epoch FROM consumed_at)::bigint AS consumed FROM oidc_payloads
      WHERE model = :model AND ${where} AND (expires_at IS NULL OR expires_at > now()) LIMIT 1`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    // Sessions and grants carry accountId at the top; so do tokens. It lets the session ender find them all.
    await this.sequelize.query(
      `INSERT INTO oidc_payloads (model, id, payload, grant_id, uid, user_code, account_id, expires_at)
       VALUES (:model, :id, CAST(:payload AS jsonb), :grantId, :uid, :userCode, :accountId,
         now() + make_interval(secs => CAST(:expiresIn AS int)))
       ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
         uid = EXCLUDED.uid, user_code = EXCLUDED.user_code, account_id = EXCLUDED.account_id,
         expires_at = EXCLUDED.expires_at`,
      {
        replacements: {
          model: this.model,
          id,
          payload: JSON.stringify(payload),
          grantId: payload.grantId ?? null,
          uid: payload.uid ?? null,
          userCode: payload.userCode ?? null,
          accountId: payload.accountId ?? null,
          expiresIn: expiresIn ?? null, // no TTL: NULL propagates to expires_at (never expires)
        },
      },
    );
  }

  find(id: string) {
    return this.one(this.select('id = :id'), { model: this.model, id });
  }

  findByUid(uid: string) {
    return this.one(this.select('uid = :uid'), { model: this.model, uid });
  }

  findByUserCode(userCode: string) {
    return this.one(this.select('user_code = :userCode'), { model: this.model, userCode });
  }

  /**
   * Marks a code (or a rotated refresh token) used. oidc-provider checks `consumed` on the row it
   * found and then calls this, so two parallel redemptions of one code both pass its check: only
   * this conditional UPDATE decides, and exactly one caller wins. A loser is a replay racing the
   * legitimate use; like a sequential replay (RFC 6749 §4.1.2) it revokes the whole grant (the
   * Grant row goes, so even what the winner issues dies at refresh and introspection).
   */
  async consume(id: string): Promise<void> {
    const replacements = { model: this.model, id };
    const [won] = await this.sequelize.query(
      `UPDATE oidc_payloads SET consumed_at = now() WHERE model = :model AND id = :id AND consumed_at IS NULL RETURNING id`,
      { replacements },
    );
    if ((won as unknown[]).length) return;
    await this.sequelize.query(
      `WITH g AS (SELECT grant_id FROM oidc_payloads WHERE model = :model AND id = :id AND grant_id IS NOT NULL)
       DELETE FROM oidc_payloads
       WHERE grant_id IN (SELECT grant_id FROM g) OR (model = 'Grant' AND id IN (SELECT grant_id FROM g))`,
      { replacements },
    );
    throw new errors.InvalidGrant(`${this.model} already used`);
  }

  async destroy(id: string): Promise<void> {
    await this.sequelize.query(`DELETE FROM oidc_payloads WHERE model = :model AND id = :id`, {
      replacements: { model: this.model, id },
    });
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.sequelize.query(`DELETE FROM oidc_payloads WHERE model = :model AND grant_id = :grantId`, {
      replacements: { model: this.model, grantId },
    });
  }
}

/**
 * Deletes expired artifacts in batches (a large backlog never becomes one long lock), plus expired
 * interaction step state. Returns the number of artifact rows deleted.
 */
export async function deleteExpiredPayloads(sequelize: Sequelize, batchSize = 1000): Promise<number> {
  let total = 0;
  for (;;) {
    const [rows] = await sequelize.query(
      `WITH gone AS (DELETE FROM oidc_payloads WHERE ctid IN (
         SELECT ctid FROM oidc_payloads WHERE expires_at < now() LIMIT :batchSize) RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      { replacements: { batchSize } },
    );
    const deleted = (rows as Array<{ n: number }>)[0]?.n ?? 0;
    total += deleted;
    if (deleted < batchSize) break;
  }
  await sequelize.query(`DELETE FROM interaction_state WHERE expires_at < now()`);
  return total;
}
