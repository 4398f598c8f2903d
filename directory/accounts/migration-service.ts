import { QueryTypes, type Transaction } from 'sequelize';
import type { BaseContext } from '../../server/context.ts';
import { conflict, notFound } from '../../platform/errors.ts';
import { decodeCursor, toPage } from '../../platform/pagination.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { authorize } from '../authz/policy.ts';
import { isInJurisdiction } from '../authz/jurisdiction.ts';
import type { AccountModel } from '../models/index.ts';
import type { AccountPowerGuard } from '../authz/account-power-guard.ts';
import type { UnitRepository } from '../units/unit-repository.ts';
import type { AccountEnding } from './account-ending.ts';
import type { AccountRepository } from './account-repository.ts';
import { accountView } from './account-service.ts';

interface MigrationRow {
  id: string;
  accountId: string;
  fromUnitId: string;
  toUnitId: string;
  status: 'pending' | 'accepted' | 'rejected';
}

/**
 * R11 — operator migration (调动). The old unit's administrator asks; the new unit's administrator
 * accepts (or an administrator of a unit above both does it at once). The account id — the token
 * `sub` — stays; its roles are removed; its sessions and tokens at the old unit end.
 */
export class MigrationService {
  constructor(
    private readonly base: BaseContext,
    private readonly accounts: AccountRepository,
    private readonly units: UnitRepository,
    private readonly ending: AccountEnding,
    private readonly powers: AccountPowerGuard,
  ) {}

