import type { Sequelize, Transaction } from 'sequelize';

/**
 * Every column sealed with the PII cipher (R25), by table and key column: what a `PII_KEY`
 * rotation re-encrypts. A new sealed column must be listed here (`test/ops-pii-at-rest.test.ts`
 * finds any ciphertext left under an old key, in every table).
 */
export const SEALED_COLUMNS = [
  { table: 'persons', key: 'id', column: 'id_number_enc' },
  { table: 'persons', key: 'id', column: 'phone_enc' },
  { table: 'clients', key: 'client_id', column: 'secret_enc' },
  { table: 'second_factors', key: 'person_id', column: 'totp_secret_enc' },
] as const;

export type SealedColumn = (typeof SEALED_COLUMNS)[number];

/** The SQL of a rotation: batches of values sealed under another key than the current one. */
export class PiiRotationRepository {
  constructor(private readonly deps: { sequelize: Sequelize }) {}

  /**
   * Up to `limit` values of `c` not sealed under `kid`, locked for the transaction; rows another
   * rotation holds are skipped (two runs at once share the work).
   */
  async staleBatch(tx: Transaction, c: SealedColumn, kid: string, limit: number): Promise<Array<{ id: string; sealed: string }>> {
    const [rows] = await this.deps.sequelize.query(
      `SELECT ${c.key}::text AS id, ${c.column} AS sealed FROM ${c.table}
        WHERE ${c.column} IS NOT NULL AND split_part(${c.column}, '.', 1) <> :kid
        ORDER BY ${c.key} LIMIT :limit FOR UPDATE SKIP LOCKED`,
      { replacements: { kid, limit }, transaction: tx },
    );
    return rows as Array<{ id: string; sealed: string }>;
  }

  /** Writes the new values; a row changed meanwhile (already written under the current key) keeps its value. */
  async replace(tx: Transaction, c: SealedColumn, values: Array<{ id: string; old: string; sealed: string }>): Promise<void> {
    if (!values.length) return;
    await this.deps.sequelize.query(
      `UPDATE ${c.table} t SET ${c.column} = v.sealed
         FROM (SELECT * FROM jsonb_to_recordset(CAST(:values AS jsonb)) AS x(id text, old text, sealed text)) v
        WHERE t.${c.key}::text = v.id AND t.${c.column} = v.old`,
      { replacements: { values: JSON.stringify(values) }, transaction: tx },
    );
  }

  /** How many values of each column are still sealed under another key than `kid`. */
  async remaining(kid: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const c of SEALED_COLUMNS) {
      const [rows] = await this.deps.sequelize.query(
        `SELECT count(*)::int AS n FROM ${c.table} WHERE ${c.column} IS NOT NULL AND split_part(${c.column}, '.', 1) <> :kid`,
        { replacements: { kid } },
      );
      out[`${c.table}.${c.column}`] = (rows as Array<{ n: number }>)[0]!.n;
    }
    return out;
  }
}
