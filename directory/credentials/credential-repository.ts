import type { Sequelize, Transaction } from 'sequelize';
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

const ownerColumn = (o: CredentialOwner) => ('personId' in o ? 'person_id' : 'account_id');
const ownerId = (o: CredentialOwner) => ('personId' in o ? o.personId : o.accountId);

/** SQL of the credentials table; every call of a unit of work passes its transaction. */
export class CredentialRepository {
  constructor(private readonly sequelize: Sequelize) {}

  // Named replacements, not bind parameters: see the note in lockout.ts about the embedded database.
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
       WHERE ${where} AND a.status = 'active' AND u.status = 'active'
       ORDER BY CASE a.kind WHEN 'unit' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, a.created_at, a.id`,
      { owner: ownerId(owner) },
      tx,
    );
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

  async status(tx: Transaction | undefined, owner: CredentialOwner) {
    const [row] = await this.rows<{ failedCount: number; locked: boolean; mustChange: boolean; changedAt: Date }>(
      `SELECT failed_count AS "failedCount", locked_at IS NOT NULL AS locked, must_change AS "mustChange",
         changed_at AS "changedAt"
       FROM credentials WHERE ${ownerColumn(owner)} = :owner`,
      { owner: ownerId(owner) },
      tx,
    );
    return row;
  }
}
