import { QueryTypes } from 'sequelize';
import type { BaseContext } from '../../server/context.ts';
import { conflict, forbidden, notFound } from '../../platform/errors.ts';
import { decodeCursor, toPage } from '../../platform/pagination.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { authorize } from '../authz/policy.ts';
import { isInJurisdiction, JURISDICTION_SQL } from '../authz/jurisdiction.ts';
import { AffiliationRequestModel } from '../models/index.ts';
import { canAffiliate } from '../units/creation-rules.ts';
import type { UnitRepository } from '../units/unit-repository.ts';

const view = (r: AffiliationRequestModel) => ({
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
  constructor(private readonly base: BaseContext, private readonly units: UnitRepository) {}

  async request(actor: Actor, targetUnitId: string, meta: RequestMeta) {
    authorize(actor, 'affiliation.create');
    return this.base.db.transaction(async (tx) => {
      const unit = (await this.units.findById(tx, actor.unitId))!;
      const target = await this.units.findById(tx, targetUnitId);
      if (!target || target.status !== 'active') throw notFound('unit.not_found', 'Unit not found');
      if (target.id === unit.id || target.path.includes(unit.id)) {
        throw conflict('affiliation.cycle', 'A unit cannot be affiliated to itself or to a unit below it');
      }
      if (unit.parentUnitId === target.id) throw conflict('affiliation.already', 'The unit is already affiliated to that unit');
      if (!canAffiliate(unit, target)) {
        throw forbidden('affiliation.target_not_allowed', `A ${unit.kind} unit cannot be affiliated to this ${target.kind} unit`);
      }
      const pending = await AffiliationRequestModel.findOne({ where: { unitId: unit.id, status: 'pending' }, transaction: tx });
      if (pending) throw conflict('affiliation.pending_exists', 'The unit already has a pending affiliation request');
      const req = await AffiliationRequestModel.create({ unitId: unit.id, targetUnitId: target.id, requestedBy: actor.accountId }, { transaction: tx });
      await this.base.audit.record(tx, { actor, action: 'affiliation.request', target: { type: 'affiliation-request', id: req.id }, unitId: unit.id, details: { targetUnitId: target.id }, meta });
      return view(req);
    });
  }

  async decide(actor: Actor, id: string, approve: boolean, reason: string | undefined, meta: RequestMeta) {
    authorize(actor, 'affiliation.decide');
    return this.base.db.transaction(async (tx) => {
      const req = await AffiliationRequestModel.findByPk(id, { transaction: tx, lock: tx.LOCK.UPDATE });
      if (!req || !(await this.mayDecide(actor, req.targetUnitId, tx))) throw notFound('affiliation.not_found', 'Affiliation request not found');
      if (req.status !== 'pending') throw conflict('affiliation.decided', 'The request is already decided');
      if (approve) {
        await this.units.lockTree(tx); // concurrent approvals must see each other's moves (no cycles, R13)
        const unit = (await this.units.findById(tx, req.unitId))!;
        const upper = (await this.units.findById(tx, req.targetUnitId))!;
        // Re-checked at decision time: the tree may have changed since the request (no cycles, R13).
        if (upper.path.includes(unit.id)) throw conflict('affiliation.cycle', 'Approving would create a cycle');
        await this.units.moveUnder(tx, unit, upper);
      }
      await req.update({ status: approve ? 'approved' : 'rejected', decidedBy: actor.accountId, decidedAt: new Date(), reason: reason ?? null }, { transaction: tx });
      await this.base.audit.record(tx, {
        actor,
        action: approve ? 'affiliation.approve' : 'affiliation.reject',
        target: { type: 'affiliation-request', id: req.id },
        unitId: req.unitId,
        reason: reason ?? null,
        details: { targetUnitId: req.targetUnitId },
        meta,
      });
      return { id: req.id, status: req.status };
    });
  }

  /** Requests the caller's unit made, plus those it may decide. */
  async list(actor: Actor, f: { status?: 'pending' | 'approved' | 'rejected' | undefined; limit: number; next?: string | undefined }) {
    authorize(actor, 'affiliation.list');
    const cursor = decodeCursor(f.next, ['timestamp', 'uuid']);
    const decidable =
      actor.kind === 'admin' ? 'r.target_unit_id = :jurisdictionUnitId' : `r.target_unit_id IN (SELECT u.id FROM units u WHERE ${JURISDICTION_SQL})`;
    const rows = await this.base.db.sequelize.query<{ id: string }>(
      `SELECT r.id FROM affiliation_requests r
       WHERE (r.unit_id = :jurisdictionUnitId OR ${decidable}) ${f.status ? 'AND r.status = :status' : ''}
         ${cursor ? 'AND (r.created_at, r.id) > (CAST(:cAt AS timestamptz), CAST(:cId AS uuid))' : ''}
       ORDER BY r.created_at, r.id LIMIT :limit`,
      {
        replacements: { jurisdictionUnitId: actor.unitId, status: f.status ?? null, limit: f.limit + 1, cAt: cursor?.[0] ?? null, cId: cursor?.[1] ?? null },
        type: QueryTypes.SELECT,
      },
    );
    const models = await AffiliationRequestModel.findAll({ where: { id: rows.map((r) => r.id) }, order: [['createdAt', 'ASC'], ['id', 'ASC']] });
    return toPage(models, f.limit, (r) => [new Date(r.createdAt).toISOString(), r.id], view);
  }

  private async mayDecide(actor: Actor, targetUnitId: string, tx: Parameters<typeof isInJurisdiction>[3]) {
    if (actor.kind === 'admin') return targetUnitId === actor.unitId;
    return actor.kind === 'operator' && (await isInJurisdiction(this.base.db.sequelize, actor.unitId, targetUnitId, tx));
  }
}
