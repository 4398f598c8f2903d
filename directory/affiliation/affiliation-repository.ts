import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { JURISDICTION_SQL } from '../authz/jurisdiction.ts';
import { AffiliationRequestModel, dbNow, plain, type AffiliationRequest } from '../models/index.ts';

/** Affiliation requests (R13/R14): the SQL of `affiliation_requests`. */
export class AffiliationRepository {
  private readonly sequelize: Sequelize;

  constructor(deps: { sequelize: Sequelize }) {
    this.sequelize = deps.sequelize;
  }

  async pendingOf(tx: Transaction, unitId: string): Promise<AffiliationRequest | null> {
    return plain(await AffiliationRequestModel.findOne({ where: { unitId, status: 'pending' }, transaction: tx }));
  }

  async create(tx: Transaction, r: { unitId: string; targetUnitId: string; requestedBy: string }): Promise<AffiliationRequest> {
    return plain(await AffiliationRequestModel.create(r, { transaction: tx }))!;
  }

  /** The request locked for the rest of the transaction. */
  async findForUpdate(tx: Transaction, id: string): Promise<AffiliationRequest | null> {
    return plain(await AffiliationRequestModel.findByPk(id, { transaction: tx, lock: tx.LOCK.UPDATE }));
  }

  /** Records the decision; returns the request as it now is. */
  async decide(tx: Transaction, id: string, d: { status: 'approved' | 'rejected'; decidedBy: string; reason: string | null }): Promise<AffiliationRequest> {
    const [, rows] = await AffiliationRequestModel.update({ ...d, decidedAt: dbNow() }, { where: { id }, returning: true, transaction: tx });
    return plain(rows[0]!)!;
  }

  /**
   * Requests `unitId` made, plus those it may decide — addressed to it (`decidable: 'own'`, an
   * administrator) or to a unit of its jurisdiction (`'jurisdiction'`, an hrss reviewer, R13) —
   * oldest first, after the cursor `(createdAt, id)` if given; `limit + 1` rows.
   */
  async list(f: {
    unitId: string;
    decidable: 'own' | 'jurisdiction';
    status?: string | undefined;
    limit: number;
    after?: [string, string] | undefined;
  }): Promise<AffiliationRequest[]> {
    const decidable =
      f.decidable === 'own' ? 'r.target_unit_id = :jurisdictionUnitId' : `r.target_unit_id IN (SELECT u.id FROM units u WHERE ${JURISDICTION_SQL})`;
    const rows = await this.sequelize.query<{ id: string }>(
      `SELECT r.id FROM affiliation_requests r
       WHERE (r.unit_id = :jurisdictionUnitId OR ${decidable}) ${f.status ? 'AND r.status = :status' : ''}
         ${f.after ? 'AND (r.created_at, r.id) > (CAST(:cAt AS timestamptz), CAST(:cId AS uuid))' : ''}
       ORDER BY r.created_at, r.id LIMIT :limit`,
      {
        replacements: { jurisdictionUnitId: f.unitId, status: f.status ?? null, limit: f.limit + 1, cAt: f.after?.[0] ?? null, cId: f.after?.[1] ?? null },
        type: QueryTypes.SELECT,
      },
    );
    const found = await AffiliationRequestModel.findAll({ where: { id: rows.map((r) => r.id) }, order: [['createdAt', 'ASC'], ['id', 'ASC']] });
    return found.map((r) => plain(r)!);
  }

  /**
   * Issue 8 inbox — pending requests waiting for a decision: addressed to `unitId` (`'own'`, its
   * administrator) or to a unit of its jurisdiction (`'jurisdiction'`, an hrss reviewer, R13); the
   * count and the oldest `limit`.
   */
  async waiting(f: { unitId: string; decidable: 'own' | 'jurisdiction'; limit: number }): Promise<{ count: number; items: AffiliationRequest[] }> {
    const where =
      f.decidable === 'own' ? 'r.target_unit_id = :jurisdictionUnitId' : `r.target_unit_id IN (SELECT u.id FROM units u WHERE ${JURISDICTION_SQL})`;
    const rows = await this.sequelize.query<{ id: string; total: string }>(
      `SELECT r.id, count(*) OVER () AS total FROM affiliation_requests r WHERE r.status = 'pending' AND ${where}
       ORDER BY r.created_at, r.id LIMIT :limit`,
      { replacements: { jurisdictionUnitId: f.unitId, limit: f.limit }, type: QueryTypes.SELECT },
    );
    const found = await AffiliationRequestModel.findAll({ where: { id: rows.map((r) => r.id) }, order: [['createdAt', 'ASC'], ['id', 'ASC']] });
    return { count: Number(rows[0]?.total ?? 0), items: found.map((r) => plain(r)!) };
  }
}
