import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { decodeCursor } from '../../platform/pagination.ts';
import { dbNow, plain, RoleChangeRequestModel, type RoleChangeHistoryEntry, type RoleChangeRequest } from '../models/index.ts';

export interface RoleChangeRow {
  id: string;
  fromUnitId: string;
  roleId: string | null;
  roleCode: string | null;
  proposal: Record<string, unknown>;
  status: 'pending' | 'accepted' | 'rejected' | 'answered';
  currentReviewerUnitId: string | null;
  history: RoleChangeHistoryEntry[];
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

const VIEW = `SELECT c.id, c.from_unit_id AS "fromUnitId", c.role_id AS "roleId", r.code AS "roleCode", c.proposal,
    c.status, c.current_reviewer_unit_id AS "currentReviewerUnitId", c.history, c.created_by AS "createdBy",
    c.created_at AS "createdAt", c.updated_at AS "updatedAt"
  FROM role_change_requests c LEFT JOIN roles r ON r.id = c.role_id`;

/** R16 — a unit sees the requests it submitted, must review, or has reviewed (forwarded or answered). */
const INVOLVED_SQL = `(c.from_unit_id = :unitId OR c.current_reviewer_unit_id = :unitId
  OR c.history @> CAST(:involved AS jsonb))`;

/** Role-change requests (feedback on the role catalogue, R16). */
export class RoleChangeRepository {
  private readonly sequelize: Sequelize;

  constructor(deps: { sequelize: Sequelize }) {
    this.sequelize = deps.sequelize;
  }

  /**
   * The nearest active hrss unit above `unitId` on its confirmed path (county → city → province),
   * or null when the unit has no confirmed hrss unit above it.
   */
  async nextReviewer(tx: Transaction, unitId: string): Promise<string | null> {
    const rows = await this.sequelize.query<{ id: string }>(
      `SELECT a.id FROM units self CROSS JOIN LATERAL unnest(self.path) WITH ORDINALITY AS p(id, n)
         JOIN units a ON a.id = p.id
        WHERE self.id = :unitId AND a.id <> self.id AND a.kind = 'hrss' AND a.status = 'active'
        ORDER BY p.n DESC LIMIT 1`,
      { replacements: { unitId }, type: QueryTypes.SELECT, transaction: tx },
    );
    return rows[0]?.id ?? null;
  }

  async create(
    tx: Transaction,
    r: { fromUnitId: string; roleId: string | null; proposal: Record<string, unknown>; reviewerUnitId: string; createdBy: string; history: RoleChangeHistoryEntry[] },
  ): Promise<RoleChangeRequest> {
    const created = await RoleChangeRequestModel.create(
      { fromUnitId: r.fromUnitId, roleId: r.roleId, proposal: r.proposal, currentReviewerUnitId: r.reviewerUnitId, createdBy: r.createdBy, history: r.history },
      { transaction: tx },
    );
    return plain(created)!;
  }

  /** The request locked for the rest of the transaction, if `unitId` is involved in it. */
  async lockInvolved(tx: Transaction, unitId: string, id: string) {
    const [row] = await this.sequelize.query<{ id: string }>(
      `SELECT c.id FROM role_change_requests c WHERE c.id = :id AND ${INVOLVED_SQL} FOR UPDATE`,
      { replacements: this.involved(unitId, { id }), type: QueryTypes.SELECT, transaction: tx },
    );
    return row ? this.view(tx, row.id) : null;
  }

  async view(tx: Transaction | undefined, id: string): Promise<RoleChangeRow | null> {
    const rows = await this.sequelize.query<RoleChangeRow>(`${VIEW} WHERE c.id = :id`, {
      replacements: { id },
      type: QueryTypes.SELECT,
      transaction: tx,
    });
    return rows[0] ?? null;
  }

  async findInvolved(tx: Transaction | undefined, unitId: string, id: string): Promise<RoleChangeRow | null> {
    const rows = await this.sequelize.query<RoleChangeRow>(`${VIEW} WHERE c.id = :id AND ${INVOLVED_SQL}`, {
      replacements: this.involved(unitId, { id }),
      type: QueryTypes.SELECT,
      transaction: tx,
    });
    return rows[0] ?? null;
  }

  /** Newest first. `box`: `submitted` (by the unit), `review` (waiting for the unit), or everything involving it. */
  list(tx: Transaction | undefined, unitId: string, f: { status?: string | undefined; box?: 'submitted' | 'review' | undefined; limit: number; next?: string | undefined }) {
    const where = [INVOLVED_SQL];
    const replacements = this.involved(unitId, { limit: f.limit + 1 });
    if (f.box === 'submitted') where.push('c.from_unit_id = :unitId');
    if (f.box === 'review') where.push('c.current_reviewer_unit_id = :unitId');
    if (f.status) (where.push('c.status = :status'), (replacements.status = f.status));
    const cursor = decodeCursor(f.next, ['timestamp', 'uuid']);
    if (cursor) {
      where.push('(c.created_at, c.id) < (CAST(:cAt AS timestamptz), CAST(:cId AS uuid))');
      Object.assign(replacements, { cAt: cursor[0], cId: cursor[1] });
    }
    return this.sequelize.query<RoleChangeRow>(
      `${VIEW} WHERE ${where.join(' AND ')} ORDER BY c.created_at DESC, c.id DESC LIMIT :limit`,
      { replacements, type: QueryTypes.SELECT, transaction: tx },
    );
  }

  async update(tx: Transaction, id: string, changes: { status?: RoleChangeRow['status']; currentReviewerUnitId: string | null; history: RoleChangeHistoryEntry[]; roleId?: string }) {
    await RoleChangeRequestModel.update({ ...changes, updatedAt: dbNow() }, { where: { id }, transaction: tx });
  }

  /** Issue 8 inbox — requests whose next step is `unitId`'s (R16): the count and the oldest `limit`. */
  async waitingFor(unitId: string, limit: number): Promise<{ count: number; items: RoleChangeRow[] }> {
    const rows = await this.sequelize.query<RoleChangeRow & { total: string }>(
      `${VIEW.replace(/^SELECT /, 'SELECT count(*) OVER () AS total, ')} WHERE c.current_reviewer_unit_id = :unitId AND c.status = 'pending'
       ORDER BY c.created_at, c.id LIMIT :limit`,
      { replacements: { unitId, limit }, type: QueryTypes.SELECT },
    );
    return { count: Number(rows[0]?.total ?? 0), items: rows.map(({ total: _, ...r }) => r) };
  }

  private involved(unitId: string, extra: Record<string, unknown>): Record<string, unknown> {
    return { unitId, involved: JSON.stringify([{ unitId }]), ...extra };
  }
}
