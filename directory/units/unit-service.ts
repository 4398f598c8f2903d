import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import type { Database } from '../../platform/db/database.ts';
import { badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { toPage } from '../../platform/pagination.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { authorize } from '../authz/policy.ts';
import type { AuditService } from '../audit/audit-service.ts';
import { derivedCode } from '../codes/uscc.ts';
import type { UnitCategory, UnitKind, UnitLevel } from '../models/index.ts';
import type { PersonInput } from '../persons/person-repository.ts';
import type { AccountFactory } from '../accounts/account-factory.ts';
import type { InitialPassword } from '../credentials/credential-service.ts';
import type { AccountEnding } from '../accounts/account-ending.ts';
import type { AccountRepository } from '../accounts/account-repository.ts';
import { normalizeScope } from '../accounts/administrator-service.ts';
import type { AccountPowerGuard } from '../authz/account-power-guard.ts';
import type { PersonGate } from '../persons/person-gate.ts';
import { checkCreation } from './creation-rules.ts';
import type { UnitFilter, UnitRepository, UnitRow } from './unit-repository.ts';
import { unitView } from './unit-view.ts';
import { loadTree, type TreeQuery } from './unit-tree.ts';
import { acceptUscc } from './uscc-acceptance.ts';
import { uniqueConflict } from '../unique-conflicts.ts';

export interface CreateUnitInput {
  kind: UnitKind;
  level?: UnitLevel | null | undefined;
  /** Issue 8 — required for employers, refused for other kinds. */
  category?: UnitCategory | undefined;
  name: string;
  uscc?: string | undefined;
  usccOverride?: boolean | undefined;
  adminDivision?: string | undefined;
  responsibilities?: string | undefined;
  admin: PersonInput;
}

/** What `PUT /units/{id}` may change. */
export interface UnitChanges {
  name?: string | undefined;
  category?: UnitCategory | undefined;
  adminDivision?: string | null | undefined;
  responsibilities?: string | undefined;
}

/** Issue 8 — an employer says what kind it is (the subsystems need it); bureaus and departments have none. */
function checkCategory(kind: UnitKind, category: UnitCategory | undefined): void {
  if (kind === 'employer' && category === undefined) {
    throw badRequest('unit.category_required', 'An employer needs its category: institution, enterprise or social-organization');
  }
  if (kind !== 'employer' && category !== undefined) {
    throw badRequest('unit.category_not_applicable', 'Only employers have a category');
  }
}

/** Units: creation chain (R4), codes (R1–R3), first administrator (R7), jurisdiction (R10). */
export class UnitService {
  constructor(
    private readonly deps: {
      db: Database;
      audit: AuditService;
      units: UnitRepository;
      accounts: AccountRepository;
      factory: AccountFactory;
      ending: AccountEnding;
      powers: AccountPowerGuard;
      personGate: PersonGate;
    },
  ) {}

  /**
   * R4 — creates a unit below the caller's unit, with its unit account and first administrator, in
   * one transaction (R7). Without a USCC the unit gets a derived code (R2).
   */
  async create(actor: Actor, input: CreateUnitInput, meta: RequestMeta) {
    authorize(actor, 'unit.create');
    checkCategory(input.kind, input.category);
    const uscc = input.uscc === undefined ? undefined : acceptUscc(actor, input.uscc, input.usccOverride === true);
    const [unitSecret, adminSecret] = await Promise.all([this.deps.factory.prepareSecret(), this.deps.factory.prepareSecret()]);
    return this.deps.personGate.guard(actor, 'unit.create', input.admin, meta, () => this.createIn(actor, input, uscc, unitSecret, adminSecret, meta));
  }

  private async createIn(actor: Actor, input: CreateUnitInput, uscc: string | undefined, unitSecret: InitialPassword, adminSecret: InitialPassword, meta: RequestMeta) {
    try {
      return await this.deps.db.transaction(async (tx) => {
        const creator = await this.deps.units.findById(tx, actor.unitId);
        if (!creator || creator.status !== 'active') throw forbidden('unit.creator_inactive', 'Your unit is disabled');
        const level = checkCreation(creator, input.kind, input.level);
        const code = uscc ?? derivedCode(creator.uscc, await this.deps.units.takeDerivedSerial(tx, creator.id));
        if (await this.deps.units.findByUscc(tx, code)) throw conflict('unit.uscc_taken', `A unit with code ${code} already exists`);
        const id = crypto.randomUUID();
        const unit = await this.deps.units.create(
          tx,
          {
            id,
            kind: input.kind,
            level,
            category: input.category ?? null,
            name: input.name,
            uscc: code,
            derived: uscc === undefined,
            usccOverride: input.usccOverride === true && uscc !== undefined,
            adminDivision: input.adminDivision ?? null,
            responsibilities: input.responsibilities ?? '',
            createdByUnitId: creator.id,
            path: [id], // unaffiliated until the upper unit confirms (R13)
          },
        );
        const unitAccount = await this.deps.factory.createUnitAccount(tx, unit, unitSecret);
        const admin = await this.deps.factory.createPersonAccount(tx, {
          unit,
          kind: 'admin',
          person: input.admin,
          scope: unit.kind === 'hrss' ? ['all'] : null,
          secret: adminSecret,
          sight: this.deps.personGate.sightOf(actor),
        });
        await this.deps.audit.record(tx, {
          actor,
          action: 'unit.create',
          target: { type: 'unit', id: unit.id },
          unitId: unit.id,
          details: { kind: unit.kind, level, category: unit.category, name: unit.name, uscc: code, derived: uscc === undefined, usccOverride: unit.usccOverride, adminAccountId: admin.account.id },
          meta,
        });
        return {
          unit: unitView(unit),
          unitAccount: { id: unitAccount.account.id, username: unitAccount.username, initialPassword: unitAccount.initialPassword },
          admin: { accountId: admin.account.id, username: admin.username, initialPassword: admin.initialPassword },
        };
      });
    } catch (err) {
      // A race past the checks above (the code, the new administrator's person): the constraint that fired says which.
      throw uniqueConflict(err) ?? err;
    }
  }


  async get(actor: Actor, id: string) {
    authorize(actor, 'unit.read');
    return unitView(await this.visible(undefined, actor, id));
  }

  async list(actor: Actor, filter: UnitFilter) {
    authorize(actor, 'unit.read');
    const scopeUnit = actor.kind === 'unit' ? null : actor.unitId;
    if (!scopeUnit) {
      const own = await this.deps.units.findById(undefined, actor.unitId);
      return { items: own ? [unitView(own)] : [] };
    }
    const rows = await this.deps.units.list(undefined, scopeUnit, filter);
    return toPage(rows, filter.limit, (r) => [r.name, r.id], unitView);
  }

  /** Issue 11 — the confirmed tree below a unit, a level at a time, paged and never cut silently (`unit-tree.ts`). */
  async tree(actor: Actor, id: string, q: TreeQuery) {
    authorize(actor, 'unit.read');
    const root = await this.visible(undefined, actor, id);
    // A unit account sees its own unit only (the levels below are its administrator's business).
    return loadTree(this.deps.units, actor.unitId, root, actor.kind === 'unit' ? { ...q, depth: 0 } : q);
  }

  async update(actor: Actor, id: string, changes: UnitChanges, meta: RequestMeta) {
    authorize(actor, 'unit.update');
    return this.deps.db.transaction(async (tx) => {
      const row = await this.visible(tx, actor, id);
      if (changes.category !== undefined) checkCategory(row.kind, changes.category);
      if (row.id === actor.unitId && actor.unitKind !== 'hrss') {
        // R10 — a unit's own data is maintained by the unit above it, except its responsibilities.
        if (changes.name !== undefined || changes.adminDivision !== undefined || changes.category !== undefined) {
          throw forbidden('unit.update_own_forbidden', "A unit's name and division are maintained by the unit above it");
        }
      }
      const unit = (await this.deps.units.lock(tx, row.id))!;
      // R25: only real changes are written and audited — a value equal to the stored one is no change.
      const stored: Record<string, unknown> = unit;
      const patch = Object.fromEntries(Object.entries(changes).filter(([k, v]) => v !== undefined && v !== stored[k]));
      if (!Object.keys(patch).length) return unitView(unit); // nothing changed: nothing to write or audit
      const updated = await this.deps.units.update(tx, unit.id, patch);
      await this.deps.audit.record(tx, { actor, action: 'unit.update', target: { type: 'unit', id }, unitId: id, details: { changes: patch }, meta });
      return unitView(updated);
    });
  }

  /**
   * R7 — replaces the unit's administrator: by the unit account itself or an administrator of the
   * creating unit (or any unit above it). The previous administrator account is disabled and every
   * session and token it holds ends.
   */
  async changeAdmin(actor: Actor, id: string, person: PersonInput, meta: RequestMeta) {
    authorize(actor, 'unit.change-admin');
    const secret = await this.deps.factory.prepareSecret();
    const { result, after } = await this.deps.personGate.guard(actor, 'unit.change-admin', person, meta, () => this.changeAdminIn(actor, id, person, secret, meta));
    await Promise.all(after.map((f) => f()));
    return result;
  }

  private changeAdminIn(actor: Actor, id: string, person: PersonInput, secret: InitialPassword, meta: RequestMeta) {
    return this.deps.db.transaction(async (tx) => {
      // R7 names the creating unit explicitly: it keeps this power after the unit affiliates elsewhere.
      const created = actor.kind === 'admin' ? await this.deps.units.findById(tx, id) : null;
      const row = created?.createdByUnitId === actor.unitId ? created : await this.visible(tx, actor, id);
      if (actor.kind === 'admin' && row.id === actor.unitId) {
        throw forbidden('unit.change_own_admin', "An administrator cannot replace its own unit's administrator; the unit account or the unit above does");
      }
      const unit = (await this.deps.units.lock(tx, row.id))!;
      // An hrss unit's scoped administrators (R6) stay; the one(s) with scope "all" are replaced.
      const previous = (await this.deps.accounts.activeAdmins(tx, unit.id)).filter((a) => unit.kind !== 'hrss' || a.scope?.includes('all'));
      // Issue 5 item 1: the actor covers both the administrators it disables and the one it names.
      const scope = unit.kind === 'hrss' ? ['all'] : null;
      for (const old of previous) await this.deps.powers.check(tx, actor, old);
      await this.deps.powers.check(tx, actor, { id: null, kind: 'admin', unitId: unit.id, scope });
      const afterCommit: Array<() => Promise<void>> = [];
      for (const old of previous) afterCommit.push(await this.deps.ending.end(tx, old, 'disabled'));
      const admin = await this.deps.factory.createPersonAccount(tx, { unit, kind: 'admin', person, scope, secret, sight: this.deps.personGate.sightOf(actor) });
      await this.deps.audit.record(tx, {
        actor,
        action: 'unit.change-admin',
        target: { type: 'unit', id: unit.id },
        unitId: unit.id,
        details: { previous: previous.map((a) => a.id), adminAccountId: admin.account.id },
        meta,
      });
      return {
        result: { accountId: admin.account.id, username: admin.username, initialPassword: admin.initialPassword },
        after: afterCommit,
      };
    });
  }

  /**
   * R6 — an hrss unit may have several administrators, each with a scope of subsystems. The actor
   * must cover the administrator it creates (issue 5 item 1): a scope-all administrator of the unit
   * adds scoped ones; a new scope-all one needs the unit account or a unit above.
   */
  async addHrssAdmin(actor: Actor, id: string, person: PersonInput, requested: string[], meta: RequestMeta) {
    authorize(actor, 'unit.change-admin');
    const scope = normalizeScope(requested);
    const secret = await this.deps.factory.prepareSecret();
    return this.deps.personGate.guard(actor, 'unit.add-admin', person, meta, () => this.deps.db.transaction(async (tx) => {
      const row = await this.visible(tx, actor, id);
      if (row.kind !== 'hrss') throw conflict('unit.single_admin', 'Only hrss units have several administrators (R6)');
      await this.deps.powers.check(tx, actor, { id: null, kind: 'admin', unitId: row.id, scope });
      const unit = (await this.deps.units.findById(tx, row.id))!;
      const admin = await this.deps.factory.createPersonAccount(tx, { unit, kind: 'admin', person, scope, secret, sight: this.deps.personGate.sightOf(actor) });
      await this.deps.audit.record(tx, { actor, action: 'unit.add-admin', target: { type: 'account', id: admin.account.id }, unitId: unit.id, details: { scope }, meta });
      return { accountId: admin.account.id, username: admin.username, initialPassword: admin.initialPassword };
    }));
  }

  /** Disables (or re-enables) a unit below the caller: its accounts can no longer sign in and their sessions end. */
  async setStatus(actor: Actor, id: string, status: 'active' | 'disabled', meta: RequestMeta) {
    authorize(actor, 'unit.disable');
    const { view, after } = await this.deps.db.transaction(async (tx) => {
      const row = await this.visible(tx, actor, id);
      if (row.id === actor.unitId) throw forbidden('unit.disable_own', 'A unit cannot disable itself');
      await this.deps.units.lock(tx, row.id);
      const unit = await this.deps.units.update(tx, row.id, { status });
      const afterCommit: Array<() => Promise<void>> = [];
      if (status === 'disabled') {
        for (const accountId of await this.deps.accounts.activeAccountIdsOfUnits(tx, [unit.id])) afterCommit.push(await this.deps.ending.endSessions(tx, accountId));
      }
      await this.deps.audit.record(tx, { actor, action: status === 'disabled' ? 'unit.disable' : 'unit.enable', target: { type: 'unit', id }, unitId: id, meta });
      return { view: unitView(unit), after: afterCommit };
    });
    await Promise.all(after.map((f) => f()));
    return view;
  }

  /** R10 — the unit if the actor may see it; anything else is "not found", never leaked. */
  private async visible(tx: Transaction | undefined, actor: Actor, id: string): Promise<UnitRow> {
    const row =
      actor.kind === 'unit'
        ? id === actor.unitId
          ? await this.deps.units.findById(tx, id)
          : null
        : await this.deps.units.findInJurisdiction(tx, actor.unitId, id);
    if (!row) throw notFound('unit.not_found', 'Unit not found');
    return row;
  }
}
