import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import type { Database } from '../../platform/db/database.ts';
import { badRequest, conflict } from '../../platform/errors.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import type { AccountRepository } from '../accounts/account-repository.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { BootstrapResult, BootstrapService } from '../bootstrap/bootstrap.ts';
import type { CredentialService, InitialPassword } from '../credentials/credential-service.ts';
import type { UnitKind } from '../models/index.ts';
import { generateInitialPassword } from '../password-policy.ts';
import type { PersonRepository } from '../persons/person-repository.ts';
import type { RoleRepository } from '../roles/role-repository.ts';
import type { BulkUnit, UnitRepository } from '../units/unit-repository.ts';
import type { Config } from '../../platform/config.ts';
import { makeUscc, planProvince, plannedPerson, seededRandom, type ProvincePlan } from './province-plan.ts';

export interface SeedOptions {
  /** Units below the root (the root comes from the bootstrap, or is the existing one with `append`). */
  units: number;
  /** Real-name accounts (administrators and operators), the root's administrator included. */
  accounts: number;
  /** Add to a database that already holds a province (below its root) instead of refusing. */
  append?: boolean | undefined;
  seed?: number | undefined;
  /** Rows per transaction (default 10,000 accounts or 2,000 units). */
  batchSize?: number | undefined;
  /** Operator batches in flight at once, each in its own transaction (default 2). */
  parallel?: number | undefined;
  onProgress?: ((p: { sheet: 'units' | 'accounts'; done: number; total: number }) => void) | undefined;
  meta?: RequestMeta | undefined;
}

export interface SeedResult {
  runId: string;
  provinceUnitId: string;
  provinceAdmin: { accountId: string; username: string; password: string };
  deepUnitId: string;
  deepUnitAdmin: { accountId: string; username: string; password: string };
  largeUnitId: string;
  /** The first-party clients the bootstrap registered (their secrets shown once); none with `append`. */
  clients: BootstrapResult['clients'];
  /** Units created by this run, the root included when the run bootstrapped it. */
  units: number;
  /** Real-name accounts created by this run (administrators and operators). */
  accounts: number;
  unitAccounts: number;
  roleGrants: number;
  seconds: { units: number; accounts: number; total: number };
}

/**
 * Where a run's codes and persons start, from its seed: at a random place, so that an appended run does
 * not meet an earlier one. Person n of the run is `plannedPerson(personOffset, n)` — 0 the root's
 * administrator when the run bootstraps, then one administrator per planned unit, then the operators.
 */
export function seedOffsets(seed: number) {
  const random = seededRandom(seed ^ 0x5eed);
  return { random, orgOffset: Math.floor(random() * 90_000_000), personOffset: Math.floor(random() * 1_000_000_000) };
}

/** Provincial roles the load grants operators (R17: grantable in every unit), by the kind of their unit. */
const GRANTS: Record<UnitKind, string[]> = {
  hrss: ['org.affiliation-reviewer', 'title.admin-review', 'personnel.reviewer'],
  competent: ['title.reviewer', 'personnel.reviewer'],
  employer: ['title.applicant', 'title.reviewer', 'personnel.clerk', 'title.applicant'],
};

interface PlacedUnit {
  id: string;
  kind: UnitKind;
  path: string[];
}

/**
 * Issue 11 — loads a synthetic province (see `province-plan.ts`) through the directory's bulk paths:
 * the root by the bootstrap (R5), then units with their unit accounts and administrators, then
 * operators with persons, credentials and role grants, each batch in one transaction of set-based
 * inserts (the same repositories, PII encryption and keyed hashes as the API and the import).
 *
 * Passwords: like imported people (issue 8), loaded persons and unit accounts hold one credential
 * nobody can use, hashed once per run and marked to change (R20) — they first sign in by SMS code or
 * QR (R21, R22) and set their own. A million argon2id hashes would take hours (R18 is slow on purpose).
 * The province administrator and the deep unit's administrator get real passwords, set through the
 * ordinary password change, so that a benchmark can sign in with them at once.
 *
 * Audit (R25): one event per batch (`seed.units`, `seed.accounts`) in the batch's transaction, naming
 * the run, the counts and the units touched, chained like any other event; plus the bootstrap's and
 * the two password changes' own. One event per row would add a million hash-chained rows written
 * under the single chain lock and tell nothing more about a synthetic load than its batches do.
 */
