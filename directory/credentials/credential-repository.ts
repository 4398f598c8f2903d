import type { Sequelize, Transaction } from 'sequelize';
import type { PiiCipher } from '../../platform/crypto/pii.ts';
import { LIVE_ACCOUNT_SQL } from '../accounts/account-repository.ts';
import type { AccountKind, UnitKind } from '../models/index.ts';

/** A credential belongs to a person (one password for all of the person's accounts) or to a unit account. */
export type CredentialOwner = { personId: string } | { accountId: string };

/** An account a verified credential may act as (R9: a person with several chooses one). */
export interface SignInAccount {
  id: string;
  kind: AccountKind;
  unitId: string;
  unitName: string;
  unitKind: UnitKind;
}

/** What a password change needs to know about the credential and its owner. */
export interface CredentialForChange {
  id: string;
  hash: string;
  history: string[];
  mustChange: boolean;
  personId: string | null;
  accountId: string | null;
  idNumberEnc: string | null;
  phoneEnc: string | null;
  username: string | null;
  unitId: string | null;
}

/** What a reserved attempt may check: the stored hash and the state the password leads to. */
export interface ReservedAttempt {
  credentialId: string;
  personId: string | null;
  accountId: string | null;
  hash: string;
  mustChange: boolean;
  changedAt: Date;
  /** The failure count including this attempt. */
  failedCount: number;
  /** Set when this very attempt locked the credential: the lock's time in microseconds. */
  lockedByThisAttempt: number | null;
}

const ownerColumn = (o: CredentialOwner) => ('personId' in o ? 'person_id' : 'account_id');
const ownerId = (o: CredentialOwner) => ('personId' in o ? o.personId : o.accountId);

/**
 * SQL of the credentials table; every call of a unit of work passes its transaction.
 *
 * Queries here use named replacements (simple-query protocol), not bind parameters: the embedded
 * PGlite server multiplexes connections message by message, and the Parse/Bind/Execute messages of
 * two concurrent parameterized statements outside a transaction can interleave there.
 */
export class CredentialRepository {
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

  /** Active accounts (in active units) a credential signs in to, administrators first. */
  activeAccounts(tx: Transaction, owner: CredentialOwner): Promise<SignInAccount[]> {
    const where = 'personId' in owner ? 'a.person_id = :owner' : 'a.id = :owner';
    return this.rows<SignInAccount>(
      `SELECT a.id, a.kind, a.unit_id AS "unitId", u.name AS "unitName", u.kind AS "unitKind"
       FROM accounts a JOIN units u ON u.id = a.unit_id
       WHERE ${where} AND ${LIVE_ACCOUNT_SQL}
       ORDER BY CASE a.kind WHEN 'unit' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, a.created_at, a.id`,
      { owner: ownerId(owner) },
      tx,
    );
  }

  /** The credential of an owner (a person's one password, or a unit account's). */
  async findIdByOwner(owner: CredentialOwner): Promise<string | undefined> {
    const [row] = await this.rows<{ id: string }>(`SELECT id FROM credentials WHERE ${ownerColumn(owner)} = :owner`, { owner: ownerId(owner) });
    return row?.id;
  }

  async forChange(credentialId: string, tx?: Transaction): Promise<CredentialForChange | undefined> {
    const [row] = await this.rows<CredentialForChange>(
      `SELECT c.id, c.hash, c.history, c.must_change AS "mustChange", c.person_id AS "personId",
         c.account_id AS "accountId", p.id_number_enc AS "idNumberEnc", p.phone_enc AS "phoneEnc",
         a.username, a.unit_id AS "unitId"
       FROM credentials c LEFT JOIN persons p ON p.id = c.person_id LEFT JOIN accounts a ON a.id = c.account_id
       WHERE c.id = :credentialId`,
      { credentialId },
      tx,
    );
    return row;
  }

  /**
   * Replaces the hash if it is still `oldHash` (a parallel change loses, it does not overwrite);
   * the old hash joins the history, which keeps the 4 before it: with the current one, the last 5 (R18).
   */
  async replaceHash(tx: Transaction, credentialId: string, oldHash: string, newHash: string): Promise<boolean> {
    const rows = await this.rows(
      `UPDATE credentials SET hash = :newHash, history = (ARRAY[CAST(:oldHash AS text)] || history)[1:4],
         must_change = false, changed_at = now(), failed_count = 0, locked_at = NULL
       WHERE id = :credentialId AND hash = :oldHash RETURNING id`,
      { credentialId, oldHash, newHash },
      tx,
    );
    return rows.length > 0;
  }

  /** R19/R20 — an administrator's reset: new initial password, must change, unlocked. */
  async reset(tx: Transaction, owner: CredentialOwner, newHash: string): Promise<string | undefined> {
    const [row] = await this.rows<{ id: string }>(
      `UPDATE credentials SET hash = :newHash, history = (ARRAY[hash] || history)[1:4], must_change = true,
         changed_at = now(), failed_count = 0, locked_at = NULL
       WHERE ${ownerColumn(owner)} = :owner RETURNING id`,
      { owner: ownerId(owner), newHash },
      tx,
    );
    return row?.id;
  }

  /** Issue 8 (import batches) — one credential per person (one hash for all), skipping persons who have one. */
  async createForPersons(tx: Transaction, personIds: string[], hash: string): Promise<void> {
    if (!personIds.length) return;
    await this.sequelize.query(
      `INSERT INTO credentials (person_id, hash, must_change) SELECT p, :hash, true FROM unnest(CAST(:ids AS uuid[])) AS t(p) ON CONFLICT DO NOTHING`,
      { replacements: { hash, ids: `{${personIds.join(',')}}` }, transaction: tx },
    );
  }

