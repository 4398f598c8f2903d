import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';

export interface MigrationRow {
  id: string;
  accountId: string;
  fromUnitId: string;
  toUnitId: string;
  status: 'pending' | 'accepted' | 'rejected';
}

export interface MigrationListRow extends MigrationRow {
  reason: string | null;
  createdAt: Date;
}

/** Operator migration requests (R11): the SQL of `migration_requests`. */
export class MigrationRepository {
  private readonly sequelize: Sequelize;

  constructor(deps: { sequelize: Sequelize }) {
    this.sequelize = deps.sequelize;
  }

  /**
   * Requests into or out of `unitId`, oldest first, after the cursor `(createdAt, id)` if given.
   * `created_at` is stamped in milliseconds by the database (migration 0004), like the cursor.
   */
  list(
    tx: Transaction | undefined,
    f: { unitId: string; status?: MigrationRow['status'] | undefined; limit: number; after?: [string, string] | undefined },
  ): Promise<MigrationListRow[]> {
    return this.sequelize.query<MigrationListRow>(
      `SELECT id, account_id AS "accountId", from_unit_id AS "fromUnitId", to_unit_id AS "toUnitId", status, reason,
         created_at AS "createdAt"
       FROM migration_requests WHERE (to_unit_id = :unitId OR from_unit_id = :unitId)
         ${f.status ? 'AND status = :status' : ''}
         ${f.after ? `AND (created_at, id) > (CAST(:cAt AS timestamptz), CAST(:cId AS uuid))` : ''}
       ORDER BY created_at, id LIMIT :limit`,
      {
        replacements: { unitId: f.unitId, status: f.status ?? null, limit: f.limit + 1, cAt: f.after?.[0] ?? null, cId: f.after?.[1] ?? null },
        type: QueryTypes.SELECT,
        transaction: tx,
      },
    );
  }

  /** A new pending request, or null when the account already has one (one pending migration per account). */
  async create(tx: Transaction, r: { accountId: string; fromUnitId: string; toUnitId: string; requestedBy: string }): Promise<string | null> {
    const [row] = await this.sequelize.query<{ id: string }>(
      `INSERT INTO migration_requests (account_id, from_unit_id, to_unit_id, requested_by)
       VALUES (:accountId, :fromUnitId, :toUnitId, :requestedBy) ON CONFLICT DO NOTHING RETURNING id`,
      { replacements: r, type: QueryTypes.SELECT, transaction: tx },
    );
    return row?.id ?? null;
  }

  /** The request locked for the rest of the transaction. */
  async findForUpdate(tx: Transaction, id: string): Promise<MigrationRow | null> {
    const [row] = await this.sequelize.query<MigrationRow>(
      `SELECT id, account_id AS "accountId", from_unit_id AS "fromUnitId", to_unit_id AS "toUnitId", status
       FROM migration_requests WHERE id = :id FOR UPDATE`,
      { replacements: { id }, type: QueryTypes.SELECT, transaction: tx },
    );
    return row ?? null;
  }

  async decide(tx: Transaction, id: string, d: { status: 'accepted' | 'rejected'; decidedBy: string; reason: string | null }): Promise<void> {
    await this.sequelize.query(
      `UPDATE migration_requests SET status = :status, decided_by = :decidedBy, decided_at = clock_timestamp(), reason = :reason WHERE id = :id`,
      { replacements: { id, ...d }, transaction: tx },
    );
  }

  /** Issue 8 inbox — migrations into `unitId` waiting for its administrator: the count and the oldest `limit`. */
  async waitingFor(unitId: string, limit: number): Promise<{ count: number; items: MigrationListRow[] }> {
    const rows = await this.sequelize.query<MigrationListRow & { total: string }>(
      `SELECT id, account_id AS "accountId", from_unit_id AS "fromUnitId", to_unit_id AS "toUnitId", status, reason,
         created_at AS "createdAt", count(*) OVER () AS total
       FROM migration_requests WHERE to_unit_id = :unitId AND status = 'pending' ORDER BY created_at, id LIMIT :limit`,
      { replacements: { unitId, limit }, type: QueryTypes.SELECT },
    );
    return { count: Number(rows[0]?.total ?? 0), items: rows.map(({ total: _, ...r }) => r) };
  }
}