export class ProvinceSeeder {
  constructor(
    private readonly deps: {
      config: Config;
      db: Database;
      audit: AuditService;
      bootstrap: BootstrapService;
      units: UnitRepository;
      accounts: AccountRepository;
      persons: PersonRepository;
      credentials: CredentialService;
      roles: RoleRepository;
      loadActor: (accountId: string) => Promise<Actor | null>;
    },
  ) {}

  async run(issuer: string, options: SeedOptions): Promise<SeedResult> {
    if (!Number.isInteger(options.units) || options.units < 120 || !Number.isInteger(options.accounts) || options.accounts < options.units + 1) {
      throw badRequest('seed.size_invalid', 'A province needs at least 120 units, and at least one account per unit (its administrator) plus the root’s');
    }
    const started = performance.now();
    const runId = crypto.randomUUID();
    const meta = options.meta ?? { requestId: `seed-province-${runId}` };
    const seed = options.seed ?? crypto.randomInt(2 ** 31);
    const { random, orgOffset, personOffset } = seedOffsets(seed);
    let persons = 0;
    const nextPerson = () => ({ id: crypto.randomUUID(), ...plannedPerson(personOffset, persons++) });

    const root = await this.root(issuer, options.append === true, nextPerson, makeUscc('11', '520000', orgOffset + 95_000_000));
    const actor = await this.deps.loadActor(root.adminId);
    if (!actor) throw conflict('seed.no_province_admin', 'The province root has no active administrator with scope all');
    const plan = planProvince({ units: options.units, operators: options.accounts - options.units - (root.bootstrapped ? 1 : 0), seed, orgOffset });
    const secret = await this.deps.credentials.prepareUnusableSecret();
    const placed: PlacedUnit[] = [];
    const admins: Array<{ accountId: string; idNumber: string }> = [];
    const batch = options.batchSize;

    const unitSize = batch ?? 2000;
    for (let i = 0; i < plan.units.length; i += unitSize) {
      const end = Math.min(i + unitSize, plan.units.length);
      await this.deps.db.transaction((tx) => this.unitBatch(tx, { plan, from: i, to: end, root, placed, admins, secret, nextPerson, actor, runId, meta }));
      options.onProgress?.({ sheet: 'units', done: end, total: plan.units.length });
    }
    const unitsDone = performance.now();

    const roles = await this.roleIds(root.unitId);
    const operatorTotal = plan.operators.reduce((s, n) => s + n, 0);
    const accountSize = batch ?? 10_000;
    let unitCursor = 0;
    let taken = 0;
    let grants = 0;
    let done = 0;
    const nextRows = () => {
      const rows: Array<{ unit: PlacedUnit; person: ReturnType<typeof nextPerson> }> = [];
      while (rows.length < accountSize && unitCursor < plan.units.length) {
        if (taken >= plan.operators[unitCursor]!) {
          unitCursor++;
          taken = 0;
          continue;
        }
        rows.push({ unit: placed[unitCursor]!, person: nextPerson() });
        taken++;
      }
      return rows;
    };
    // Operator batches are independent of each other (every unit exists): two in flight, each in its own
    // transaction, keep both the database and this process busy. The audit event comes last in each, so
    // the chain's lock is held only from it to the commit.
    const worker = async () => {
      for (let rows = nextRows(); rows.length; rows = nextRows()) {
        const granted = await this.deps.db.transaction((tx) => this.operatorBatch(tx, { rows, roles, secret, random, actor, runId, meta, rootId: root.unitId }));
        grants += granted; // after the await: the other batch in flight adds its own
        done += rows.length;
        options.onProgress?.({ sheet: 'accounts', done, total: operatorTotal });
      }
    };
    // The embedded database runs one session: one batch at a time there.
    await Promise.all(Array.from({ length: this.deps.db.kind === 'embedded' ? 1 : (options.parallel ?? 2) }, worker));
    const accountsDone = performance.now();

    // The two administrators a benchmark signs in as: real passwords, set by the ordinary change (R18, audited), nothing left to change.
    const provinceAdmin = await this.choosePassword(root.adminPersonId, root.adminUsername, meta);
    const deepAdmin = admins[plan.deepUnit]!;
    const deepAccount = (await this.deps.accounts.findById(undefined, deepAdmin.accountId))!;
    const deepUnitAdmin = await this.choosePassword(deepAccount.personId!, deepAdmin.idNumber, meta);
    return {
      runId,
      provinceUnitId: root.unitId,
      provinceAdmin: { accountId: root.adminId, ...provinceAdmin },
      deepUnitId: placed[plan.deepUnit]!.id,
      deepUnitAdmin: { accountId: deepAdmin.accountId, ...deepUnitAdmin },
      largeUnitId: placed[plan.largeUnit]!.id,
      clients: root.clients,
      units: plan.units.length + (root.bootstrapped ? 1 : 0),
      accounts: persons,
      unitAccounts: plan.units.length + (root.bootstrapped ? 1 : 0),
      roleGrants: grants,
      seconds: { units: (unitsDone - started) / 1000, accounts: (accountsDone - unitsDone) / 1000, total: (performance.now() - started) / 1000 },
    };
  }

