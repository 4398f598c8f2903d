import type { Transaction } from 'sequelize';
import type { Database } from '../../platform/db/database.ts';
import { conflict, notFound } from '../../platform/errors.ts';
import { decodeCursor, toPage } from '../../platform/pagination.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { authorize } from '../authz/policy.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { Account } from '../models/index.ts';
import type { AccountPowerGuard } from '../authz/account-power-guard.ts';
import type { UnitRepository } from '../units/unit-repository.ts';
import type { AccountEnding } from './account-ending.ts';
import type { AccountRepository } from './account-repository.ts';
import type { MigrationRepository, MigrationRow } from './migration-repository.ts';
import { accountView } from './account-view.ts';

/**
 * R11 — operator migration (调动). The old unit's administrator asks; the new unit's administrator
 * accepts (or an administrator of a unit above both does it at once). The account id — the token
 * `sub` — stays; its roles are removed; its sessions and tokens at the old unit end.
 */
export class MigrationService {
  constructor(
    private readonly deps: {
      db: Database;
      audit: AuditService;
      accounts: AccountRepository;
      units: UnitRepository;
      requests: MigrationRepository;
      ending: AccountEnding;
      powers: AccountPowerGuard;
    },
  ) {}

  /** Migrations into or out of the caller's unit — how the new unit's administrator finds what to accept. */
  async list(actor: Actor, f: { status?: MigrationRow['status'] | undefined; limit: number; next?: string | undefined }) {
    authorize(actor, 'account.migrate');
    const cursor = decodeCursor(f.next, ['timestamp', 'uuid']);
    const rows = await this.deps.requests.list(undefined, {
      unitId: actor.unitId,
      status: f.status,
      limit: f.limit,
      after: cursor ? [cursor[0] as string, cursor[1] as string] : undefined,
    });
    return toPage(rows, f.limit, (r) => [new Date(r.createdAt).toISOString(), r.id], (r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() }));
  }

  async request(actor: Actor, accountId: string, toUnitId: string, meta: RequestMeta) {
    authorize(actor, 'account.migrate');
    const { result, after } = await this.deps.db.transaction(async (tx) => {
      const account = await this.deps.accounts.findForUpdate(tx, accountId);
      if (!account || !(await this.deps.units.inJurisdiction(tx, actor.unitId, account.unitId))) throw notFound('account.not_found', 'Account not found');
      if (account.kind !== 'operator' || account.status !== 'active') throw conflict('account.not_migratable', 'Only active operator accounts migrate');
      const target = await this.deps.units.findById(tx, toUnitId);
      if (!target || target.status !== 'active') throw notFound('unit.not_found', 'Unit not found');
      if (target.id === account.unitId) throw conflict('account.same_unit', 'The account is already in that unit');
      const commonUpper = account.unitId !== actor.unitId && (await this.deps.units.inJurisdiction(tx, actor.unitId, target.id));
      // Issue 5 item 1: the own unit's administrator within its scope (R6, R10), or a scope-all unit above both (R11).
      await this.deps.powers.check(tx, actor, account, { purpose: commonUpper ? 'migrate' : 'act' });
      if (commonUpper) {
        const after = await this.move(tx, actor, account, target.id, meta);
        return { result: { status: 'accepted' as const, account: accountView((await this.deps.accounts.view(tx, accountId))!) }, after };
      }
      const requestId = await this.deps.requests.create(tx, { accountId, fromUnitId: account.unitId, toUnitId: target.id, requestedBy: actor.accountId });
      if (!requestId) throw conflict('migration.pending_exists', 'A migration of this account is already pending');
      await this.deps.audit.record(tx, { actor, action: 'account.migrate-request', target: { type: 'account', id: accountId }, unitId: account.unitId, details: { toUnitId: target.id, requestId }, meta });
      return { result: { status: 'pending' as const, requestId }, after: async () => {} };
    });
    await after();
    return result;
  }

  /** The new unit's administrator accepts or rejects a pending migration into its unit. */
  async decide(actor: Actor, requestId: string, accept: boolean, reason: string | undefined, meta: RequestMeta) {
    authorize(actor, 'account.migrate');
    const { result, after } = await this.deps.db.transaction(async (tx) => {
      const req = await this.deps.requests.findForUpdate(tx, requestId);
      if (!req || req.toUnitId !== actor.unitId) throw notFound('migration.not_found', 'Migration request not found');
      if (req.status !== 'pending') throw conflict('migration.decided', 'The request is already decided');
      await this.deps.requests.decide(tx, req.id, { status: accept ? 'accepted' : 'rejected', decidedBy: actor.accountId, reason: reason ?? null });
      let after = async () => {};
      const account = (await this.deps.accounts.findForUpdate(tx, req.accountId))!;
      if (accept) {
        if (account.status !== 'active' || account.unitId !== req.fromUnitId) throw conflict('account.not_migratable', 'The account changed since the request');
        after = await this.move(tx, actor, account, req.toUnitId, meta);
      } else {
        await this.deps.audit.record(tx, { actor, action: 'account.migrate-reject', target: { type: 'account', id: account.id }, unitId: req.toUnitId, reason: reason ?? null, meta });
      }
      return { result: { id: req.id, status: accept ? ('accepted' as const) : ('rejected' as const) }, after };
    });
    await after();
    return result;
  }

  private async move(tx: Transaction, actor: Actor, account: Account, toUnitId: string, meta: RequestMeta) {
    const target = (await this.deps.units.findById(tx, toUnitId))!;
    if (await this.deps.accounts.findActive(tx, { personId: account.personId!, unitId: target.id, kind: 'operator' })) throw conflict('account.exists', 'This person already has an operator account in that unit');
    const fromUnitId = account.unitId;
    const removedRoles = await this.deps.accounts.removeRoles(tx, account.id);
    await this.deps.accounts.moveTo(tx, account.id, target);
    const after = await this.deps.ending.endSessions(tx, account.id);
    await this.deps.audit.record(tx, {
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
