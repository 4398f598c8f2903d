import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { JURISDICTION_SQL } from '../authz/jurisdiction.ts';
import { dbNow, plain, RoleModel, type Role } from '../models/index.ts';

export interface RoleRow {
  id: string;
  code: string;
  name: string;
  subsystem: string;
  modules: string[];
  ownerUnitId: string | null;
  status: 'active' | 'disabled';
  createdAt: Date;
  updatedAt: Date;
  /** Grantable at the unit the query was made for (R17). */
  grantable: boolean;
  /** The owner unit lies in the jurisdiction of that unit (its administrators may edit it, R15). */
  inJurisdiction: boolean;
}

const COLUMNS = `r.id, r.code, r.name, r.subsystem, r.modules, r.owner_unit_id AS "ownerUnitId", r.status,
  r.created_at AS "createdAt", r.updated_at AS "updatedAt"`;

/**
 * R17 — grantable at a unit: the provincial catalogue, or a role of an hrss unit on the unit's
 * confirmed path (root … the unit itself). `u` is the owner unit (null for the provincial catalogue).
 */
const GRANTABLE_SQL = `(r.owner_unit_id IS NULL OR (u.kind = 'hrss' AND EXISTS (
  SELECT 1 FROM units self WHERE self.id = :jurisdictionUnitId AND r.owner_unit_id = ANY(self.path))))`;

/** R10/R17 — a role `:jurisdictionUnitId` sees: grantable there, or defined inside its jurisdiction (`r` the role, `u` its owner unit). */
export const VISIBLE_ROLE_SQL = `(${GRANTABLE_SQL} OR COALESCE(${JURISDICTION_SQL}, false))`;

/** The roles a unit sees: grantable ones plus those defined inside its jurisdiction. */
const VIEW = `SELECT ${COLUMNS}, ${GRANTABLE_SQL} AS grantable,
    COALESCE(${JURISDICTION_SQL}, false) AS "inJurisdiction"
  FROM roles r LEFT JOIN units u ON u.id = r.owner_unit_id`;

/** Roles and account–role grants. */
export class RoleRepository {
  private readonly sequelize: Sequelize;

  constructor(deps: { sequelize: Sequelize }) {
    this.sequelize = deps.sequelize;
  }

  /** Roles visible from `unitId` (R15, R17), optionally of one subsystem or status, ordered by code. */
  visible(tx: Transaction | undefined, unitId: string, f: { subsystem?: string | undefined; status?: string | undefined }) {
    const where = [VISIBLE_ROLE_SQL];
    const replacements: Record<string, unknown> = { jurisdictionUnitId: unitId };
    if (f.subsystem) (where.push('r.subsystem = :subsystem'), (replacements.subsystem = f.subsystem));
    if (f.status) (where.push('r.status = :status'), (replacements.status = f.status));
    return this.sequelize.query<RoleRow>(`${VIEW} WHERE ${where.join(' AND ')} ORDER BY r.code`, {
      replacements,
      type: QueryTypes.SELECT,
      transaction: tx,
    });
  }

  /** One role by code as seen from `unitId` (grantable / inJurisdiction computed), visible or not. */
  async byCode(tx: Transaction | undefined, unitId: string, code: string): Promise<RoleRow | null> {
    const rows = await this.sequelize.query<RoleRow>(`${VIEW} WHERE r.code = :code`, {
      replacements: { jurisdictionUnitId: unitId, code },
      type: QueryTypes.SELECT,
      transaction: tx,
    });
    return rows[0] ?? null;
  }

  /** Roles by code (at least one), as seen from `unitId`; unknown codes are simply absent. */
  byCodes(tx: Transaction | undefined, unitId: string, codes: string[]) {
    return this.sequelize.query<RoleRow>(`${VIEW} WHERE r.code IN (:codes) ORDER BY r.code`, {
      replacements: { jurisdictionUnitId: unitId, codes },
      type: QueryTypes.SELECT,
      transaction: tx,
    });
  }

  codeExists(tx: Transaction, code: string) {
    return RoleModel.count({ where: { code }, transaction: tx }).then((n) => n > 0);
  }

