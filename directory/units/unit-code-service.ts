import type { Database } from '../../platform/db/database.ts';
import { conflict, notFound } from '../../platform/errors.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import type { AccountRepository } from '../accounts/account-repository.ts';
import { authorize } from '../authz/policy.ts';
import type { AuditService } from '../audit/audit-service.ts';
import { uniqueConflict } from '../unique-conflicts.ts';
import type { UnitRepository } from './unit-repository.ts';
import { unitView } from './unit-view.ts';
import { acceptUscc } from './uscc-acceptance.ts';

/**
 * 临时社会信用代码 → the real one (issue 8, R1–R3). A unit created without a USCC carries a derived,
 * temporary code (R2); once it has its own, its administrator — or an administrator of the unit that
 * created it or is above it — replaces it. The code is checked like a new unit's (R1) and unique (R3);
 * the unit account's sign-in name follows it, and the old name stops working but tells whoever signs
 * in with it the new one. Units below keep their derived codes: a code is an identifier, not a path.
 */
export class UnitCodeService {
  constructor(private readonly deps: { db: Database; audit: AuditService; units: UnitRepository; accounts: AccountRepository }) {}

  async replace(actor: Actor, unitId: string, input: { uscc: string; usccOverride?: boolean | undefined }, meta: RequestMeta) {
    authorize(actor, 'unit.update');
    const code = acceptUscc(actor, input.uscc, input.usccOverride === true);
    try {
      return await this.deps.db.transaction(async (tx) => {
        if (!(await this.deps.units.findInJurisdiction(tx, actor.unitId, unitId))) throw notFound('unit.not_found', 'Unit not found');
        const unit = (await this.deps.units.lock(tx, unitId))!;
        if (!unit.derived) throw conflict('unit.code_not_temporary', 'The unit already has its own code; only a temporary (derived) code is replaced');
        if (await this.deps.units.findByUscc(tx, code)) throw conflict('unit.uscc_taken', `A unit with code ${code} already exists`);
        const updated = await this.deps.units.replaceCode(tx, unit, code, input.usccOverride === true);
        await this.deps.accounts.renameUnitAccount(tx, unit.id, code);
        await this.deps.audit.record(tx, {
          actor,
          action: 'unit.code-replace',
          target: { type: 'unit', id: unit.id },
          unitId: unit.id,
          details: { from: unit.uscc, to: code, usccOverride: updated.usccOverride },
          meta,
        });
        return unitView(updated);
      });
    } catch (err) {
      throw uniqueConflict(err) ?? err;
    }
  }
}
