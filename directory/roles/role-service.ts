import { UniqueConstraintError, type Transaction } from 'sequelize';
import { conflict, forbidden, notFound } from '../../platform/errors.ts';
import type { Database } from '../../platform/db/database.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { authorize, isProvinceHrss } from '../authz/policy.ts';
import { MODULES, ROLE_SUBSYSTEMS, SUBSYSTEM_NAMES, moduleCode, type RoleSubsystem } from '../catalogue/modules.ts';
import type { RoleRepository, RoleRow } from './role-repository.ts';
import { checkModules, roleInSight, roleView } from './role-view.ts';

export interface RoleInput {
  code: string;
  name: string;
  subsystem: RoleSubsystem;
  modules: string[];
}

export interface RoleChanges {
  name?: string | undefined;
  modules?: string[] | undefined;
  status?: 'active' | 'disabled' | undefined;
}


/**
 * The business-role catalogue (R15): the provincial catalogue, kept by the province hrss unit's
 * administrators, and the roles each hrss unit defines for its own jurisdiction.
 */
export class RoleService {
  constructor(private readonly deps: { db: Database; audit: AuditService; roles: RoleRepository }) {}

  /** Roles grantable at the caller's unit (R17) and roles defined inside its jurisdiction. */
  async list(actor: Actor, f: { subsystem?: RoleSubsystem | undefined; status?: 'active' | 'disabled' | undefined }) {
    authorize(actor, 'role.read');
    const rows = await this.deps.roles.visible(undefined, actor.unitId, f);
    return { items: rows.map(roleView) };
  }

  /** The module catalogue (SPEC §7), per subsystem. */
  modules(actor: Actor, subsystem?: RoleSubsystem) {
    authorize(actor, 'role.read');
    const items = ROLE_SUBSYSTEMS.filter((s) => !subsystem || s === subsystem).map((s) => ({
      subsystem: s,
      name: SUBSYSTEM_NAMES[s],
      modules: Object.entries(MODULES[s]).map(([m, name]) => ({ code: moduleCode(s, m), name })),
    }));
    return { items };
  }

  async get(actor: Actor, code: string) {
    authorize(actor, 'role.read');
    return roleView(await this.visible(actor, code));
  }

  /**
   * R15 — the province hrss unit's administrators add to the provincial catalogue (owner null);
   * any other hrss unit's administrators define a role of their own unit.
   */
  async create(actor: Actor, input: RoleInput, meta: RequestMeta) {
    const ownerUnitId = isProvinceHrss(actor) ? null : actor.unitId;
    try {
      return await this.deps.db.transaction(async (tx) => roleView(await this.createIn(tx, actor, input, ownerUnitId, meta)));
    } catch (err) {
      // Two concurrent creations of one code: the unique index decides, the loser gets the same 409.
      if (err instanceof UniqueConstraintError) throw taken(input.code);
      throw err;
    }
  }

  /**
   * R15 — writes a new role and its audit event in the caller's transaction; the one path for
   * roles defined through the catalogue and for accepted proposals of a new role (R16).
   */
  async createIn(tx: Transaction, actor: Actor, input: RoleInput, ownerUnitId: string | null, meta: RequestMeta, details: Record<string, unknown> = {}) {
    authorize(actor, 'role.create', { subsystem: input.subsystem, ownerUnitId });
    const modules = checkModules(input.subsystem, input.modules);
    if (await this.deps.roles.codeExists(tx, input.code)) throw taken(input.code);
    const role = await this.deps.roles.create(tx, { ...input, modules, ownerUnitId });
    await this.deps.audit.record(tx, {
      actor,
      action: 'role.create',
      target: { type: 'role', id: role.id },
      unitId: ownerUnitId ?? actor.unitId,
      details: { code: input.code, subsystem: input.subsystem, modules, provincial: ownerUnitId === null, ...details },
      meta,
    });
    return (await this.deps.roles.byCode(tx, actor.unitId, input.code))!;
  }

  /** R15 — renames, rebuilds or disables a role the caller may edit (same rules as creation). */
  async update(actor: Actor, code: string, changes: RoleChanges, meta: RequestMeta) {
    authorize(actor, 'role.update');
    return this.deps.db.transaction(async (tx) => {
      // Lock first, then read: the audit's "before" must be the state this change replaces.
      await this.deps.roles.lock(tx, (await this.visible(actor, code, tx)).id);
      const role = await this.visible(actor, code, tx);
      authorize(actor, 'role.update', { subsystem: role.subsystem, ownerUnitId: role.ownerUnitId });
      if (role.ownerUnitId !== null && !role.inJurisdiction) {
        throw forbidden('role.not_owner', 'This role belongs to a unit above yours; ask it to change the role (R16)');
      }
      await this.applyChanges(tx, actor, role, changes, meta);
      return roleView((await this.deps.roles.byCode(tx, actor.unitId, code))!);
    });
  }

  /**
   * R15 — writes a change to a locked role and its audit event in the caller's transaction; the
   * one path for edits through the catalogue and for accepted role-change requests (R16).
   */
  async applyChanges(
    tx: Transaction,
    actor: Actor,
    role: Pick<RoleRow, 'id' | 'code' | 'name' | 'subsystem' | 'modules' | 'status' | 'ownerUnitId'>,
    changes: RoleChanges,
    meta: RequestMeta,
    details: Record<string, unknown> = {},
  ) {
    const modules = changes.modules && checkModules(role.subsystem as RoleSubsystem, changes.modules);
    const patch = {
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(modules ? { modules } : {}),
      ...(changes.status ? { status: changes.status } : {}),
    };
    await this.deps.roles.update(tx, role.id, patch);
    await this.deps.audit.record(tx, {
      actor,
      action: 'role.update',
      target: { type: 'role', id: role.id },
      unitId: role.ownerUnitId ?? actor.unitId,
      details: { code: role.code, before: { name: role.name, modules: role.modules, status: role.status }, after: patch, ...details },
      meta,
    });
  }

  /** A role the caller can see: provincial, grantable at its unit, or defined inside its jurisdiction; else 404. */
  async visible(actor: Actor, code: string, tx?: Transaction): Promise<RoleRow> {
    const role = await this.deps.roles.byCode(tx, actor.unitId, code);
    if (!role || !roleInSight(role)) {
      throw notFound('role.not_found', 'Role not found');
    }
    return role;
  }
}

const taken = (code: string) => conflict('role.code_taken', `A role with code ${code} already exists`, { code });
