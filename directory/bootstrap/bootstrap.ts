import crypto from 'node:crypto';
import type { Config } from '../../platform/config.ts';
import type { PiiCipher } from '../../platform/crypto/pii.ts';
import type { Database } from '../../platform/db/database.ts';
import { badRequest, conflict } from '../../platform/errors.ts';
import type { AccountFactory } from '../accounts/account-factory.ts';
import type { AuditService } from '../audit/audit-service.ts';
import { SEEDED_ROLES } from '../catalogue/modules.ts';
import type { ClientRepository } from '../clients/client-repository.ts';
import { checkUscc, isCheckFailure } from '../codes/uscc.ts';
import { parsePersonInput } from '../persons/person-rules.ts';
import type { RoleRepository } from '../roles/role-repository.ts';
import type { UnitRepository } from '../units/unit-repository.ts';
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
export class BootstrapService {
  constructor(
    private readonly deps: {
      config: Config;
      db: Database;
      audit: AuditService;
      pii: PiiCipher;
      factory: AccountFactory;
      units: UnitRepository;
      roles: RoleRepository;
      clients: ClientRepository;
    },
  ) {}

  /** Whether the province root exists (a start on an empty database may load the demo instead). */
  async isDone(): Promise<boolean> {
    return this.deps.db.transaction((tx) => this.deps.units.rootExists(tx));
  }

  /** `issuer` names the first-party clients' redirect URIs. */
  async run(issuer: string, input: BootstrapInput): Promise<BootstrapResult> {
    const { db, audit, factory, units, roles } = this.deps;
    const check = checkUscc(input.uscc);
    // R1 — the same override the admin API allows a province administrator: a code failing only its checks.
    if (!check.ok && !(input.usccOverride && isCheckFailure(check.reason))) {
      throw badRequest('unit.uscc_invalid', check.ok ? '' : check.message);
    }
    const admin = parsePersonInput(input.admin);
    const [unitSecret, adminSecret] = await Promise.all([factory.prepareSecret(), factory.prepareSecret()]);
    const clients = firstPartyClientRecords(issuer, this.deps.config.subsystemUrls);
    return db.transaction(async (tx) => {
      if (await units.rootExists(tx)) {
        throw conflict('bootstrap.already_done', 'The province root unit already exists; bootstrap runs once');
      }
      const id = crypto.randomUUID();
      const unit = await units.create(tx, {
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
      });
      const unitAccount = await factory.createUnitAccount(tx, unit, unitSecret);
      const first = await factory.createPersonAccount(tx, { unit, kind: 'admin', person: admin, scope: ['all'], secret: adminSecret, sight: null });
      for (const role of SEEDED_ROLES) await roles.seed(tx, role);
      for (const c of clients) await this.deps.clients.createFirstParty(tx, { ...toClientRow(c, this.deps.pii), ownerUnitId: unit.id });
      await audit.record(tx, {
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
}

/** Bootstraps through the directory (the CLI's and the tests' entry point). */
export function bootstrapProvince(env: { issuer: string }, directory: { bootstrap: BootstrapService }, input: BootstrapInput): Promise<BootstrapResult> {
  return directory.bootstrap.run(env.issuer, input);
}
