import { UniqueConstraintError, type Transaction } from 'sequelize';
import { badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { toPage } from '../../platform/pagination.ts';
import type { Database } from '../../platform/db/database.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { authorize, isProvinceHrss } from '../authz/policy.ts';
import { isModuleOf, type RoleSubsystem } from '../catalogue/modules.ts';
import type { RoleChangeHistoryEntry } from '../models/index.ts';
import type { RoleChangeRepository, RoleChangeRow } from './role-change-repository.ts';
import type { RoleRepository } from './role-repository.ts';
import type { RoleService } from './role-service.ts';

export interface RoleChangeProposal {
  /** For a proposed new role: the code it asks for (the province may give another when accepting). */
  code?: string | undefined;
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

/**
 * R16 — feedback on the role catalogue: any unit (but the province hrss unit, which edits the
 * catalogue itself) files with the hrss bureau of its level, the nearest hrss unit above it on its
 * confirmed affiliation chain; the request travels county hrss → city hrss → province, each level
 * forwarding or answering; only the province accepts (applying the proposal: the role changes, or
 * the proposed new role is created) or rejects. An hrss unit's own request is already its level's
 * word, so it starts one level up (as the notice's "递交当前层级人社局" reads for the units below).
 */
export class RoleChangeService {
  constructor(
    private readonly deps: { db: Database; audit: AuditService; requests: RoleChangeRepository; roles: RoleRepository; catalogue: RoleService },
  ) {}

  async create(actor: Actor, input: { roleCode?: string | undefined; proposal: RoleChangeProposal }, meta: RequestMeta) {
    authorize(actor, 'role-change.create');
    return this.deps.db.transaction(async (tx) => {
      const role = input.roleCode ? await this.deps.catalogue.visible(actor, input.roleCode, tx) : null;
      const subsystem = (role?.subsystem as RoleSubsystem | undefined) ?? input.proposal.subsystem;
      if (!subsystem) throw badRequest('role_change.subsystem_required', 'A proposed new role needs a subsystem');
      authorize(actor, 'role-change.create', { subsystem });
      const invalid = [...(input.proposal.addModules ?? []), ...(input.proposal.removeModules ?? [])].filter((m) => !isModuleOf(subsystem, m));
      if (invalid.length) throw badRequest('role.module_invalid', `Modules must be ${subsystem} modules (R15)`, { subsystem, invalid });
      if (role && input.proposal.code) throw badRequest('role_change.code_for_new_role', 'A code is proposed only for a new role (omit roleCode)');
      const reviewer = await this.deps.requests.nextReviewer(tx, actor.unitId);
      if (!reviewer) throw noReviewer();
      const created = await this.deps.requests.create(tx, {
        fromUnitId: actor.unitId,
        roleId: role?.id ?? null,
        proposal: { ...input.proposal, subsystem },
        reviewerUnitId: reviewer,
        createdBy: actor.accountId,
        history: [entry(actor, 'submitted', input.proposal.comment)],
      });
      await this.audit(tx, actor, 'role-change.create', created.id, actor.unitId, { role: input.roleCode ?? null, reviewer }, meta);
      return roleChangeView((await this.deps.requests.view(tx, created.id))!);
    });
  }

  async list(actor: Actor, f: { status?: RoleChangeRow['status'] | undefined; box?: 'submitted' | 'review' | undefined; limit: number; next?: string | undefined }) {
    authorize(actor, 'role-change.read');
    const rows = await this.deps.requests.list(undefined, actor.unitId, f);
    return toPage(rows, f.limit, (r) => [new Date(r.createdAt).toISOString(), r.id], roleChangeView);
  }

  async get(actor: Actor, id: string) {
    authorize(actor, 'role-change.read');
    const row = await this.deps.requests.findInvolved(undefined, actor.unitId, id);
    if (!row) throw notFound('role_change.not_found', 'Role-change request not found');
    return roleChangeView(row);
  }

  /**
   * A reviewing unit's step. `apply` (accept only): change the role as proposed, or create the
   * proposed new role under `code` (default: the code the proposal asked for).
   */
  async decide(actor: Actor, id: string, decision: Decision, note: string | undefined, meta: RequestMeta, apply = true, code?: string) {
    authorize(actor, 'role-change.decide');
    try {
      return await this.deps.db.transaction(async (tx) => {
        const req = await this.deps.requests.lockInvolved(tx, actor.unitId, id);
        if (!req) throw notFound('role_change.not_found', 'Role-change request not found');
        // R6/R15: a subsystem-scoped hrss administrator handles only its subsystems' requests.
        authorize(actor, 'role-change.decide', { subsystem: String(req.proposal.subsystem) });
        if (req.status !== 'pending') throw conflict('role_change.closed', `The request is already ${req.status}`);
        if (req.currentReviewerUnitId !== actor.unitId) {
          throw forbidden('role_change.not_reviewer', 'The request is waiting for another unit');
        }
        const history = [...req.history, entry(actor, DONE[decision], note)];
        let roleId: string | undefined;
        if (decision === 'forward') {
          if (isProvinceHrss(actor)) throw conflict('role_change.province_decides', 'The province accepts or rejects; it has no unit above');
          const next = await this.deps.requests.nextReviewer(tx, actor.unitId);
          if (!next) throw noReviewer();
          await this.deps.requests.update(tx, id, { currentReviewerUnitId: next, history });
        } else {
          if ((decision === 'accept' || decision === 'reject') && !isProvinceHrss(actor)) {
            throw forbidden('role_change.province_only', 'Only the province hrss unit accepts or rejects (R16)');
          }
          if (decision === 'accept' && apply) {
            if (req.roleId) await this.applyProposal(tx, actor, req, meta);
            else roleId = await this.createProposed(tx, actor, req, code, meta);
          }
          await this.deps.requests.update(tx, id, { status: DONE[decision], currentReviewerUnitId: null, history, ...(roleId ? { roleId } : {}) });
        }
        await this.audit(tx, actor, `role-change.${decision}`, id, req.fromUnitId, { note: note ?? null, ...(roleId ? { roleId } : {}) }, meta);
        return roleChangeView((await this.deps.requests.view(tx, id))!);
      });
    } catch (err) {
      // Two acceptances racing for one new code: the unique index decides, the loser gets a 409.
      if (err instanceof UniqueConstraintError) throw conflict('role.code_taken', 'A role with this code already exists', { code });
      throw err;
    }
  }

  /** Accepting may change the role as proposed: same rules as any catalogue edit (R15). */
  private async applyProposal(tx: Transaction, actor: Actor, req: RoleChangeRow, meta: RequestMeta) {
    const role = await this.deps.roles.lock(tx, req.roleId!);
    if (!role) return;
    authorize(actor, 'role.update', { subsystem: role.subsystem, ownerUnitId: role.ownerUnitId });
    const p = req.proposal as Partial<RoleChangeProposal>;
    const removed = new Set(p.removeModules ?? []);
    const modules = [...role.modules, ...(p.addModules ?? [])].filter((m) => !removed.has(m));
    await this.deps.catalogue.applyChanges(tx, actor, role, { ...(p.name ? { name: p.name } : {}), modules }, meta, { roleChangeRequest: req.id });
  }

  /**
   * R16 — an accepted proposal for a new role creates it in the provincial catalogue (the province
   * decides), with the same rules as any new role (R15: scope, modules of its subsystem, unique code).
   */
  private async createProposed(tx: Transaction, actor: Actor, req: RoleChangeRow, code: string | undefined, meta: RequestMeta) {
    const p = req.proposal as Partial<RoleChangeProposal>;
    const roleCode = code ?? p.code;
    if (!roleCode) throw badRequest('role_change.code_required', 'Give the new role a code: the proposal names none');
    if (!p.name) throw badRequest('role_change.name_required', 'The proposal names no role; answer or reject it, or accept with apply: false');
    const input = { code: roleCode, name: p.name, subsystem: p.subsystem as RoleSubsystem, modules: p.addModules ?? [] };
    const role = await this.deps.catalogue.createIn(tx, actor, input, null, meta, { roleChangeRequest: req.id });
    return role.id;
  }

  private audit(tx: Transaction, actor: Actor, action: string, id: string, unitId: string, details: Record<string, unknown>, meta: RequestMeta) {
    return this.deps.audit.record(tx, { actor, action, target: { type: 'role-change-request', id }, unitId, details, meta });
  }
}

const noReviewer = () =>
  conflict(
    'role_change.no_reviewer',
    'Your unit has no confirmed hrss unit above it: affiliate it first (R13); role-change requests go to the nearest hrss unit on its affiliation chain (R16)',
  );

const DONE = { forward: 'forwarded', answer: 'answered', accept: 'accepted', reject: 'rejected' } as const;

function entry(actor: Actor, action: RoleChangeHistoryEntry['action'], note: string | undefined): RoleChangeHistoryEntry {
  return { at: new Date().toISOString(), unitId: actor.unitId, accountId: actor.accountId, action, ...(note ? { note } : {}) };
}
