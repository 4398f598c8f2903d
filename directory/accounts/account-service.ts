import type { Transaction } from 'sequelize';
import type { Database } from '../../platform/db/database.ts';
import type { AuditService } from '../audit/audit-service.ts';
import { conflict, forbidden, notFound } from '../../platform/errors.ts';
import { toPage } from '../../platform/pagination.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { authorize } from '../authz/policy.ts';
import type { AccountKind, AccountStatus } from '../models/index.ts';
import type { AccountPowerGuard } from '../authz/account-power-guard.ts';
import type { PersonGate } from '../persons/person-gate.ts';
import type { PersonInput, PersonRepository } from '../persons/person-repository.ts';
import { checkPhoneFree, parsePersonChanges } from '../persons/person-rules.ts';
import type { UnitRepository } from '../units/unit-repository.ts';
import type { AccountEnding, AfterCommit } from './account-ending.ts';
import type { AccountFactory } from './account-factory.ts';
import type { CredentialOwner, CredentialService } from '../credentials/credential-service.ts';
import type { AccountRepository, AccountRow } from './account-repository.ts';
import type { AdministratorService } from './administrator-service.ts';
import { accountView } from './account-view.ts';

/** The roles half of account management, provided by the role service (R9, R17). */
export interface RoleGrants {
  setAccountRoles(tx: Transaction, actor: Actor, accountId: string, roleCodes: string[], meta: RequestMeta): Promise<unknown>;
}

/** What the account service is built from. */
export interface AccountServiceDeps {
  db: Database;
  audit: AuditService;
  accounts: AccountRepository;
  units: UnitRepository;
  persons: PersonRepository;
  factory: AccountFactory;
  credentials: CredentialService;
  ending: AccountEnding;
  /** Issue 5 item 1: whether the actor's powers cover the account acted on. */
  powers: AccountPowerGuard;
  /** Issue 5 item 4: persons out of the actor's sight get one audited, throttled answer. */
  personGate: PersonGate;
  administrators: AdministratorService;
  roleGrants: RoleGrants;
}

/** Operators and the accounts of a jurisdiction: R6, R8, R9, R10, R12, R19/R20 resets. */
export class AccountService {
  private readonly accounts: AccountRepository;

  constructor(private readonly deps: AccountServiceDeps) {
    this.accounts = deps.accounts;
  }

  /** An operator of the caller's own unit (R10), optionally with roles (R17). */
  async createOperator(actor: Actor, person: PersonInput, roleCodes: string[] | undefined, meta: RequestMeta) {
    authorize(actor, 'account.create-operator');
    const secret = await this.deps.factory.prepareSecret();
    return this.deps.personGate.guard(actor, 'account.create', person, meta, () =>
      this.deps.db.transaction(async (tx) => {
        const unit = await this.deps.units.findById(tx, actor.unitId);
        if (!unit || unit.status !== 'active') throw forbidden('unit.inactive', 'Your unit is disabled');
        const sight = this.deps.personGate.sightOf(actor);
        const created = await this.deps.factory.createPersonAccount(tx, { unit, kind: 'operator', person, scope: null, secret, sight });
        await this.deps.audit.record(tx, { actor, action: 'account.create', target: { type: 'account', id: created.account.id }, unitId: unit.id, details: { kind: 'operator' }, meta });
        if (roleCodes?.length) await this.deps.roleGrants.setAccountRoles(tx, actor, created.account.id, roleCodes, meta);
        return {
          account: accountView((await this.accounts.view(tx, created.account.id))!),
          username: created.username,
          initialPassword: created.initialPassword,
        };
      }),
    );
  }

  async list(actor: Actor, f: { unitId?: string | undefined; kind?: AccountKind | undefined; status?: AccountStatus | undefined; limit: number; next?: string | undefined }) {
    authorize(actor, 'account.read');
    const unitId = f.unitId ?? actor.unitId;
    if (!(await this.deps.units.inJurisdiction(undefined, actor.unitId, unitId))) throw notFound('unit.not_found', 'Unit not found');
    const rows = await this.accounts.list(undefined, { ...f, unitIds: [unitId] });
    return toPage(rows, f.limit, (r) => [new Date(r.createdAt).toISOString(), r.id], accountView);
  }

  async get(actor: Actor, id: string) {
    authorize(actor, 'account.read');
    return accountView(await this.visible(undefined, actor, id));
  }

