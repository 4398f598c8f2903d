import { Op, QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { decodeCursor } from '../../platform/pagination.ts';
import type { Actor } from '../actor.ts';
import { JURISDICTION_SQL } from '../authz/jurisdiction.ts';
import type { UnitRelation } from '../authz/account-power.ts';
import { AccountModel, dbNow, plain, type Account, type AccountKind, type AccountStatus, type Unit, type UnitCategory, type UnitKind } from '../models/index.ts';

export interface AccountFilter {
  unitIds: string[];
  kind?: AccountKind | undefined;
  status?: AccountStatus | undefined;
  limit: number;
  next?: string | undefined;
}

export interface AccountRow {
  id: string;
  kind: AccountKind;
  unitId: string;
  personId: string | null;
  username: string | null;
  status: AccountStatus;
  scope: string[] | null;
  createdAt: Date;
  endedAt: Date | null;
  name: string;
  idNumberMasked: string | null;
  phoneMasked: string | null;
  roles: string[];
}

const VIEW = `SELECT a.id, a.kind, a.unit_id AS "unitId", a.person_id AS "personId", a.username, a.status, a.scope,
    a.created_at AS "createdAt", a.ended_at AS "endedAt", COALESCE(p.name, un.name) AS name,
    p.id_number_masked AS "idNumberMasked", p.phone_masked AS "phoneMasked",
    COALESCE((SELECT array_agg(r.code ORDER BY r.code) FROM account_roles ar JOIN roles r ON r.id = ar.role_id
      WHERE ar.account_id = a.id), '{}') AS roles
  FROM accounts a JOIN units un ON un.id = a.unit_id LEFT JOIN persons p ON p.id = a.person_id`;

/**
 * R12 — the one definition of a live account: active, in an active unit. Only a live account signs
 * in, acts, holds sessions or gets tokens. `a` is the accounts alias, `u` its unit's.
 */
export const LIVE_ACCOUNT_SQL = `(a.status = 'active' AND u.status = 'active')`;

/** An account as the power rule needs it; `id: null` for one about to be created. */
export interface PowerSubject {
  id: string | null;
  kind: AccountKind;
  unitId: string;
  scope: string[] | null;
}

/** The state of an account as sign-in, tokens and claims need it (SPEC §6). */
export interface SignInView {
  id: string;
  kind: AccountKind;
  status: string;
  unitId: string;
  unitUscc: string;
  unitName: string;
  unitKind: UnitKind;
  /** Issue 8 — an employer's category (null for bureaus and departments, and employers not yet categorised). */
  unitCategory: UnitCategory | null;
  unitStatus: string;
  /** Unit ids from the root to the unit by confirmed affiliation (R14). */
  unitPath: string[];
  personName: string | null;
  phoneMasked: string | null;
  /** R20 — its password is an initial one (created or reset by an administrator) not yet changed. */
  mustChange: boolean;
  /** R12 — {@link LIVE_ACCOUNT_SQL}: only a live account signs in, holds sessions or gets tokens. */
  live: boolean;
  /** R9 — its active business roles (all subsystems, by code), read with the rest: a token's claims need no second query. */
  activeRoles: Array<{ code: string; subsystem: string; modules: string[] }>;
}

/** An account on its owner's own page (issue 7): unit, kind, role names, last sign-in. */
export interface OwnAccountRow {
  id: string;
  kind: AccountKind;
  status: AccountStatus;
  unitName: string;
  unitKind: UnitKind;
  live: boolean;
  lastSignInAt: Date | null;
  lastSignInMethod: string | null;
  roles: string[];
}

/** Accounts and their readable view (person data masked, R25). */
export class AccountRepository {
  private readonly sequelize: Sequelize;

  constructor(deps: { sequelize: Sequelize }) {
    this.sequelize = deps.sequelize;
  }

  async findById(tx: Transaction | undefined, id: string): Promise<Account | null> {
    return plain(await AccountModel.findByPk(id, { transaction: tx }));
  }

  /** The account row locked for the rest of the transaction (status changes race otherwise). */
  async findForUpdate(tx: Transaction, id: string): Promise<Account | null> {
    return plain(await AccountModel.findByPk(id, { transaction: tx, lock: tx.LOCK.UPDATE }));
  }

  async create(tx: Transaction, a: Pick<Account, 'kind' | 'unitId' | 'unitKind' | 'personId' | 'username' | 'scope'>): Promise<Account> {
    return plain(await AccountModel.create(a, { transaction: tx }))!;
  }

  /**
   * Issue 8 (import batches), issue 11 (bulk loads) — inserts accounts with the ids the caller chose,
   * in one statement (columns bound as arrays and unnested).
   */
  async createMany(tx: Transaction, rows: Array<Pick<Account, 'id' | 'kind' | 'unitId' | 'unitKind' | 'personId' | 'username' | 'scope'>>): Promise<void> {
    if (!rows.length) return;
    await this.sequelize.query(
      `INSERT INTO accounts (id, kind, unit_id, unit_kind, person_id, username, scope)
       SELECT t.id, t.kind, t.unit, t.unit_kind, t.person, t.username, CAST(t.scope AS text[])
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::text[]) AS t(id, kind, unit, unit_kind, person, username, scope)`,
      {
        bind: [
          rows.map((r) => r.id), rows.map((r) => r.kind), rows.map((r) => r.unitId), rows.map((r) => r.unitKind), rows.map((r) => r.personId),
          rows.map((r) => r.username), rows.map((r) => (r.scope ? `{${r.scope.join(',')}}` : null)),
        ],
        transaction: tx,
      },
    );
  }

  /** Issue 8 (import batches) — the active accounts of a kind held by these persons, as `personId@unitId` → account id. */
  async activeOfPersons(tx: Transaction | undefined, personIds: string[], kind: AccountKind): Promise<Map<string, string>> {
    if (!personIds.length) return new Map();
    const rows = await AccountModel.findAll({ where: { personId: personIds, kind, status: 'active' }, attributes: ['id', 'personId', 'unitId'], transaction: tx });
    return new Map(rows.map((r) => [`${r.personId}@${r.unitId}`, r.id]));
  }

  /** R3 — the unit account's sign-in name follows the unit's code. */
  async renameUnitAccount(tx: Transaction, unitId: string, username: string): Promise<void> {
    await AccountModel.update({ username, updatedAt: dbNow() }, { where: { unitId, kind: 'unit' }, transaction: tx });
  }

  /** An active account of the person of this kind in this unit, if any (one per person, unit and kind). */
  async findActive(tx: Transaction, f: { personId: string; unitId: string; kind: AccountKind }): Promise<Account | null> {
    return plain(await AccountModel.findOne({ where: { ...f, status: 'active' }, transaction: tx }));
  }

  /** Ends the account (R7, R12): the row stays for the audit trail. */
  async end(tx: Transaction, id: string, status: 'disabled' | 'offboarded'): Promise<void> {
    await AccountModel.update({ status, endedAt: dbNow(), updatedAt: dbNow() }, { where: { id }, transaction: tx });
  }

  async setScope(tx: Transaction, id: string, scope: string[]): Promise<void> {
    await AccountModel.update({ scope, updatedAt: dbNow() }, { where: { id }, transaction: tx });
  }

  /** R11 — the account moves to another unit; its id (the token `sub`) stays. */
  async moveTo(tx: Transaction, id: string, unit: Pick<Unit, 'id' | 'kind'>): Promise<void> {
    await AccountModel.update({ unitId: unit.id, unitKind: unit.kind, updatedAt: dbNow() }, { where: { id }, transaction: tx });
  }

  /**
   * The live actor behind a token's `sub` (R9, R12): only a live account acts, with the scope and
   * active role codes it holds now — never what the token claimed.
   */
  async liveActor(tx: Transaction | undefined, accountId: string): Promise<Actor | null> {
    const [row] = await this.sequelize.query<Actor>(
      `SELECT a.id AS "accountId", a.kind, a.unit_id AS "unitId", u.kind AS "unitKind", u.level AS "unitLevel",
          a.scope, a.person_id AS "personId",
          COALESCE((SELECT array_agg(r.code ORDER BY r.code) FROM account_roles ar JOIN roles r ON r.id = ar.role_id
            WHERE ar.account_id = a.id AND r.status = 'active'), '{}') AS roles
        FROM accounts a JOIN units u ON u.id = a.unit_id
        WHERE a.id = :accountId AND ${LIVE_ACCOUNT_SQL}`,
      { replacements: { accountId }, type: QueryTypes.SELECT, transaction: tx },
    );
    return row ?? null;
  }

  /** The account as the identity provider sees it, live or not (the caller decides what an ended one gets). */
  async signInView(tx: Transaction | undefined, accountId: string): Promise<SignInView | null> {
    const [row] = await this.sequelize.query<SignInView>(
      `SELECT a.id, a.kind, a.status, a.unit_id AS "unitId", u.uscc AS "unitUscc", u.name AS "unitName",
         u.kind AS "unitKind", u.category AS "unitCategory", u.status AS "unitStatus", u.path AS "unitPath", p.name AS "personName",
         p.phone_masked AS "phoneMasked",
         COALESCE((SELECT c.must_change FROM credentials c WHERE c.person_id = a.person_id),
                  (SELECT c.must_change FROM credentials c WHERE c.account_id = a.id), false) AS "mustChange",
         ${LIVE_ACCOUNT_SQL} AS live,
         COALESCE((SELECT json_agg(json_build_object('code', r.code, 'subsystem', r.subsystem, 'modules', r.modules) ORDER BY r.code)
           FROM account_roles ar JOIN roles r ON r.id = ar.role_id WHERE ar.account_id = a.id AND r.status = 'active'), '[]') AS "activeRoles"
       FROM accounts a JOIN units u ON u.id = a.unit_id LEFT JOIN persons p ON p.id = a.person_id
       WHERE a.id = :accountId`,
      { replacements: { accountId }, type: QueryTypes.SELECT, transaction: tx },
    );
    return row ?? null;
  }

  /**
   * What the power rule judges about an account (issue 5 item 1): the relation of its unit to the
   * actor's unit and the subsystems of the roles it holds.
   */
  async powerFacts(tx: Transaction, actorUnitId: string, account: PowerSubject): Promise<{ relation: UnitRelation; subsystems: string[] }> {
    const [row] = await this.sequelize.query<{ relation: UnitRelation; subsystems: string[] }>(
      `SELECT CASE WHEN u.id = :jurisdictionUnitId THEN 'same'
                   WHEN ${JURISDICTION_SQL} THEN 'below'
                   WHEN u.created_by_unit_id = :jurisdictionUnitId THEN 'created'
                   ELSE 'none' END AS relation,
          COALESCE((SELECT array_agg(DISTINCT r.subsystem) FROM account_roles ar JOIN roles r ON r.id = ar.role_id
            WHERE ar.account_id = :accountId), '{}') AS subsystems
        FROM units u WHERE u.id = :unitId`,
      { replacements: { jurisdictionUnitId: actorUnitId, unitId: account.unitId, accountId: account.id }, type: QueryTypes.SELECT, transaction: tx },
    );
    return row ?? { relation: 'none', subsystems: [] };
  }

  /** The person's active accounts, oldest first, as the power rule needs them. */
  powerSubjectsOfPerson(tx: Transaction, personId: string): Promise<PowerSubject[]> {
    return this.sequelize.query<PowerSubject>(
      `SELECT id, kind, unit_id AS "unitId", scope FROM accounts WHERE person_id = :personId AND status = 'active' ORDER BY created_at`,
      { replacements: { personId }, type: QueryTypes.SELECT, transaction: tx },
    );
  }

  /** R10 — whether the person has an account (any status) in a unit of the jurisdiction of `jurisdictionUnitId`. */
  async personHasAccountIn(tx: Transaction, personId: string, jurisdictionUnitId: string): Promise<boolean> {
    const rows = await this.sequelize.query(
      `SELECT 1 FROM accounts a JOIN units u ON u.id = a.unit_id WHERE a.person_id = :personId AND ${JURISDICTION_SQL} LIMIT 1`,
      { replacements: { personId, jurisdictionUnitId }, type: QueryTypes.SELECT, transaction: tx },
    );
    return rows.length > 0;
  }
  async view(tx: Transaction | undefined, id: string): Promise<AccountRow | null> {
    const rows = await this.sequelize.query<AccountRow>(`${VIEW} WHERE a.id = :id`, {
      replacements: { id },
      type: QueryTypes.SELECT,
      transaction: tx,
    });
    return rows[0] ?? null;
  }

  /**
   * A page of the accounts of these units, by `(created_at, id)`. Issue 11: one unit is an equality,
   * which walks the `(unit_id, created_at, id)` index (migration 0013) and stops at the page; `= ANY`
   * made PostgreSQL fetch and sort every account of the unit for each page.
   */
  list(tx: Transaction | undefined, f: AccountFilter): Promise<AccountRow[]> {
    const where = [f.unitIds.length === 1 ? 'a.unit_id = CAST(:unitId AS uuid)' : 'a.unit_id = ANY(CAST(:unitIds AS uuid[]))'];
    const replacements: Record<string, unknown> = { unitId: f.unitIds[0], unitIds: `{${f.unitIds.join(',')}}`, limit: f.limit + 1 };
    if (f.kind) (where.push('a.kind = :kind'), (replacements.kind = f.kind));
    if (f.status) (where.push('a.status = :status'), (replacements.status = f.status));
    const cursor = decodeCursor(f.next, ['timestamp', 'uuid']);
    if (cursor) {
      where.push('(a.created_at, a.id) > (CAST(:cAt AS timestamptz), CAST(:cId AS uuid))');
      Object.assign(replacements, { cAt: cursor[0], cId: cursor[1] });
    }
    return this.sequelize.query<AccountRow>(`${VIEW} WHERE ${where.join(' AND ')} ORDER BY a.created_at, a.id LIMIT :limit`, {
      replacements,
      type: QueryTypes.SELECT,
      transaction: tx,
    });
  }

  /** Issue 7 — the sign-in just completed for this account: when (the database's clock) and how. */
  async recordSignIn(tx: Transaction, accountId: string, method: string): Promise<void> {
    await this.sequelize.query(
      `UPDATE accounts SET last_sign_in_at = clock_timestamp(), last_sign_in_method = :method WHERE id = :accountId`,
      { replacements: { accountId, method }, transaction: tx },
    );
  }

  /**
   * The accounts of one owner as the person's own page shows them: a person's every account (ended
   * ones too, with their status), or the unit account alone. Live ones first, then the newest.
   */
  ownAccounts(tx: Transaction | undefined, owner: { personId: string } | { accountId: string }): Promise<OwnAccountRow[]> {
    const where = 'personId' in owner ? 'a.person_id = :owner' : 'a.id = :owner';
    return this.sequelize.query<OwnAccountRow>(
      `SELECT a.id, a.kind, a.status, u.name AS "unitName", u.kind AS "unitKind", ${LIVE_ACCOUNT_SQL} AS live,
          a.last_sign_in_at AS "lastSignInAt", a.last_sign_in_method AS "lastSignInMethod",
          COALESCE((SELECT array_agg(r.name ORDER BY r.code) FROM account_roles ar JOIN roles r ON r.id = ar.role_id
            WHERE ar.account_id = a.id AND r.status = 'active'), '{}') AS roles
        FROM accounts a JOIN units u ON u.id = a.unit_id
        WHERE ${where}
        ORDER BY ${LIVE_ACCOUNT_SQL} DESC, a.created_at DESC, a.id`,
      { replacements: { owner: 'personId' in owner ? owner.personId : owner.accountId }, type: QueryTypes.SELECT, transaction: tx },
    );
  }

  async activeAdmins(tx: Transaction | undefined, unitId: string): Promise<Account[]> {
    return (await AccountModel.findAll({ where: { unitId, kind: 'admin', status: 'active' }, transaction: tx })).map((a) => plain(a)!);
  }

  async activeAccountsOfPerson(tx: Transaction | undefined, personId: string): Promise<Account[]> {
    const rows = await AccountModel.findAll({ where: { personId, status: 'active' }, transaction: tx, order: [['createdAt', 'ASC']] });
    return rows.map((a) => plain(a)!);
  }

  async activeAccountIdsOfUnits(tx: Transaction, unitIds: string[]): Promise<string[]> {
    const rows = await AccountModel.findAll({ where: { unitId: { [Op.in]: unitIds }, status: 'active' }, attributes: ['id'], transaction: tx });
    return rows.map((a) => a.id);
  }

  async removeRoles(tx: Transaction, accountId: string): Promise<string[]> {
    const rows = await this.sequelize.query<{ code: string }>(
      `DELETE FROM account_roles ar USING roles r WHERE ar.account_id = :accountId AND r.id = ar.role_id RETURNING r.code`,
      { replacements: { accountId }, type: QueryTypes.SELECT, transaction: tx },
    );
    return rows.map((r) => r.code);
  }
}
