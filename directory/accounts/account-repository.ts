import { Op, QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { decodeCursor } from '../../platform/pagination.ts';
import { AccountModel, type AccountKind, type AccountStatus } from '../models/index.ts';

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

/** Accounts and their readable view (person data masked, R25). */
export class AccountRepository {
  constructor(private readonly sequelize: Sequelize) {}

  findById(tx: Transaction | undefined, id: string) {
    return AccountModel.findByPk(id, { transaction: tx });
  }

  /** The account row locked for the rest of the transaction (status changes race otherwise). */
  findForUpdate(tx: Transaction, id: string) {
    return AccountModel.findByPk(id, { transaction: tx, lock: tx.LOCK.UPDATE });
  }

  async view(tx: Transaction | undefined, id: string): Promise<AccountRow | null> {
    const rows = await this.sequelize.query<AccountRow>(`${VIEW} WHERE a.id = :id`, {
      replacements: { id },
      type: QueryTypes.SELECT,
      transaction: tx,
    });
    return rows[0] ?? null;
  }

  list(tx: Transaction | undefined, f: AccountFilter): Promise<AccountRow[]> {
    const where = ['a.unit_id = ANY(CAST(:unitIds AS uuid[]))'];
    const replacements: Record<string, unknown> = { unitIds: `{${f.unitIds.join(',')}}`, limit: f.limit + 1 };
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

  activeAdmins(tx: Transaction | undefined, unitId: string) {
    return AccountModel.findAll({ where: { unitId, kind: 'admin', status: 'active' }, transaction: tx });
  }

  unitAccount(tx: Transaction | undefined, unitId: string) {
    return AccountModel.findOne({ where: { unitId, kind: 'unit' }, transaction: tx });
  }

  activeAccountsOfPerson(tx: Transaction | undefined, personId: string) {
    return AccountModel.findAll({ where: { personId, status: 'active' }, transaction: tx, order: [['createdAt', 'ASC']] });
  }

  activeAccountIdsOfUnits(tx: Transaction, unitIds: string[]) {
    return AccountModel.findAll({ where: { unitId: { [Op.in]: unitIds }, status: 'active' }, attributes: ['id'], transaction: tx });
  }

  async removeRoles(tx: Transaction, accountId: string): Promise<string[]> {
    const rows = await this.sequelize.query<{ code: string }>(
      `DELETE FROM account_roles ar USING roles r WHERE ar.account_id = :accountId AND r.id = ar.role_id RETURNING r.code`,
      { replacements: { accountId }, type: QueryTypes.SELECT, transaction: tx },
    );
    return rows.map((r) => r.code);
  }
}
