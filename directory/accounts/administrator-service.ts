import type { Transaction } from 'sequelize';
import { conflict, notFound } from '../../platform/errors.ts';
import type { Database } from '../../platform/db/database.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import type { AccountPowerGuard } from '../authz/account-power-guard.ts';
import { authorize } from '../authz/policy.ts';
import type { Account } from '../models/index.ts';
import type { UnitRepository } from '../units/unit-repository.ts';
import type { AccountRepository } from './account-repository.ts';
import { accountView } from './account-view.ts';

const hasAllScope = (scope: readonly string[] | null) => scope === null || scope.includes('all');

/** `['all']` absorbs everything else; otherwise the subsystems, once each, sorted. */
export const normalizeScope = (scope: readonly string[]) => (scope.includes('all') ? ['all'] : [...new Set(scope)].sort());

/**
 * R6 — a unit replaces and retires its administrators: a non-hrss unit keeps exactly one active
 * administrator (replaced through PUT /units/{id}/admin, never retired), an hrss unit keeps at
 * least one with scope `all` and may have several scoped ones, which can be re-scoped or retired.
 */
export class AdministratorService {
  constructor(
    private readonly deps: { db: Database; audit: AuditService; accounts: AccountRepository; units: UnitRepository; powers: AccountPowerGuard },
  ) {}

  /**
   * R6 — refuses to end an active administrator when its unit would be left without what R6
   * requires. Locks the unit row first: two retirements racing would otherwise each see the other
   * administrator still active and both commit.
   */
  async assertMayRetire(tx: Transaction, account: Account): Promise<void> {
    if (account.kind !== 'admin' || account.status !== 'active') return;
    const unit = (await this.deps.units.lock(tx, account.unitId))!;
    if (unit.kind !== 'hrss') {
      throw conflict('unit.last_admin', "A unit keeps exactly one active administrator (R6): replace it with PUT /units/{id}/admin", {
        rule: 'R6',
        unitId: unit.id,
      });
    }
    if (hasAllScope(account.scope)) await this.assertAnotherAllScope(tx, account);
  }

  /** R6 — changes an hrss administrator's scope; the actor must cover it both before and after (issue 5 item 1). */
  async rescope(actor: Actor, id: string, requested: string[], meta: RequestMeta) {
    authorize(actor, 'unit.change-admin');
    const scope = normalizeScope(requested);
    return this.deps.db.transaction(async (tx) => {
      const account = await this.deps.accounts.findForUpdate(tx, id);
      if (!account) throw notFound('account.not_found', 'Account not found');
      await this.deps.powers.check(tx, actor, account);
      if (account.kind !== 'admin' || account.unitKind !== 'hrss') {
        throw conflict('account.not_hrss_admin', 'Only administrators of hrss units have a scope (R6)', { rule: 'R6' });
      }
      if (account.status !== 'active') throw conflict('account.not_active', 'The account is not active');
      await this.deps.powers.check(tx, actor, { id: account.id, kind: 'admin', unitId: account.unitId, scope });
      const before = account.scope ?? [];
      if (before.join() === scope.join()) return accountView((await this.deps.accounts.view(tx, id))!); // nothing to write or audit
      if (hasAllScope(before) && !hasAllScope(scope)) {
        await this.deps.units.lock(tx, account.unitId);
        await this.assertAnotherAllScope(tx, account);
      }
      // The actor loader reads the scope live on every request: the new scope applies at once.
      await this.deps.accounts.setScope(tx, account.id, scope);
      await this.deps.audit.record(tx, {
        actor,
        action: 'account.rescope',
        target: { type: 'account', id },
        unitId: account.unitId,
        details: { before, after: scope },
        meta,
      });
      return accountView((await this.deps.accounts.view(tx, id))!);
    });
  }

  private async assertAnotherAllScope(tx: Transaction, account: Account) {
    const others = (await this.deps.accounts.activeAdmins(tx, account.unitId)).filter((a) => a.id !== account.id && hasAllScope(a.scope));
    if (!others.length) {
      throw conflict(
        'unit.last_admin',
        'An hrss unit keeps at least one administrator with scope all (R6): replace it with PUT /units/{id}/admin, or give another administrator scope all first',
        { rule: 'R6', unitId: account.unitId },
      );
    }
  }
}
