import { notFound } from '../../platform/errors.ts';
import { toPage } from '../../platform/pagination.ts';
import type { Actor } from '../actor.ts';
import { accountView } from '../accounts/account-view.ts';
import { authorize } from '../authz/policy.ts';
import type { AccountKind } from '../models/index.ts';
import type { UnitRepository } from '../units/unit-repository.ts';
import type { AccountQuestion, CleanupAccountRow, CleanupRepository, CleanupRoleRow, CleanupScope, UnitCountsRow } from './cleanup-repository.ts';
import { roleIdentity } from '../roles/role-view.ts';

/** "Not signed in for N days" when the caller names no N. */
export const DEFAULT_DORMANT_DAYS = 90;

interface Paging {
  limit: number;
  next?: string | undefined;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** An account of a clean-up list: the admin view (ID number and phone masked, R25) and what the list is about. */
const cleanupAccountView = (a: CleanupAccountRow) => ({
  ...accountView(a),
  unitName: a.unitName,
  lastSignInAt: iso(a.lastSignInAt),
  lastSignInMethod: a.lastSignInMethod,
  lockedAt: iso(a.lockedAt),
  missing: a.missing,
});

const cleanupRoleView = (r: CleanupRoleRow) => ({ ...roleIdentity(r), members: r.members });

/**
 * Issue 8 — keeping the account system clean (清理离职、离岗人员账号; 完善账号体系; 大量无效角色): the lists
 * a unit acts on, over its jurisdiction (R10) or the subtree of one of its units: accounts never
 * signed in, dormant, locked (R19), incomplete, operators without an active role; roles no one
 * holds and roles whose subsystem no member used since it was granted; counts per unit. Only live
 * accounts (R12) count: ended ones are already cleaned. Person data masked (R25).
 */
export class CleanupService {
  constructor(private readonly deps: { cleanup: CleanupRepository; units: UnitRepository }) {}

  async accounts(actor: Actor, question: AccountQuestion, f: Paging & { unitId?: string | undefined; kind?: AccountKind | undefined; days?: number | undefined }) {
    const scope = await this.scope(actor, f.unitId);
    const days = f.days ?? DEFAULT_DORMANT_DAYS;
    const rows = await this.deps.cleanup.accounts({ ...scope, question, days, kind: f.kind, limit: f.limit, next: f.next });
    const key = (r: CleanupAccountRow) => [new Date(question === 'dormant' ? r.idleSince : r.createdAt).toISOString(), r.id];
    return toPage(rows, f.limit, key, cleanupAccountView);
  }

  async roles(actor: Actor, which: 'unheld' | 'unused', f: Paging & { unitId?: string | undefined; subsystem?: string | undefined }) {
    const scope = await this.scope(actor, f.unitId);
    const rows = await this.deps.cleanup.roles({ ...scope, which, subsystem: f.subsystem, limit: f.limit, next: f.next });
    return toPage(rows, f.limit, (r) => [r.code], cleanupRoleView);
  }

  /** Each unit of the scope with its own counts, paged, and the totals of the whole scope (on every page). */
  async unitCounts(actor: Actor, f: Paging & { unitId?: string | undefined; days?: number | undefined }) {
    const scope = await this.scope(actor, f.unitId);
    const days = f.days ?? DEFAULT_DORMANT_DAYS;
    const [rows, totals] = await Promise.all([
      this.deps.cleanup.unitCounts({ ...scope, days, limit: f.limit, next: f.next }),
      this.deps.cleanup.scopeTotals({ ...scope, days }),
    ]);
    return { ...toPage(rows, f.limit, (r) => [r.name, r.unitId], (r: UnitCountsRow) => r), totals };
  }

  /** R10 — the caller's jurisdiction, narrowed to the subtree of `unitId`; a unit outside it is not found. */
  private async scope(actor: Actor, unitId: string | undefined): Promise<CleanupScope> {
    authorize(actor, 'cleanup.read');
    const subtreeUnitId = unitId ?? actor.unitId;
    if (!(await this.deps.units.inJurisdiction(undefined, actor.unitId, subtreeUnitId))) throw notFound('unit.not_found', 'Unit not found');
    return { jurisdictionUnitId: actor.unitId, subtreeUnitId };
  }
}