  /** R5 — the root: bootstrapped here on an empty database; with `append`, the existing one and its first scope-all administrator. */
  private async root(issuer: string, append: boolean, nextPerson: () => { name: string; idNumber: string; phone: string }, uscc: string) {
    const existing = await this.deps.units.findRoot(undefined);
    if (existing) {
      if (!append) throw conflict('seed.province_exists', 'This database already holds a province; give --append to load more units below its root');
      const admin = (await this.deps.accounts.activeAdmins(undefined, existing.id)).find((a) => a.scope?.includes('all'));
      if (!admin) throw conflict('seed.no_province_admin', 'The province root has no active administrator with scope all');
      // Its ID number is not known here; the phone is a sign-in name too (R8).
      const person = (await this.deps.persons.findById(undefined, admin.personId!))!;
      return { unitId: existing.id, path: existing.path, adminId: admin.id, adminPersonId: admin.personId!, adminUsername: this.deps.persons.phoneOf(person), bootstrapped: false, clients: [] };
    }
    const person = nextPerson();
    const made = await this.deps.bootstrap.run(issuer, { unitName: '贵州省人力资源和社会保障厅', uscc, adminDivision: '520000', admin: { name: person.name, idNumber: person.idNumber, phone: person.phone } });
    const admin = (await this.deps.accounts.findById(undefined, made.admin.accountId))!;
    return { unitId: made.unit.id, path: [made.unit.id], adminId: admin.id, adminPersonId: admin.personId!, adminUsername: person.idNumber, bootstrapped: true, clients: made.clients };
  }

  /** A random password that meets the policy, set through the ordinary change: no forced change at the next sign-in (R20). */
  private async choosePassword(personId: string, username: string, meta: RequestMeta) {
    const credentialId = await this.deps.credentials.credentialIdOf({ personId });
    const password = generateInitialPassword(this.deps.config.passwordPolicy);
    await this.deps.credentials.changePassword(credentialId!, password, meta);
    return { username, password };
  }

  private async roleIds(rootId: string): Promise<Record<UnitKind, string[]>> {
    const codes = [...new Set(Object.values(GRANTS).flat())];
    const found = new Map((await this.deps.roles.byCodes(undefined, rootId, codes)).map((r) => [r.code, r.id]));
    const ids = (kind: UnitKind) => GRANTS[kind].flatMap((c) => (found.has(c) ? [found.get(c)!] : []));
    return { hrss: ids('hrss'), competent: ids('competent'), employer: ids('employer') };
  }

