import type { Transaction } from 'sequelize';
import { badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { toPage } from '../../platform/pagination.ts';
import type { BaseContext } from '../../server/context.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { authorize } from '../authz/policy.ts';
import { isModuleOf, type RoleSubsystem } from '../catalogue/modules.ts';
import type { RoleChangeHistoryEntry } from '../models/index.ts';
import type { RoleChangeRepository, RoleChangeRow } from './role-change-repository.ts';
import type { RoleRepository } from './role-repository.ts';
import type { RoleService } from './role-service.ts';

export interface RoleChangeProposal {
  name?: string | undefined;
  /** For a proposed new role (no `roleCode`): its subsystem. */
  subsystem?: RoleSubsystem | undefined;
  addModules?: string[] | undefined;
  removeModules?: string[] | undefined;
  comment: string;
}

export const roleChangeView = (r: RoleChangeRow) => ({
  id: r.id,
  fromUnitId: r.fromUnitId,
  roleId: r.roleId,
  roleCode: r.roleCode,
  proposal: r.proposal,
  status: r.status,
  currentReviewerUnitId: r.currentReviewerUnitId,
  history: r.history,
  createdBy: r.createdBy,
  createdAt: new Date(r.createdAt).toISOString(),
  updatedAt: new Date(r.updatedAt).toISOString(),
});

export type Decision = 'forward' | 'answer' | 'accept' | 'reject';
const isProvince = (a: Actor) => a.unitKind === 'hrss' && a.unitLevel === 'province';

/**
 * R16 — feedback on the role catalogue travels county hrss → city hrss → province, each level
 * forwarding or answering; only the province accepts (optionally applying the proposal) or rejects.
 */
export class RoleChangeService {
  constructor(
    private readonly base: BaseContext,
    private readonly repo: RoleChangeRepository,
    private readonly roles: RoleRepository,
    private readonly catalogue: RoleService,
  ) {}

  async create(actor: Actor, input: { roleCode?: string | undefined; proposal: RoleChangeProposal }, meta: RequestMeta) {
    authorize(actor, 'role-change.create');
    return this.base.db.transaction(async (tx) => {
      const role = input.roleCode ? await this.catalogue.visible(actor, input.roleCode, tx) : null;
      const subsystem = (role?.subsystem as RoleSubsystem | undefined) ?? input.proposal.subsystem;
      if (!subsystem) throw badRequest('role_change.subsystem_required', 'A proposed new role needs a subsystem');
      authorize(actor, 'role-change.create', { subsystem });
      const invalid = [...(input.proposal.addModules ?? []), ...(input.proposal.removeModules ?? [])].filter((m) => !isModuleOf(subsystem, m));
      if (invalid.length) throw badRequest('role.module_invalid', `Modules must be ${subsystem} modules (R15)`, { subsystem, invalid });
      const reviewer = await this.repo.nextReviewer(tx, actor.unitId);
      if (!reviewer) throw conflict('role_change.no_reviewer', 'Your unit has no confirmed hrss unit above it (R13)');
      const created = await this.repo.create(tx, {
        fromUnitId: actor.unitId,
        roleId: role?.id ?? null,
        proposal: { ...input.proposal, subsystem },
        reviewerUnitId: reviewer,
        createdBy: actor.accountId,
        history: [entry(actor, 'submitted', input.proposal.comment)],
      });
      await this.audit(tx, actor, 'role-change.create', created.id, actor.unitId, { role: input.roleCode ?? null, reviewer }, meta);
      return roleChangeView((await this.repo.view(tx, created.id))!);
    });
  }

  async list(actor: Actor, f: { status?: RoleChangeRow['status'] | undefined; box?: 'submitted' | 'review' | undefined; limit: number; next?: string | undefined }) {
    authorize(actor, 'role-change.read');
    const rows = await this.repo.list(undefined, actor.unitId, f);
    return toPage(rows, f.limit, (r) => [new Date(r.createdAt).toISOString(), r.id], roleChangeView);
  }

  async get(actor: Actor, id: string) {
    authorize(actor, 'role-change.read');
    const row = await this.repo.findInvolved(undefined, actor.unitId, id);
    if (!row) throw notFound('role_change.not_found', 'Role-change request not found');
    return roleChangeView(row);
  }

  /** A reviewing unit's step. `apply` (accept only): change the role as proposed. */
  async decide(actor: Actor, id: string, decision: Decision, note: string | undefined, meta: RequestMeta, apply = true) {
    authorize(actor, 'role-change.decide');
    return this.base.db.transaction(async (tx) => {
      const req = await this.repo.lockInvolved(tx, actor.unitId, id);
      if (!req) throw notFound('role_change.not_found', 'Role-change request not found');
      if (req.status !== 'pending') throw conflict('role_change.closed', `The request is already ${req.status}`);
      if (req.currentReviewerUnitId !== actor.unitId) {
        throw forbidden('role_change.not_reviewer', 'The request is waiting for another unit');
      }
      const history = [...req.history, entry(actor, DONE[decision], note)];
      if (decision === 'forward') {
        if (isProvince(actor)) throw conflict('role_change.province_decides', 'The province accepts or rejects; it has no unit above');
        const next = await this.repo.nextReviewer(tx, actor.unitId);
        if (!next) throw conflict('role_change.no_reviewer', 'Your unit has no confirmed hrss unit above it (R13)');
        await this.repo.update(tx, id, { currentReviewerUnitId: next, history });
      } else {
        if ((decision === 'accept' || decision === 'reject') && !isProvince(actor)) {
          throw forbidden('role_change.province_only', 'Only the province hrss unit accepts or rejects (R16)');
        }
        await this.repo.update(tx, id, { status: DONE[decision], currentReviewerUnitId: null, history });
        if (decision === 'accept' && apply && req.roleId) await this.applyProposal(tx, actor, req, meta);
      }
      await this.audit(tx, actor, `role-change.${decision}`, id, req.fromUnitId, { note: note ?? null }, meta);
      return roleChangeView((await this.repo.view(tx, id))!);
    });
  }

  /** Accepting may change the role as proposed: same rules as any catalogue edit (R15). */
  private async applyProposal(tx: Transaction, actor: Actor, req: RoleChangeRow, meta: RequestMeta) {
    const role = await this.roles.lock(tx, req.roleId!);
    if (!role) return;
    authorize(actor, 'role.update', { subsystem: role.subsystem, ownerUnitId: role.ownerUnitId });
    const p = req.proposal as Partial<RoleChangeProposal>;
    const removed = new Set(p.removeModules ?? []);
    const modules = [...role.modules, ...(p.addModules ?? [])].filter((m) => !removed.has(m));
    await this.catalogue.applyChanges(tx, actor, role, { ...(p.name ? { name: p.name } : {}), modules }, meta, { roleChangeRequest: req.id });
  }

  private audit(tx: Transaction, actor: Actor, action: string, id: string, unitId: string, details: Record<string, unknown>, meta: RequestMeta) {
    return this.base.audit.record(tx, { actor, action, target: { type: 'role-change-request', id }, unitId, details, meta });
  }
}

const DONE = { forward: 'forwarded', answer: 'answered', accept: 'accepted', reject: 'rejected' } as const;

function entry(actor: Actor, action: RoleChangeHistoryEntry['action'], note: string | undefined): RoleChangeHistoryEntry {
  return { at: new Date().toISOString(), unitId: actor.unitId, accountId: actor.accountId, action, ...(note ? { note } : {}) };
}
