import { badRequest } from '../../platform/errors.ts';
import { isModuleOf, type RoleSubsystem } from '../catalogue/modules.ts';
import type { RoleRow } from './role-repository.ts';

/** What names a role wherever the admin API shows one (the catalogue, the clean-up lists). */
export const roleIdentity = (r: Pick<RoleRow, 'id' | 'code' | 'name' | 'subsystem' | 'modules' | 'ownerUnitId'>) => ({
  id: r.id,
  code: r.code,
  name: r.name,
  subsystem: r.subsystem,
  modules: r.modules,
  ownerUnitId: r.ownerUnitId,
  provincial: r.ownerUnitId === null,
});

/** A role as the admin API shows it. */
export const roleView = (r: RoleRow) => ({
  ...roleIdentity(r),
  grantable: r.grantable,
  status: r.status,
  createdAt: new Date(r.createdAt).toISOString(),
  updatedAt: new Date(r.updatedAt).toISOString(),
});

/** R10/R17 — a role the unit sees: provincial, grantable at the unit, or defined inside its jurisdiction. */
export const roleInSight = (r: RoleRow) => r.ownerUnitId === null || r.grantable || r.inJurisdiction;

/**
 * R15 — a role is built only from modules of its own subsystem: every code must be a catalogue
 * module of `subsystem` (duplicates are dropped; the order of first appearance is kept).
 */
export function checkModules(subsystem: RoleSubsystem, modules: string[]): string[] {
  const unique = [...new Set(modules)];
  const invalid = unique.filter((m) => !isModuleOf(subsystem, m));
  if (invalid.length || !unique.length) {
    throw badRequest('role.module_invalid', `A ${subsystem} role is built only from ${subsystem} modules (R15)`, {
      subsystem,
      invalid,
    });
  }
  return unique;
}
