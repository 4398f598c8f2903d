import type { Transaction } from 'sequelize';
import { badRequest, conflict, forbidden } from '../../platform/errors.ts';
import type { Database } from '../../platform/db/database.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { authorize } from '../authz/policy.ts';
import type { AccountPowerGuard } from '../authz/account-power-guard.ts';
import type { UnitRepository } from '../units/unit-repository.ts';
import type { RoleRepository, RoleRow } from './role-repository.ts';
import type { RoleService } from './role-service.ts';
import { roleInSight } from './role-view.ts';

export interface GrantableRole {
  id: string;
  code: string;
  subsystem: string;
}

/**
 * Granting business roles (R17): per account (`setAccountRoles`) or per role ("choose a role, add
 * users"). Both only touch active operators of the caller's own unit (R10) and never give a role to
 * a unit or administrator account (R9).
 */
export class RoleGrantService {
  constructor(
    private readonly deps: { db: Database; audit: AuditService; roles: RoleRepository; catalogue: RoleService; powers: AccountPowerGuard; units: UnitRepository },
  ) {}

  /** Members of a role in the caller's unit. */
  async members(actor: Actor, code: string) {
    authorize(actor, 'role.members');
    const role = await this.deps.catalogue.visible(actor, code);
    return { code, accountIds: await this.deps.roles.members(undefined, role.id, actor.unitId) };
  }

  /** R17 — "choose a role, add users". Already-held grants are left as they are. */
  async addMembers(actor: Actor, code: string, accountIds: string[], meta: RequestMeta) {
    authorize(actor, 'role.members');
    return this.deps.db.transaction(async (tx) => {
      // The path names one role: unknown or out of sight is 404, like every other /roles/{code} route.
      await this.deps.catalogue.visible(actor, code, tx);
      const [role] = await this.grantableRoleIds(tx, actor.unitId, [code]);
      authorize(actor, 'role.members', { subsystem: role!.subsystem });
      for (const accountId of new Set(accountIds)) {
        await this.deps.powers.ownOperator(tx, actor, accountId, { forRoles: true, lock: true, extraSubsystems: [role!.subsystem] });
        if (await this.deps.roles.grant(tx, accountId, role!.id, actor.accountId)) {
          await this.audit(tx, actor, 'role.grant', accountId, { role: code }, meta);
        }
      }
      return { code, accountIds: await this.deps.roles.members(tx, role!.id, actor.unitId) };
    });
  }

  async removeMember(actor: Actor, code: string, accountId: string, meta: RequestMeta) {
    authorize(actor, 'role.members');
    return this.deps.db.transaction(async (tx) => {
      const role = await this.deps.catalogue.visible(actor, code, tx);
      authorize(actor, 'role.members', { subsystem: role.subsystem });
      await this.deps.powers.ownOperator(tx, actor, accountId, { forRoles: true, lock: true, extraSubsystems: [role.subsystem] });
      if (await this.deps.roles.revoke(tx, accountId, role.id)) {
        await this.audit(tx, actor, 'role.revoke', accountId, { role: code }, meta);
      }
      return { code, accountIds: await this.deps.roles.members(tx, role.id, actor.unitId) };
    });
  }

  /**
   * R17 — replaces an operator's roles with `roleCodes`, in the caller's transaction (used by
   * `PUT /accounts/{id}/roles` and operator creation). Every added or removed role must lie in the
   * caller's scope (R15); the account must be an active operator of the caller's unit (R9, R10).
   */
  async setAccountRoles(tx: Transaction, actor: Actor, accountId: string, roleCodes: string[], meta: RequestMeta) {
    authorize(actor, 'account.set-roles');
    const account = await this.deps.powers.ownOperator(tx, actor, accountId, { forRoles: true, lock: true });
    const wanted = await this.grantableRoleIds(tx, account.unitId, [...new Set(roleCodes)]);
    const current = await this.deps.roles.rolesOf(tx, accountId);
    const added = wanted.filter((w) => !current.some((c) => c.id === w.id));
    const removed = current.filter((c) => !wanted.some((w) => w.id === c.id));
    for (const r of [...added, ...removed]) authorize(actor, 'account.set-roles', { subsystem: r.subsystem });
    await this.deps.powers.check(tx, actor, account, { extraSubsystems: [...added, ...removed].map((r) => r.subsystem) });
    for (const r of added) await this.deps.roles.grant(tx, accountId, r.id, actor.accountId);
    for (const r of removed) await this.deps.roles.revoke(tx, accountId, r.id);
    const roles = wanted.map((r) => r.code).sort();
    if (added.length || removed.length) {
      const details = { added: added.map((r) => r.code), removed: removed.map((r) => r.code), roles };
      await this.audit(tx, actor, 'account.set-roles', accountId, details, meta);
    }
    return { accountId, roles };
  }

  /**
   * R17 — resolves role codes to roles grantable at `unitId`: in the provincial catalogue or defined
   * by an hrss unit on the unit's confirmed path, and active. The directory's own `org` roles
   * (affiliation review, R13) only make sense in hrss units.
   */
  async grantableRoleIds(tx: Transaction, unitId: string, codes: string[]): Promise<GrantableRole[]> {
    if (!codes.length) return [];
    // A role out of sight (another hrss unit's, not above this one) is unknown here, as on /roles/{code} (R10).
    const rows = (await this.deps.roles.byCodes(tx, unitId, codes)).filter(roleInSight);
    const unknown = codes.filter((c) => !rows.some((r) => r.code === c));
    if (unknown.length) throw badRequest('role.unknown', 'Unknown role codes', { codes: unknown });
    const hrssUnit = (await this.deps.units.findById(tx, unitId))?.kind === 'hrss';
    const refused = rows.filter((r) => !r.grantable || (r.subsystem === 'org' && !hrssUnit));
    if (refused.length) {
      throw forbidden('role.not_grantable', 'Only provincial roles and roles of hrss units above or at the unit may be granted (R17)', {
        codes: refused.map((r) => r.code),
      });
    }
    const disabled = rows.filter((r) => r.status !== 'active');
    if (disabled.length) throw conflict('role.disabled', 'Disabled roles cannot be granted', { codes: disabled.map((r) => r.code) });
    return rows.map((r: RoleRow) => ({ id: r.id, code: r.code, subsystem: r.subsystem }));
  }

  /**
   * R9/R10 — an active operator of the caller's own unit; anything else is not found or refused.
   * R6 — the caller's scope must cover every role it holds and every role concerned (`subsystems`).
   */
  private audit(tx: Transaction, actor: Actor, action: string, accountId: string, details: Record<string, unknown>, meta: RequestMeta) {
    return this.deps.audit.record(tx, { actor, action, target: { type: 'account', id: accountId }, unitId: actor.unitId, details, meta });
  }
}