  /** Units with their unit accounts (R3) and first administrators (R7), all confirmed below their creators (R13), and one audit event. */
  private async unitBatch(
    tx: Transaction,
    b: {
      plan: ProvincePlan; from: number; to: number; root: { unitId: string; path: string[] }; placed: PlacedUnit[]; admins: Array<{ accountId: string; idNumber: string }>;
      secret: InitialPassword; nextPerson: () => { id: string; name: string; idNumber: string; phone: string }; actor: Actor; runId: string; meta: RequestMeta;
    },
  ): Promise<void> {
    const units: BulkUnit[] = [];
    const people: Array<{ id: string; name: string; idNumber: string; phone: string }> = [];
    const accounts: Parameters<AccountRepository['createMany']>[1] = [];
    const unitAccounts: string[] = [];
    for (let i = b.from; i < b.to; i++) {
      const u = b.plan.units[i]!;
      const creator = u.creator === -1 ? { id: b.root.unitId, path: b.root.path } : b.placed[u.creator]!;
      const id = crypto.randomUUID();
      const path = [...creator.path, id];
      b.placed[i] = { id, kind: u.kind, path };
      units.push({
        id, kind: u.kind, level: u.level, category: u.category, name: u.name, uscc: u.uscc, derived: u.derived, nextDerivedSerial: u.nextDerivedSerial,
        adminDivision: u.adminDivision, responsibilities: '', createdByUnitId: creator.id, parentUnitId: creator.id, path,
      });
      const unitAccount = crypto.randomUUID();
      unitAccounts.push(unitAccount);
      accounts.push({ id: unitAccount, kind: 'unit', unitId: id, unitKind: u.kind, personId: null, username: u.uscc, scope: null });
      const person = b.nextPerson();
      people.push(person);
      const admin = crypto.randomUUID();
      b.admins[i] = { accountId: admin, idNumber: person.idNumber };
      accounts.push({ id: admin, kind: 'admin', unitId: id, unitKind: u.kind, personId: person.id, username: null, scope: u.kind === 'hrss' ? ['all'] : null });
    }
    await this.deps.units.createMany(tx, units);
    await this.deps.persons.createMany(tx, people);
    await this.deps.accounts.createMany(tx, accounts);
    await this.deps.credentials.createAccountCredentials(tx, unitAccounts, b.secret.hash);
    await this.deps.credentials.createPersonCredentials(tx, people.map((p) => p.id), b.secret.hash);
    await this.deps.audit.record(tx, {
      actor: b.actor,
      action: 'seed.units',
      target: { type: 'seed', id: b.runId },
      unitId: b.root.unitId,
      details: { runId: b.runId, units: units.length, unitAccounts: unitAccounts.length, admins: people.length, first: units[0]!.uscc, last: units[units.length - 1]!.uscc },
      meta: b.meta,
    });
  }

  /** Operators with their persons, credentials and a role for most (R17: provincial roles), and one audit event. */
  private async operatorBatch(
    tx: Transaction,
    b: {
      rows: Array<{ unit: PlacedUnit; person: { id: string; name: string; idNumber: string; phone: string } }>; roles: Record<UnitKind, string[]>;
      secret: InitialPassword; random: () => number; actor: Actor; runId: string; meta: RequestMeta; rootId: string;
    },
  ): Promise<number> {
    const accounts: Parameters<AccountRepository['createMany']>[1] = [];
    const grants: Array<{ accountId: string; roleId: string }> = [];
    const unitsTouched = new Set<string>();
    for (const { unit, person } of b.rows) {
      const id = crypto.randomUUID();
      accounts.push({ id, kind: 'operator', unitId: unit.id, unitKind: unit.kind, personId: person.id, username: null, scope: null });
      unitsTouched.add(unit.id);
      const roles = b.roles[unit.kind];
      if (roles.length && b.random() < 0.6) grants.push({ accountId: id, roleId: roles[Math.floor(b.random() * roles.length)]! });
    }
    await this.deps.persons.createMany(tx, b.rows.map((r) => r.person));
    await this.deps.accounts.createMany(tx, accounts);
    await this.deps.credentials.createPersonCredentials(tx, b.rows.map((r) => r.person.id), b.secret.hash);
    await this.deps.roles.grantMany(tx, grants, b.actor.accountId);
    await this.deps.audit.record(tx, {
      actor: b.actor,
      action: 'seed.accounts',
      target: { type: 'seed', id: b.runId },
      unitId: b.rootId,
      details: { runId: b.runId, operators: accounts.length, persons: b.rows.length, grants: grants.length, units: unitsTouched.size },
      meta: b.meta,
    });
    return grants.length;
  }
}
