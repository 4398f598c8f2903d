import type { Sequelize, Transaction } from 'sequelize';

/** The SMS purposes (R21, R23, the person's own page); each has its own live code per phone. */
export type SmsPurpose = 'sign-in' | 'second-factor' | 'phone-change';

/** A code row as verification reads it: the keyed hash, never the code. */
export interface StoredCode {
  salt: string;
  codeHash: string;
  personId: string | null;
  tries: number;
}

/** Why a code cannot be tried (any more). */
export type DeadCode = 'no_code' | 'expired' | 'too_many_tries';

/** A refused send reservation and when the next one may pass. */
export interface SendRefusal {
  limit: 'phone_throttled' | 'daily_limit';
  retryAfterSeconds: number;
}

/**
 * SQL of `sms_codes` and `sms_send_limits` (migration 0005, R21). Times are the caller's clock
 * (`now`, the node's, as for audit events), passed in so that every comparison of one operation
 * uses one instant. Every rule that must hold across nodes is one conditional statement, which
 * PostgreSQL serializes on the row. Named replacements: see the note in credential-repository.ts.
 */
export class SmsCodeRepository {
  private readonly sequelize: Sequelize;

  constructor(deps: { sequelize: Sequelize }) {
    this.sequelize = deps.sequelize;
  }

  private async rows<T>(sql: string, replacements: Record<string, unknown>, transaction?: Transaction): Promise<T[]> {
    const [rows] = await this.sequelize.query(sql, { replacements, transaction });
    return rows as T[];
  }

  /** The person whose phone has this keyed hash (R8), or undefined. */
  async personIdByPhoneHash(phoneHash: string, tx?: Transaction): Promise<string | undefined> {
    const [row] = await this.rows<{ id: string }>(`SELECT id FROM persons WHERE phone_hash = :phoneHash`, { phoneHash }, tx);
    return row?.id;
  }

  /**
   * R21 — takes one send from the phone's allowance, or refuses: one upsert whose UPDATE runs only
   * if the last send is `gapSeconds` old and the day's count is below `perDay` (a day starts at the
   * first send after the previous day ended). Two nodes racing insert or update the same row;
   * PostgreSQL makes the second wait and re-checks the condition on the row the first wrote, so
   * only one passes. Refused: which limit and the seconds until it lifts.
   */
  async reserveSend(
    tx: Transaction,
    phoneHash: string,
    now: Date,
    limits: { gapSeconds: number; perDay: number },
  ): Promise<SendRefusal | null> {
    const replacements = { phoneHash, now: now.toISOString(), gap: limits.gapSeconds, perDay: limits.perDay };
    const taken = await this.rows(
      `INSERT INTO sms_send_limits AS l (phone_hash, last_sent_at, day_start, day_count)
       VALUES (:phoneHash, CAST(:now AS timestamptz), CAST(:now AS timestamptz), 1)
       ON CONFLICT (phone_hash) DO UPDATE SET
         last_sent_at = EXCLUDED.last_sent_at,
         day_start = CASE WHEN l.day_start <= EXCLUDED.last_sent_at - interval '1 day' THEN EXCLUDED.last_sent_at ELSE l.day_start END,
         day_count = CASE WHEN l.day_start <= EXCLUDED.last_sent_at - interval '1 day' THEN 1 ELSE l.day_count + 1 END
       WHERE l.last_sent_at <= EXCLUDED.last_sent_at - make_interval(secs => :gap)
         AND (l.day_start <= EXCLUDED.last_sent_at - interval '1 day' OR l.day_count < :perDay)
       RETURNING phone_hash`,
      replacements,
      tx,
    );
    if (taken.length) return null;
    const [row] = await this.rows<{ gapLeft: number; dayLeft: number; full: boolean }>(
      `SELECT ceil(extract(epoch FROM last_sent_at + make_interval(secs => :gap) - CAST(:now AS timestamptz)))::int AS "gapLeft",
              ceil(extract(epoch FROM day_start + interval '1 day' - CAST(:now AS timestamptz)))::int AS "dayLeft",
              (day_start > CAST(:now AS timestamptz) - interval '1 day' AND day_count >= :perDay) AS full
       FROM sms_send_limits WHERE phone_hash = :phoneHash`,
      replacements,
      tx,
    );
    if (row?.full) return { limit: 'daily_limit', retryAfterSeconds: Math.max(1, row.dayLeft) };
    return { limit: 'phone_throttled', retryAfterSeconds: Math.max(1, row?.gapLeft ?? limits.gapSeconds) };
  }