  /** Updates an operator's person data (name, phone); the ID number is the person's identity and never changes. */
  async update(actor: Actor, id: string, input: { name?: string | undefined; phone?: string | undefined }, meta: RequestMeta) {
    const changes = parsePersonChanges(input); // R8, whoever calls
    authorize(actor, 'account.update');
    const work = () =>
      this.deps.db.transaction(async (tx) => {
        const account = await this.deps.powers.ownOperator(tx, actor, id);
        await this.deps.powers.checkPerson(tx, actor, account.personId!);
        const person = (await this.deps.persons.findById(tx, account.personId!))!;
        if (changes.phone) await checkPhoneFree(this.deps.persons, tx, person.id, changes.phone, this.deps.personGate.sightOf(actor));
        // R25: only real changes are written and audited — the stored name or phone again is no change.
        const changed = this.deps.persons.changedFields(person, changes);
        if (!changed.length) return accountView((await this.accounts.view(tx, id))!); // nothing to write or audit
        await this.deps.persons.update(tx, person.id, Object.fromEntries(changed.map((k) => [k, changes[k]])));
        await this.deps.audit.record(tx, { actor, action: 'account.update', target: { type: 'account', id }, unitId: account.unitId, details: { changed }, meta });
        return accountView((await this.accounts.view(tx, id))!);
      });
    // A new phone is looked up among all persons (R8): the answer about a holder out of sight is the gate's.
    return changes.phone ? this.deps.personGate.guard(actor, 'account.update', { phone: changes.phone }, meta, work) : work();
  }

  async setRoles(actor: Actor, id: string, roleCodes: string[], meta: RequestMeta) {
    authorize(actor, 'account.set-roles');
    return this.deps.db.transaction(async (tx) => {
      await this.deps.powers.ownOperator(tx, actor, id);
      await this.deps.roleGrants.setAccountRoles(tx, actor, id, roleCodes, meta);
      return accountView((await this.accounts.view(tx, id))!);
    });
  }

  /**
   * R19/R20 — a new initial password, shown once; it also unlocks. Who may: see
   * `accountPowerRefusal` (operators by their own unit's administrator within its scope;
   * administrators by their unit account or a scope-all administrator above; unit accounts by a
   * scope-all administrator above), and the actor must cover every account of the person too.
   */
  async resetPassword(actor: Actor, id: string, meta: RequestMeta) {
    authorize(actor, 'account.reset-password');
    const secret = await this.deps.factory.prepareSecret();
    const { result, after } = await this.deps.db.transaction(async (tx) => {
      const account = await this.accounts.findById(tx, id);
      if (!account) throw notFound('account.not_found', 'Account not found');
      await this.deps.powers.check(tx, actor, account);
      if (account.status !== 'active') throw conflict('account.not_active', 'The account is not active');
      if (account.personId) await this.deps.powers.checkPerson(tx, actor, account.personId);
      const owner: CredentialOwner = account.personId ? { personId: account.personId } : { accountId: account.id };
      await this.deps.credentials.resetByAdmin(tx, owner, secret);
      // A reset answers a lost or leaked password: every sign-in made with the old one ends
      // (sessions, grants, refresh tokens of all the person's accounts; subsystems get back-channel logout).
      const holders = account.personId ? await this.accounts.activeAccountsOfPerson(tx, account.personId) : [account];
      const afterCommit: AfterCommit[] = [];
      for (const holder of holders) afterCommit.push(await this.deps.ending.endSessions(tx, holder.id));
      await this.deps.audit.record(tx, { actor, action: 'account.reset-password', target: { type: 'account', id }, unitId: account.unitId, meta });
      return { result: { initialPassword: secret.password }, after: afterCommit };
    });
    await Promise.all(after.map((f) => f()));
    return result;
  }

  /**
   * R12 — offboarding: sign-in stops and every session, grant and token ends at once. R6 — an
   * administrator too, when the actor's powers cover it and its unit keeps what R6 requires.
   */
  async offboard(actor: Actor, id: string, meta: RequestMeta) {
    authorize(actor, 'account.offboard');
    let after: AfterCommit = async () => {};
    const view = await this.deps.db.transaction(async (tx) => {
      const account = await this.accounts.findForUpdate(tx, id);
      if (!account) throw notFound('account.not_found', 'Account not found');
      await this.deps.powers.check(tx, actor, account);
      if (account.kind === 'unit') throw conflict('account.not_offboardable', 'A unit account ends with its unit: disable the unit');
      if (account.status === 'offboarded') throw conflict('account.already_offboarded', 'The account is already offboarded');
      await this.deps.administrators.assertMayRetire(tx, account);
      after = await this.deps.ending.end(tx, account, 'offboarded');
      await this.deps.audit.record(tx, { actor, action: 'account.offboard', target: { type: 'account', id }, unitId: account.unitId, details: { kind: account.kind }, meta });
      return accountView((await this.accounts.view(tx, id))!);
    });
    await after();
    return view;
  }

  /**
   * An operator of the caller's own unit whose roles the caller's scope covers (R6, R10):
   * administrators manage only their unit's operators.
   */
  private async visible(tx: Transaction | undefined, actor: Actor, id: string): Promise<AccountRow> {
    const account = await this.accounts.findById(tx, id);
    const visible =
      account &&
      (actor.kind === 'unit'
        ? account.unitId === actor.unitId
        : await this.deps.units.inJurisdiction(tx, actor.unitId, account.unitId));
    if (!account || !visible) throw notFound('account.not_found', 'Account not found');
    return (await this.accounts.view(tx, id))!;
  }
}