  /**
   * Migrations into or out of the caller's unit — how the new unit's administrator finds what to
   * accept. `created_at` comes from the database in microseconds and the cursor holds milliseconds:
   * rows are ordered and compared at the cursor's precision, or a page boundary repeats or skips rows.
   */
  async list(actor: Actor, f: { status?: MigrationRow['status'] | undefined; limit: number; next?: string | undefined }) {
    authorize(actor, 'account.migrate');
    const cursor = decodeCursor(f.next, ['timestamp', 'uuid']);
    const rows = await this.base.db.sequelize.query<MigrationRow & { createdAt: Date; reason: string | null }>(
      `SELECT id, account_id AS "accountId", from_unit_id AS "fromUnitId", to_unit_id AS "toUnitId", status, reason,
         created_at AS "createdAt"
       FROM migration_requests WHERE (to_unit_id = :unitId OR from_unit_id = :unitId)
         ${f.status ? 'AND status = :status' : ''}
         ${cursor ? `AND (date_trunc('milliseconds', created_at), id) > (CAST(:cAt AS timestamptz), CAST(:cId AS uuid))` : ''}
       ORDER BY date_trunc('milliseconds', created_at), id LIMIT :limit`,
      {
        replacements: { unitId: actor.unitId, status: f.status ?? null, limit: f.limit + 1, cAt: cursor?.[0] ?? null, cId: cursor?.[1] ?? null },
        type: QueryTypes.SELECT,
      },
    );
    return toPage(rows, f.limit, (r) => [new Date(r.createdAt).toISOString(), r.id], (r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() }));
  }

  async request(actor: Actor, accountId: string, toUnitId: string, meta: RequestMeta) {
    authorize(actor, 'account.migrate');
    const { result, after } = await this.base.db.transaction(async (tx) => {
      const account = await this.accounts.findForUpdate(tx, accountId);
      const sql = this.base.db.sequelize;
      if (!account || !(await isInJurisdiction(sql, actor.unitId, account.unitId, tx))) throw notFound('account.not_found', 'Account not found');
      if (account.kind !== 'operator' || account.status !== 'active') throw conflict('account.not_migratable', 'Only active operator accounts migrate');
      const target = await this.units.findById(tx, toUnitId);
      if (!target || target.status !== 'active') throw notFound('unit.not_found', 'Unit not found');
      if (target.id === account.unitId) throw conflict('account.same_unit', 'The account is already in that unit');
      const commonUpper = account.unitId !== actor.unitId && (await isInJurisdiction(sql, actor.unitId, target.id, tx));
      // Issue 5 item 1: the own unit's administrator within its scope (R6, R10), or a scope-all unit above both (R11).
      await this.powers.check(tx, actor, account, { purpose: commonUpper ? 'migrate' : 'act' });
      if (commonUpper) {
        const after = await this.move(tx, actor, account, target.id, meta);
        return { result: { status: 'accepted' as const, account: accountView((await this.accounts.view(tx, accountId))!) }, after };
      }
      const [row] = await sql.query<{ id: string }>(
        `INSERT INTO migration_requests (account_id, from_unit_id, to_unit_id, requested_by)
         VALUES (:accountId, :from, :to, :by) ON CONFLICT DO NOTHING RETURNING id`,
        { replacements: { accountId, from: account.unitId, to: target.id, by: actor.accountId }, type: QueryTypes.SELECT, transaction: tx },
      );
      if (!row) throw conflict('migration.pending_exists', 'A migration of this account is already pending');
      await this.base.audit.record(tx, { actor, action: 'account.migrate-request', target: { type: 'account', id: accountId }, unitId: account.unitId, details: { toUnitId: target.id, requestId: row.id }, meta });
      return { result: { status: 'pending' as const, requestId: row.id }, after: async () => {} };
    });
    await after();
    return result;
  }

  /** The new unit's administrator accepts or rejects a pending migration into its unit. */
  async decide(actor: Actor, requestId: string, accept: boolean, reason: string | undefined, meta: RequestMeta) {
    authorize(actor, 'account.migrate');
    const { result, after } = await this.base.db.transaction(async (tx) => {
      const [req] = await this.base.db.sequelize.query<MigrationRow>(
        `SELECT id, account_id AS "accountId", from_unit_id AS "fromUnitId", to_unit_id AS "toUnitId", status
         FROM migration_requests WHERE id = :id FOR UPDATE`,
        { replacements: { id: requestId }, type: QueryTypes.SELECT, transaction: tx },
      );
      if (!req || req.toUnitId !== actor.unitId) throw notFound('migration.not_found', 'Migration request not found');
      if (req.status !== 'pending') throw conflict('migration.decided', 'The request is already decided');
      await this.base.db.sequelize.query(
        `UPDATE migration_requests SET status = :status, decided_by = :by, decided_at = now(), reason = :reason WHERE id = :id`,
        { replacements: { status: accept ? 'accepted' : 'rejected', by: actor.accountId, reason: reason ?? null, id: req.id }, transaction: tx },
      );
      let after = async () => {};
      const account = (await this.accounts.findForUpdate(tx, req.accountId))!;
      if (accept) {
        if (account.status !== 'active' || account.unitId !== req.fromUnitId) throw conflict('account.not_migratable', 'The account changed since the request');
        after = await this.move(tx, actor, account, req.toUnitId, meta);
      } else {
        await this.base.audit.record(tx, { actor, action: 'account.migrate-reject', target: { type: 'account', id: account.id }, unitId: req.toUnitId, reason: reason ?? null, meta });
      }
      return { result: { id: req.id, status: accept ? ('accepted' as const) : ('rejected' as const) }, after };
    });
    await after();
    return result;
  }

  private async move(tx: Transaction, actor: Actor, account: AccountModel, toUnitId: string, meta: RequestMeta) {
    const target = (await this.units.findById(tx, toUnitId))!;
    const clash = await this.base.db.sequelize.query(
      `SELECT 1 FROM accounts WHERE person_id = :p AND unit_id = :u AND kind = 'operator' AND status = 'active'`,
      { replacements: { p: account.personId, u: target.id }, type: QueryTypes.SELECT, transaction: tx },
    );
    if (clash.length) throw conflict('account.exists', 'This person already has an operator account in that unit');
    const fromUnitId = account.unitId;
    const removedRoles = await this.accounts.removeRoles(tx, account.id);
    await account.update({ unitId: target.id, unitKind: target.kind, updatedAt: new Date() }, { transaction: tx });
    const after = await this.ending.endSessions(tx, account.id);
    await this.base.audit.record(tx, {
      actor,
      action: 'account.migrate',
      target: { type: 'account', id: account.id },
      unitId: target.id,
      details: { fromUnitId, toUnitId: target.id, removedRoles },
      meta,
    });
    return after;
  }
}