  /** Stores the new live code of a phone and purpose, replacing the old one whatever its state. */
  async replaceCode(
    tx: Transaction,
    c: { phoneHash: string; purpose: SmsPurpose; salt: string; codeHash: string; personId: string | null; now: Date; expiresAt: Date },
  ): Promise<void> {
    await this.rows(
      `INSERT INTO sms_codes (phone_hash, purpose, salt, code_hash, person_id, sent_at, expires_at, tries, consumed_at)
       VALUES (:phoneHash, :purpose, :salt, :codeHash, :personId, CAST(:now AS timestamptz), CAST(:expiresAt AS timestamptz), 0, NULL)
       ON CONFLICT (phone_hash, purpose) DO UPDATE SET salt = EXCLUDED.salt, code_hash = EXCLUDED.code_hash,
         person_id = EXCLUDED.person_id, sent_at = EXCLUDED.sent_at, expires_at = EXCLUDED.expires_at, tries = 0, consumed_at = NULL`,
      { ...c, now: c.now.toISOString(), expiresAt: c.expiresAt.toISOString() },
      tx,
    );
  }

  /** Removes the live code of a phone and purpose (a failed send leaves none usable). */
  async removeCode(tx: Transaction, phoneHash: string, purpose: SmsPurpose): Promise<void> {
    await this.rows(`DELETE FROM sms_codes WHERE phone_hash = :phoneHash AND purpose = :purpose`, { phoneHash, purpose }, tx);
  }

  /**
   * R21 — spends one of the code's tries before it is compared: the UPDATE passes only for a live
   * code (not used, not expired, fewer than `maxTries` tries) and holds the row until the caller's
   * transaction ends, so parallel attempts on any node are counted one after the other and never
   * more than `maxTries` are compared. A dead code answers why.
   */
  async spendTry(tx: Transaction, phoneHash: string, purpose: SmsPurpose, now: Date, maxTries: number): Promise<StoredCode | DeadCode> {
    const replacements = { phoneHash, purpose, now: now.toISOString(), maxTries };
    const [row] = await this.rows<StoredCode>(
      `UPDATE sms_codes SET tries = tries + 1
       WHERE phone_hash = :phoneHash AND purpose = :purpose AND consumed_at IS NULL
         AND expires_at > CAST(:now AS timestamptz) AND tries < :maxTries
       RETURNING salt, code_hash AS "codeHash", person_id AS "personId", tries`,
      replacements,
      tx,
    );
    if (row) return row;
    const [dead] = await this.rows<{ why: DeadCode }>(
      `SELECT CASE WHEN consumed_at IS NOT NULL THEN 'no_code' WHEN tries >= :maxTries THEN 'too_many_tries' ELSE 'expired' END AS why
       FROM sms_codes WHERE phone_hash = :phoneHash AND purpose = :purpose`,
      replacements,
      tx,
    );
    return dead?.why ?? 'no_code';
  }

  /** Marks the code used (single use); the row is locked by `spendTry` in the same transaction. */
  async consume(tx: Transaction, phoneHash: string, purpose: SmsPurpose, salt: string, now: Date): Promise<boolean> {
    const rows = await this.rows(
      `UPDATE sms_codes SET consumed_at = CAST(:now AS timestamptz)
       WHERE phone_hash = :phoneHash AND purpose = :purpose AND salt = :salt AND consumed_at IS NULL RETURNING salt`,
      { phoneHash, purpose, salt, now: now.toISOString() },
      tx,
    );
    return rows.length > 0;
  }

  /**
   * Deletes codes expired for more than a day and send allowances whose day ended more than a day
   * ago (the periodic clean-up; both are dead by then, so the clock it runs on hardly matters).
   */
  async purge(): Promise<void> {
    await this.rows(`DELETE FROM sms_codes WHERE expires_at < now() - interval '1 day'`, {});
    await this.rows(`DELETE FROM sms_send_limits WHERE day_start < now() - interval '2 days'`, {});
  }
}
