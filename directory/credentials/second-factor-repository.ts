import type { Sequelize, Transaction } from 'sequelize';
import type { PiiCipher } from '../../platform/crypto/pii.ts';

/** One person's enrolment as stored: the secret still sealed. */
export interface StoredSecondFactor {
  personId: string;
  totpSecretEnc: string;
  totpLastStep: number | null;
  recoveryCodeHashes: string[];
}

/**
 * The SQL of second-factor enrolments (table `second_factors`, one row per person, R23). Named
 * replacements, not bind parameters (see credential-repository.ts on the embedded database); the
 * hash list travels as one comma-joined string (hashes are base64url, no commas) so an empty list
 * is still a list.
 */
export class SecondFactorRepository {
  private readonly sequelize: Sequelize;
  private readonly pii: PiiCipher;

  constructor(deps: { sequelize: Sequelize; pii: PiiCipher }) {
    this.sequelize = deps.sequelize;
    this.pii = deps.pii;
  }

  private async rows<T>(sql: string, replacements: Record<string, unknown>, transaction?: Transaction): Promise<T[]> {
    const [rows] = await this.sequelize.query(sql, { replacements, transaction });
    return rows as T[];
  }

  /** The enrolment, locked for update when read inside a transaction that changes it. */
  async find(personId: string, tx?: Transaction, forUpdate = false): Promise<StoredSecondFactor | undefined> {
    const [row] = await this.rows<{ personId: string; totpSecretEnc: string; totpLastStep: string | null; recoveryCodeHashes: string[] }>(
      `SELECT person_id AS "personId", totp_secret_enc AS "totpSecretEnc", totp_last_step AS "totpLastStep",
              recovery_code_hashes AS "recoveryCodeHashes"
       FROM second_factors WHERE person_id = :personId${forUpdate ? ' FOR UPDATE' : ''}`,
      { personId },
      tx,
    );
    return row && { ...row, totpLastStep: row.totpLastStep === null ? null : Number(row.totpLastStep) };
  }

  /** Stores a new enrolment; false when the person already has one (a parallel confirmation). */
  async create(tx: Transaction, e: { personId: string; totpSecretEnc: string; totpLastStep: number; recoveryCodeHashes: string[] }): Promise<boolean> {
    const rows = await this.rows<{ person_id: string }>(
      `INSERT INTO second_factors (person_id, totp_secret_enc, totp_last_step, recovery_code_hashes)
       VALUES (:personId, :secret, :step, string_to_array(:hashes, ','))
       ON CONFLICT (person_id) DO NOTHING RETURNING person_id`,
      { personId: e.personId, secret: e.totpSecretEnc, step: e.totpLastStep, hashes: e.recoveryCodeHashes.join(',') },
      tx,
    );
    return rows.length === 1;
  }

  /**
   * Records the step of an accepted code, only if it is later than the last one: false when a
   * parallel request (any node) accepted this step or a later one first — the code is then a replay.
   */
  async advanceStep(tx: Transaction, personId: string, step: number): Promise<boolean> {
    const rows = await this.rows<{ person_id: string }>(
      `UPDATE second_factors SET totp_last_step = :step
       WHERE person_id = :personId AND (totp_last_step IS NULL OR totp_last_step < :step) RETURNING person_id`,
      { personId, step },
      tx,
    );
    return rows.length === 1;
  }

  async replaceRecoveryCodes(tx: Transaction, personId: string, hashes: string[]): Promise<void> {
    await this.rows(
      `UPDATE second_factors SET recovery_code_hashes = string_to_array(:hashes, ',') WHERE person_id = :personId`,
      { personId, hashes: hashes.join(',') },
      tx,
    );
  }

  async remove(tx: Transaction, personId: string): Promise<boolean> {
    const rows = await this.rows<{ person_id: string }>(
      'DELETE FROM second_factors WHERE person_id = :personId RETURNING person_id',
      { personId },
      tx,
    );
    return rows.length === 1;
  }

  /**
   * The person's phone (the label of the authenticator entry, masked by the caller) and the unit
   * of their first live account, administrators first (where the audit event is filed, R25).
   */
  async personContext(personId: string, tx?: Transaction): Promise<{ phone: string | null; unitId: string | null }> {
    const [row] = await this.rows<{ phoneEnc: string | null; unitId: string | null }>(
      `SELECT p.phone_enc AS "phoneEnc",
              (SELECT a.unit_id FROM accounts a WHERE a.person_id = p.id AND a.status = 'active'
               ORDER BY CASE a.kind WHEN 'admin' THEN 0 ELSE 1 END, a.created_at LIMIT 1) AS "unitId"
       FROM persons p WHERE p.id = :personId`,
      { personId },
      tx,
    );
    return { phone: row?.phoneEnc ? this.pii.decrypt(row.phoneEnc) : null, unitId: row?.unitId ?? null };
  }
}
