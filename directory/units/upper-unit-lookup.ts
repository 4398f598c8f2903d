import type { Database } from '../../platform/db/database.ts';
import { tooManyRequests } from '../../platform/errors.ts';
import { toPage } from '../../platform/pagination.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { authorize } from '../authz/policy.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { ThrottleRepository } from '../credentials/throttle-repository.ts';
import type { UnitKind } from '../models/index.ts';
import { nameSearch, type UnitRepository, type UnitRow } from './unit-repository.ts';

/** Lookups one administrator may make per window before being told to wait (a lookup reads other branches). */
export const UPPER_LOOKUP_LIMIT = 30;
export const UPPER_LOOKUP_WINDOW_SECONDS = 60;

export interface UpperUnitFilter {
  q?: string | undefined;
  area?: string | undefined;
  kind?: 'hrss' | 'competent' | undefined;
  limit: number;
  next?: string | undefined;
}

/** All a choice needs — never administrators, accounts, subordinates or the tree (issue 8). */
const choiceView = (u: UnitRow) => ({ id: u.id, name: u.name, code: u.uscc, kind: u.kind, level: u.level, area: u.adminDivision });

/**
 * 主管部门更改 → 查询主管部门 → 选择 (issue 8, R13): a unit about to ask for affiliation finds its upper
 * unit by name, code or area anywhere in the province — outside its jurisdiction, so the answer is
 * only what the choice needs, every lookup is audited, and an actor's lookups are throttled (a
 * province-wide read must not become a way to copy the directory). Only units the caller's unit may
 * be affiliated to are offered (R13 `canAffiliate`: a county bureau sees city bureaus, a competent
 * department hrss bureaus, an employer hrss bureaus and competent departments), never itself or a
 * unit below it.
 */
export class UpperUnitLookup {
  constructor(private readonly deps: { db: Database; audit: AuditService; units: UnitRepository; throttles: ThrottleRepository }) {}

  async find(actor: Actor, filter: UpperUnitFilter, meta: RequestMeta) {
    authorize(actor, 'affiliation.create');
    const unit = (await this.deps.units.findById(undefined, actor.unitId))!;
    const allowed = upperKinds(unit);
    const details = { q: filter.q ?? null, area: filter.area ?? null, kind: filter.kind ?? null };
    const throttled = await this.deps.db.transaction(async (tx) => {
      const hits = await this.deps.throttles.hit(`upper-lookup:${actor.accountId}`, UPPER_LOOKUP_WINDOW_SECONDS, tx);
      if (hits <= UPPER_LOOKUP_LIMIT) return false;
      await this.deps.audit.record(tx, { actor, action: 'unit.lookup-upper', result: 'failure', reason: 'throttled', unitId: actor.unitId, details, meta });
      return true;
    });
    if (throttled) {
      throw tooManyRequests('unit.lookup_throttled', 'Too many unit lookups; try again in a minute', { retryAfterSeconds: UPPER_LOOKUP_WINDOW_SECONDS });
    }
    const kinds = allowed.kinds.filter((k) => !filter.kind || k === filter.kind);
    const q = filter.q?.trim();
    const rows = kinds.length
      ? await this.deps.units.lookupUpper({
          selfId: unit.id,
          kinds,
          levels: allowed.levels,
          area: filter.area,
          name: q ? nameSearch(q) : undefined,
          limit: filter.limit,
          next: filter.next,
        })
      : [];
    const page = toPage(rows, filter.limit, (r) => [r.rank, r.len, r.name, r.id], choiceView);
    await this.deps.db.transaction((tx) =>
      this.deps.audit.record(tx, { actor, action: 'unit.lookup-upper', unitId: actor.unitId, details: { ...details, found: page.items.length }, meta }),
    );
    return page;
  }
}

/** The kinds (and hrss levels) a unit may be affiliated to, as R13's `canAffiliate` says, hrss and competent only. */
function upperKinds(unit: Pick<UnitRow, 'kind' | 'level'>): { kinds: UnitKind[]; levels?: Array<'province' | 'city' | 'county'> } {
  if (unit.kind === 'hrss') {
    const level = unit.level === 'county' ? 'city' : unit.level === 'city' ? 'province' : undefined;
    return level ? { kinds: ['hrss'], levels: [level] } : { kinds: [] };
  }
  if (unit.kind === 'competent') return { kinds: ['hrss'] };
  return { kinds: ['hrss', 'competent'] };
}