  async create(tx: Transaction, r: { code: string; name: string; subsystem: string; modules: string[]; ownerUnitId: string | null }): Promise<Role> {
    return plain(await RoleModel.create(r, { transaction: tx }))!;
  }

  /** A role of the provincial catalogue unless its code exists (R5: the seeded catalogue). */
  async seed(tx: Transaction, r: { code: string; name: string; subsystem: string; modules: string[] }): Promise<void> {
    await RoleModel.findOrCreate({ where: { code: r.code }, defaults: { ...r, ownerUnitId: null }, transaction: tx });
  }

  async update(tx: Transaction, id: string, changes: { name?: string; modules?: string[]; status?: 'active' | 'disabled' }) {
    await RoleModel.update({ ...changes, updatedAt: dbNow() }, { where: { id }, transaction: tx });
  }

  /** Locks the role row for the rest of the transaction (concurrent edits of its modules race otherwise). */
  async lock(tx: Transaction, id: string): Promise<Role | null> {
    return plain(await RoleModel.findByPk(id, { transaction: tx, lock: tx.LOCK.UPDATE }));
  }

  /** The roles an account holds (any status), with their subsystems. */
  rolesOf(tx: Transaction, accountId: string) {
    return this.sequelize.query<{ id: string; code: string; subsystem: string }>(
      `SELECT r.id, r.code, r.subsystem FROM account_roles ar JOIN roles r ON r.id = ar.role_id
        WHERE ar.account_id = :accountId ORDER BY r.code`,
      { replacements: { accountId }, type: QueryTypes.SELECT, transaction: tx },
    );
  }

  /** Members of a role within one unit. */
  async members(tx: Transaction | undefined, roleId: string, unitId: string): Promise<string[]> {
    const rows = await this.sequelize.query<{ id: string }>(
      `SELECT a.id FROM account_roles ar JOIN accounts a ON a.id = ar.account_id
        WHERE ar.role_id = :roleId AND a.unit_id = :unitId ORDER BY ar.granted_at, a.id`,
      { replacements: { roleId, unitId }, type: QueryTypes.SELECT, transaction: tx },
    );
    return rows.map((r) => r.id);
  }

  /** Grants; true when the grant is new. */
  async grant(tx: Transaction, accountId: string, roleId: string, grantedBy: string): Promise<boolean> {
    const rows = await this.sequelize.query(
      `INSERT INTO account_roles (account_id, role_id, granted_by) VALUES (:accountId, :roleId, :grantedBy)
        ON CONFLICT DO NOTHING RETURNING account_id`,
      { replacements: { accountId, roleId, grantedBy }, type: QueryTypes.SELECT, transaction: tx },
    );
    return rows.length > 0;
  }

  /** Issue 8 (import batches) — grants in one statement; answers the pairs that are new (`accountId/roleId`). */
  async grantMany(tx: Transaction, pairs: Array<{ accountId: string; roleId: string }>, grantedBy: string): Promise<Set<string>> {
    if (!pairs.length) return new Set();
    const rows = await this.sequelize.query<{ account_id: string; role_id: string }>(
      `INSERT INTO account_roles (account_id, role_id, granted_by)
       SELECT a, r, :grantedBy FROM unnest(CAST(:accounts AS uuid[]), CAST(:roles AS uuid[])) AS t(a, r)
       ON CONFLICT DO NOTHING RETURNING account_id, role_id`,
      {
        replacements: { grantedBy, accounts: `{${pairs.map((p) => p.accountId).join(',')}}`, roles: `{${pairs.map((p) => p.roleId).join(',')}}` },
        type: QueryTypes.SELECT,
        transaction: tx,
      },
    );
    return new Set(rows.map((r) => `${r.account_id}/${r.role_id}`));
  }

  /** Revokes; true when there was a grant. */
  async revoke(tx: Transaction, accountId: string, roleId: string): Promise<boolean> {
    const rows = await this.sequelize.query(
      `DELETE FROM account_roles WHERE account_id = :accountId AND role_id = :roleId RETURNING account_id`,
      { replacements: { accountId, roleId }, type: QueryTypes.SELECT, transaction: tx },
    );
    return rows.length > 0;
  }
}
