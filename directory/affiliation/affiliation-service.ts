import type { Transaction } from 'sequelize';
import type { Database } from '../../platform/db/database.ts';
import { conflict, forbidden, notFound } from '../../platform/errors.ts';
import { decodeCursor, toPage } from '../../platform/pagination.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { authorize } from '../authz/policy.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { AffiliationRequest } from '../models/index.ts';
import type { AffiliationRepository } from './affiliation-repository.ts';
import { canAffiliate } from '../units/creation-rules.ts';
import type { UnitRepository } from '../units/unit-repository.ts';

/** An affiliation request as the API shows it. */
export const affiliationRequestView = (r: AffiliationRequest) => ({
  id: r.id,
  unitId: r.unitId,
  targetUnitId: r.targetUnitId,
  status: r.status,
  requestedBy: r.requestedBy,
  decidedBy: r.decidedBy ?? null,
  reason: r.reason ?? null,
  createdAt: new Date(r.createdAt).toISOString(),
  decidedAt: r.decidedAt ? new Date(r.decidedAt).toISOString() : null,
});

/**
 * R13/R14 — affiliation (归口): the subordinate's administrator asks an upper unit; the upper unit's
 * administrator (or an hrss operator holding `org.affiliation-reviewer` whose jurisdiction holds the
 * upper unit) approves or rejects. One pending request per unit; never a cycle.
 */
export class AffiliationService {
  constructor(private readonly deps: { db: Database; audit: AuditService; units: UnitRepository; requests: AffiliationRepository }) {}

  async request(actor: Actor, targetUnitId: string, meta: RequestMeta) {
    authorize(actor, 'affiliation.create');
    return this.deps.db.transaction(async (tx) => {
      const unit = (await this.deps.units.findById(tx, actor.unitId))!;
      const target = await this.deps.units.findById(tx, targetUnitId);
      if (!target || target.status !== 'active') throw notFound('unit.not_found', 'Unit not found');
      if (target.id === unit.id || target.path.includes(unit.id)) {
        throw conflict('affiliation.cycle', 'A unit cannot be affiliated to itself or to a unit below it');
      }
      if (unit.parentUnitId === target.id) throw conflict('affiliation.already', 'The unit is already affiliated to that unit');
      if (!canAffiliate(unit, target)) {
        throw forbidden('affiliation.target_not_allowed', `A ${unit.kind} unit cannot be affiliated to this ${target.kind} unit`);
      }
      if (await this.deps.requests.pendingOf(tx, unit.id)) throw conflict('affiliation.pending_exists', 'The unit already has a pending affiliation request');
      const req = await this.deps.requests.create(tx, { unitId: unit.id, targetUnitId: target.id, requestedBy: actor.accountId });
      await this.deps.audit.record(tx, { actor, action: 'affiliation.request', target: { type: 'affiliation-request', id: req.id }, unitId: unit.id, details: { targetUnitId: target.id }, meta });
      return affiliationRequestView(req);
    });
  }

  async decide(actor: Actor, id: string, approve: boolean, reason: string | undefined, meta: RequestMeta) {
    authorize(actor, 'affiliation.decide');
    return this.deps.db.transaction(async (tx) => {
      const req = await this.deps.requests.findForUpdate(tx, id);
      if (!req || !(await this.mayDecide(actor, req.targetUnitId, tx))) throw notFound('affiliation.not_found', 'Affiliation request not found');
      if (req.status !== 'pending') throw conflict('affiliation.decided', 'The request is already decided');
      if (approve) {
        await this.deps.units.lockTree(tx); // concurrent approvals must see each other's moves (no cycles, R13)
        const unit = (await this.deps.units.findById(tx, req.unitId))!;
        const upper = (await this.deps.units.findById(tx, req.targetUnitId))!;
        // Re-checked at decision time: the tree may have changed since the request (no cycles, R13).
        if (upper.path.includes(unit.id)) throw conflict('affiliation.cycle', 'Approving would create a cycle');
        await this.deps.units.moveUnder(tx, unit, upper);
      }
      const decided = await this.deps.requests.decide(tx, req.id, { status: approve ? 'approved' : 'rejected', decidedBy: actor.accountId, reason: reason ?? null });
      await this.deps.audit.record(tx, {
        actor,
        action: approve ? 'affiliation.approve' : 'affiliation.reject',
        target: { type: 'affiliation-request', id: req.id },
        unitId: req.unitId,
        reason: reason ?? null,
        details: { targetUnitId: req.targetUnitId },
        meta,
      });
      return { id: decided.id, status: decided.status };
    });
  }

  /** Requests the caller's unit made, plus those it may decide. */
  async list(actor: Actor, f: { status?: 'pending' | 'approved' | 'rejected' | undefined; limit: number; next?: string | undefined }) {
    authorize(actor, 'affiliation.list');
    const cursor = decodeCursor(f.next, ['timestamp', 'uuid']);
    const models = await this.deps.requests.list({
      unitId: actor.unitId,
      decidable: actor.kind === 'admin' ? 'own' : 'jurisdiction',
      status: f.status,
      limit: f.limit,
      after: cursor ? [cursor[0] as string, cursor[1] as string] : undefined,
    });
    return toPage(models, f.limit, (r) => [new Date(r.createdAt).toISOString(), r.id], affiliationRequestView);
  }

  private async mayDecide(actor: Actor, targetUnitId: string, tx: Transaction) {
    if (actor.kind === 'admin') return targetUnitId === actor.unitId;
    return actor.kind === 'operator' && (await this.deps.units.inJurisdiction(tx, actor.unitId, targetUnitId));
  }
}