  /** Issue 11 (bulk loads) — unit accounts' first credentials, all with the one prepared hash. */
  async createForAccounts(tx: Transaction, accountIds: string[], hash: string): Promise<void> {
    if (!accountIds.length) return;
    await this.sequelize.query(
      `INSERT INTO credentials (account_id, hash, must_change) SELECT a, :hash, true FROM unnest(CAST(:ids AS uuid[])) AS t(a) ON CONFLICT DO NOTHING`,
      { replacements: { hash, ids: `{${accountIds.join(',')}}` }, transaction: tx },
    );
  }

  /** Inserts a credential unless the owner has one already (a person's second account shares it). */
  async create(tx: Transaction, owner: CredentialOwner, hash: string): Promise<boolean> {
    const rows = await this.rows(
      `INSERT INTO credentials (${ownerColumn(owner)}, hash, must_change) VALUES (:owner, :hash, true)
       ON CONFLICT DO NOTHING RETURNING id`,
      { owner: ownerId(owner), hash },
      tx,
    );
    return rows.length > 0;
  }

  /**
   * The credential behind a sign-in name (R3, R8), or undefined. One keyed hash serves both person
   * columns (ID number and phone use the same lookup key); a unit account is found by its username.
   * Three indexed probes, the same work for a known and an unknown name.
   */
  async findIdBySignInName(name: string): Promise<string | undefined> {
    if (!name || name.length > 32) return undefined;
    const [row] = await this.rows<{ id: string }>(
      `(SELECT c.id FROM persons p JOIN credentials c ON c.person_id = p.id WHERE p.id_number_hash = :hash)
       UNION ALL (SELECT c.id FROM persons p JOIN credentials c ON c.person_id = p.id WHERE p.phone_hash = :hash)
       UNION ALL (SELECT c.id FROM accounts a JOIN credentials c ON c.account_id = a.id
                  WHERE a.username = :name AND a.kind = 'unit')
       LIMIT 1`,
      { hash: this.pii.lookupHash(name), name },
    );
    return row?.id;
  }

  /** Issue 8 (R3) — the current code of the unit whose replaced temporary code `name` was. */
  async renamedUnitCode(name: string): Promise<string | undefined> {
    if (!name || name.length > 32) return undefined;
    const [row] = await this.rows<{ uscc: string }>(
      'SELECT u.uscc FROM retired_unit_codes r JOIN units u ON u.id = r.unit_id WHERE r.code = :name',
      { name },
    );
    return row?.uscc;
  }

  /**
   * R19 — reserves one guess before the password is checked: a single UPDATE counts the attempt and,
   * at the threshold, locks the credential. PostgreSQL serializes concurrent UPDATEs of the row and
   * re-checks `locked_at IS NULL` after waiting, so on any number of nodes at most `threshold`
   * attempts ever get a row back; every later one gets `null` (locked) and is never checked.
   * The reservation commits before argon2 runs: no transaction is held across the hashing.
   */
  async reserveAttempt(credentialId: string, threshold: number): Promise<ReservedAttempt | null> {
    const [r] = await this.rows<Record<string, unknown>>(
      `UPDATE credentials SET failed_count = failed_count + 1,
         locked_at = CASE WHEN failed_count + 1 >= :threshold THEN clock_timestamp() END
       WHERE id = :credentialId AND locked_at IS NULL
       RETURNING id, person_id, account_id, hash, must_change, changed_at, failed_count,
         (extract(epoch FROM locked_at) * 1000000)::bigint AS locked_us`,
      { credentialId, threshold },
    );
    if (!r) return null;
    return {
      credentialId: r.id as string,
      personId: r.person_id as string | null,
      accountId: r.account_id as string | null,
      hash: r.hash as string,
      mustChange: r.must_change as boolean,
      changedAt: new Date(r.changed_at as string | Date),
      failedCount: r.failed_count as number,
      lockedByThisAttempt: r.locked_us === null ? null : Number(r.locked_us),
    };
  }

  /**
   * R19 — a right password resets the counter and lifts the lock only if this very attempt set it
   * (the threshold-th guess may be the right one). A lock set by a parallel wrong guess stays: only
   * an administrator's reset lifts it. The password must also still be the one that was checked: an
   * administrator's reset or a change that committed while argon2 ran replaces it, and the old
   * password must not sign in after that. Returns `settled`, `locked` (still locked) or `changed`.
   */
  async settleRightPassword(tx: Transaction, attempt: ReservedAttempt): Promise<'settled' | 'locked' | 'changed'> {
    const replacements = { credentialId: attempt.credentialId, hash: attempt.hash, lockedUs: attempt.lockedByThisAttempt ?? -1 };
    const settled = await this.rows(
      `UPDATE credentials SET failed_count = 0, locked_at = NULL
       WHERE id = :credentialId AND hash = :hash
         AND (locked_at IS NULL OR (extract(epoch FROM locked_at) * 1000000)::bigint = :lockedUs)
       RETURNING id`,
      replacements,
      tx,
    );
    if (settled.length > 0) return 'settled';
    const [current] = await this.rows<{ same: boolean }>(`SELECT hash = :hash AS same FROM credentials WHERE id = :credentialId`, replacements, tx);
    return current?.same ? 'locked' : 'changed';
  }

  /**
   * A person's password credential and whether it must change (R20), for a sign-in by another
   * method (R22): the initial or reset password is still changed before any token is issued.
   */
  async ofPerson(tx: Transaction, personId: string): Promise<{ id: string; mustChange: boolean } | undefined> {
    const [row] = await this.rows<{ id: string; mustChange: boolean }>(
      `SELECT id, must_change AS "mustChange" FROM credentials WHERE person_id = :personId`,
      { personId },
      tx,
    );
    return row;
  }
}
