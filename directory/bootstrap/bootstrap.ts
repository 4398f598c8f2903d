import crypto from 'node:crypto';
import type { BaseContext } from '../../server/context.ts';
import type { Services } from '../../server/services.ts';
import { conflict } from '../../platform/errors.ts';
import { checkUscc } from '../codes/uscc.ts';
import { badRequest } from '../../platform/errors.ts';
import { ClientModel, RoleModel, UnitModel } from '../models/index.ts';
import { parsePersonInput } from '../persons/person-service.ts';
import { SEEDED_ROLES } from '../catalogue/modules.ts';
import { firstPartyClientRecords, toClientRow } from './first-party-clients.ts';

export interface BootstrapInput {
  unitName: string;
  uscc: string;
  usccOverride?: boolean;
  adminDivision?: string;
  admin: { name: string; idNumber: string; phone: string };
}

export interface BootstrapResult {
  unit: { id: string; uscc: string };
  unitAccount: { username: string; initialPassword: string };
  admin: { accountId: string; username: string; initialPassword: string };
  clients: Array<{ clientId: string; clientSecret?: string; redirectUris: string[]; resources: string[] }>;
}

/**
 * R5 — the province root hrss unit, its unit account and first administrator (scope all), the
 * provincial role catalogue (SPEC §7) and the first-party clients, in one transaction. Runs once:
 * a second bootstrap is refused.
 */
export async function bootstrapProvince(base: BaseContext, services: Services, input: BootstrapInput): Promise<BootstrapResult> {
  const check = checkUscc(input.uscc);
  if (!check.ok && !(input.usccOverride && (check.reason === 'check_character' || check.reason === 'organization_code_check'))) {
    throw badRequest('unit.uscc_invalid', check.ok ? '' : check.message);
  }
  const admin = parsePersonInput(input.admin);
  const [unitSecret, adminSecret] = await Promise.all([services.factory.prepareSecret(), services.factory.prepareSecret()]);
  const clients = firstPartyClientRecords(base.issuer, base.config.subsystemUrls);
  return base.db.transaction(async (tx) => {
    if (await UnitModel.findOne({ where: { createdByUnitId: null }, transaction: tx })) {
      throw conflict('bootstrap.already_done', 'The province root unit already exists; bootstrap runs once');
    }
    const id = crypto.randomUUID();
    const unit = await UnitModel.create(
      {
        id,
        kind: 'hrss',
        level: 'province',
        name: input.unitName.trim(),
        uscc: check.value,
        usccOverride: !check.ok,
        adminDivision: input.adminDivision ?? null,
        responsibilities: '省级人力资源和社会保障部门',
        createdByUnitId: null,
        affiliation: 'confirmed',
        path: [id],
      },
      { transaction: tx },
    );
    const unitAccount = await services.factory.createUnitAccount(tx, unit, unitSecret);
    const first = await services.factory.createPersonAccount(tx, { unit, kind: 'admin', person: admin, scope: ['all'], secret: adminSecret, sight: null });
    for (const role of SEEDED_ROLES) {
      await RoleModel.findOrCreate({ where: { code: role.code }, defaults: { ...role, ownerUnitId: null }, transaction: tx });
    }
    for (const c of clients) await ClientModel.create({ ...toClientRow(c, base.pii), ownerUnitId: unit.id }, { transaction: tx });
    await base.audit.record(tx, {
      actor: null,
      action: 'platform.bootstrap',
      target: { type: 'unit', id: unit.id },
      unitId: unit.id,
      details: { uscc: unit.uscc, usccOverride: unit.usccOverride, adminAccountId: first.account.id, clients: clients.map((c) => c.clientId) },
    });
    return {
      unit: { id: unit.id, uscc: unit.uscc },
      unitAccount: { username: unitAccount.username, initialPassword: unitAccount.initialPassword },
      admin: { accountId: first.account.id, username: input.admin.idNumber.trim().toUpperCase(), initialPassword: first.initialPassword ?? adminSecret.password },
      clients: clients.map((c) => ({ clientId: c.clientId, ...(c.clientSecret ? { clientSecret: c.clientSecret } : {}), redirectUris: c.redirectUris, resources: c.resources })),
    };
  });
}
