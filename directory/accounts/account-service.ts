import type { Transaction } from 'sequelize';
import type { BaseContext } from '../../server/context.ts';
import { conflict, forbidden, notFound } from '../../platform/errors.ts';
import { toPage } from '../../platform/pagination.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { authorize } from '../authz/policy.ts';
import { isInJurisdiction } from '../authz/jurisdiction.ts';
import type { AccountKind, AccountModel, AccountStatus } from '../models/index.ts';
import type { PersonInput, PersonRepository } from '../persons/person-repository.ts';
import type { UnitRepository } from '../units/unit-repository.ts';
import type { AccountEnding, AfterCommit } from './account-ending.ts';
import type { AccountFactory } from './account-factory.ts';
import type { CredentialOwner, CredentialService } from '../credentials/credential-service.ts';
import type { AccountRepository, AccountRow } from './account-repository.ts';

/** The roles half of account management, provided by the role service (R9, R17). */
export interface RoleGrants {
  setAccountRoles(tx: Transaction, actor: Actor, accountId: string, roleCodes: string[], meta: RequestMeta): Promise<unknown>;
}

export const accountView = (a: AccountRow) => ({
  id: a.id,
  kind: a.kind,
  unitId: a.unitId,
  status: a.status,
  name: a.name,
  username: a.username ?? a.idNumberMasked,
  idNumber: a.idNumberMasked,
  phone: a.phoneMasked,
  scope: a.scope,
  roles: a.roles,
  createdAt: new Date(a.createdAt).toISOString(),
  endedAt: a.endedAt ? new Date(a.endedAt).toISOString() : null,
});

/** Operators and the accounts of a jurisdiction: R8, R9, R10, R12, R19/R20 resets. */
export class AccountService {
  constructor(
    private readonly base: BaseContext,
    private readonly accounts: AccountRepository,
    private readonly units: UnitRepository,
    private readonly persons: PersonRepository,
    private readonly factory: AccountFactory,
    private readonly credentials: CredentialService,
    private readonly ending: AccountEnding,
    private readonly roles: () => RoleGrants,
  ) {}

  /** An operator of the caller's own unit (R10), optionally with roles (R17). */
  async createOperator(actor: Actor, person: PersonInput, roleCodes: string[] | undefined, meta: RequestMeta) {
    authorize(actor, 'account.create-operator');
    const secret = await this.factory.prepareSecret();
    return this.base.db.transaction(async (tx) => {
      const unit = await this.units.findById(tx, actor.unitId);
      if (!unit || unit.status !== 'active') throw forbidden('unit.inactive', 'Your unit is disabled');
      const created = await this.factory.createPersonAccount(tx, { unit, kind: 'operator', person, scope: null, secret });
      await this.base.audit.record(tx, { actor, action: 'account.create', target: { type: 'account', id: created.account.id }, unitId: unit.id, details: { kind: 'operator' }, meta });
      if (roleCodes?.length) await this.roles().setAccountRoles(tx, actor, created.account.id, roleCodes, meta);
      return {
        account: accountView((await this.accounts.view(tx, created.account.id))!),
        username: created.username,
        initialPassword: created.initialPassword,
      };
    });
  }

  async list(actor: Actor, f: { unitId?: string | undefined; kind?: AccountKind | undefined; status?: AccountStatus | undefined; limit: number; next?: string | undefined }) {
    authorize(actor, 'account.read');
    const unitId = f.unitId ?? actor.unitId;
    if (!(await isInJurisdiction(this.base.db.sequelize, actor.unitId, unitId))) throw notFound('unit.not_found', 'Unit not found');
    const rows = await this.accounts.list(undefined, { ...f, unitIds: [unitId] });
    return toPage(rows, f.limit, (r) => [new Date(r.createdAt).toISOString(), r.id], accountView);
  }

  async get(actor: Actor, id: string) {
    authorize(actor, 'account.read');
    return accountView(await this.visible(undefined, actor, id));
  }

  /** Updates an operator's person data (name, phone); the ID number is the person's identity and never changes. */
  async update(actor: Actor, id: string, changes: { name?: string | undefined; phone?: string | undefined }, meta: RequestMeta) {
    authorize(actor, 'account.update');
    return this.base.db.transaction(async (tx) => {
      const account = await this.ownOperator(tx, actor, id);
      await this.checkGovernsPerson(tx, actor, account.personId!);
      const person = (await this.persons.findById(tx, account.personId!))!;
      if (changes.phone) {
        const holder = await this.persons.findByPhone(tx, changes.phone);
        if (holder && holder.id !== person.id) throw conflict('person.phone_in_use', 'This phone number is registered to another person');
      }
      // R25: only real changes are written and audited — the stored name or phone again is no change.
      const changed = this.persons.changedFields(person, changes);
      if (!changed.length) return accountView((await this.accounts.view(tx, id))!); // nothing to write or audit
      await this.persons.update(tx, person, Object.fromEntries(changed.map((k) => [k, changes[k]])));
      await this.base.audit.record(tx, { actor, action: 'account.update', target: { type: 'account', id }, unitId: account.unitId, details: { changed }, meta });
      return accountView((await this.accounts.view(tx, id))!);
    });
  }

  async setRoles(actor: Actor, id: string, roleCodes: string[], meta: RequestMeta) {
    authorize(actor, 'account.set-roles');
    return this.base.db.transaction(async (tx) => {
      await this.ownOperator(tx, actor, id);
      await this.roles().setAccountRoles(tx, actor, id, roleCodes, meta);
      return accountView((await this.accounts.view(tx, id))!);
    });
  }

  /**
   * R19/R20 — a new initial password, shown once; it also unlocks. Operators are reset by their own
   * unit's administrator; administrators and unit accounts of units below by the units above (R7);
   * a unit account resets its own unit's administrator.
   */
  async resetPassword(actor: Actor, id: string, meta: RequestMeta) {
    authorize(actor, 'account.reset-password');
    const secret = await this.factory.prepareSecret();
    const { result, after } = await this.base.db.transaction(async (tx) => {
      const account = await this.visibleModel(tx, actor, id);
      const own = account.unitId === actor.unitId;
      const allowed =
        actor.kind === 'unit'
          ? own && account.kind === 'admin'
          : own
            ? account.kind === 'operator'
            : account.kind !== 'operator';
      if (!allowed || account.id === actor.accountId) {
        throw forbidden('account.reset_not_allowed', 'You may not reset the password of this account');
      }
      if (account.status !== 'active') throw conflict('account.not_active', 'The account is not active');
      if (account.personId) await this.checkGovernsPerson(tx, actor, account.personId);
      const owner: CredentialOwner = account.personId ? { personId: account.personId } : { accountId: account.id };
      await this.credentials.resetByAdmin(tx, owner, secret);
      // A reset answers a lost or leaked password: every sign-in made with the old one ends
      // (sessions, grants, refresh tokens of all the person's accounts; subsystems get back-channel logout).
      const holders = account.personId ? await this.accounts.activeAccountsOfPerson(tx, account.personId) : [account];
      const afterCommit: AfterCommit[] = [];
      for (const holder of holders) afterCommit.push(await this.ending.endSessions(tx, holder.id));
      await this.base.audit.record(tx, { actor, action: 'account.reset-password', target: { type: 'account', id }, unitId: account.unitId, meta });
      return { result: { initialPassword: secret.password }, after: afterCommit };
    });
    await Promise.all(after.map((f) => f()));
    return result;
  }

  /** R12 — offboarding: sign-in stops and every session, grant and token ends at once. */
  async offboard(actor: Actor, id: string, meta: RequestMeta) {
    authorize(actor, 'account.offboard');
    let after: AfterCommit = async () => {};
    const view = await this.base.db.transaction(async (tx) => {
      const account = await this.ownOperator(tx, actor, id, true);
      if (account.status === 'offboarded') throw conflict('account.already_offboarded', 'The account is already offboarded');
      after = await this.ending.end(tx, account, 'offboarded');
      await this.base.audit.record(tx, { actor, action: 'account.offboard', target: { type: 'account', id }, unitId: account.unitId, meta });
      return accountView((await this.accounts.view(tx, id))!);
    });
    await after();
    return view;
  }

  /**
   * One person, one password and one phone (both sign-in names): a reset or a phone change made
   * through one account reaches every account of the person. The actor must govern all of them —
   * otherwise an administrator who knows someone's name, ID number and phone could make them an
   * operator of its own unit and reset that password, taking over their administrator account
   * elsewhere (R10). Governed: accounts in units of the actor's jurisdiction, except another
   * administrator of an administrator's own unit (hrss units have several, R6).
   */
  private async checkGovernsPerson(tx: Transaction, actor: Actor, personId: string): Promise<void> {
    for (const other of await this.accounts.activeAccountsOfPerson(tx, personId)) {
      if (other.id === actor.accountId) continue;
      const peerAdmin = actor.kind === 'admin' && other.unitId === actor.unitId && other.kind === 'admin';
      if (peerAdmin || !(await isInJurisdiction(this.base.db.sequelize, actor.unitId, other.unitId, tx))) {
        throw forbidden('account.person_not_governed', 'This person also holds accounts that you do not manage', {
          rule: 'R10',
        });
      }
    }
  }

  /** An operator of the caller's own unit (R10: administrators manage only their unit's operators). */
  async ownOperator(tx: Transaction, actor: Actor, id: string, lock = false): Promise<AccountModel> {
    const account = lock ? await this.accounts.findForUpdate(tx, id) : await this.accounts.findById(tx, id);
    if (!account || !(await isInJurisdiction(this.base.db.sequelize, actor.unitId, account.unitId, tx))) {
      throw notFound('account.not_found', 'Account not found');
    }
    if (account.unitId !== actor.unitId || account.kind !== 'operator') {
      throw forbidden('account.not_own_operator', "Administrators manage only their own unit's operator accounts (R10)");
    }
    return account;
  }

  private async visibleModel(tx: Transaction | undefined, actor: Actor, id: string): Promise<AccountModel> {
    const account = await this.accounts.findById(tx, id);
    const visible =
      account &&
      (actor.kind === 'unit'
        ? account.unitId === actor.unitId
        : await isInJurisdiction(this.base.db.sequelize, actor.unitId, account.unitId, tx));
    if (!account || !visible) throw notFound('account.not_found', 'Account not found');
    return account;
  }

  private async visible(tx: Transaction | undefined, actor: Actor, id: string): Promise<AccountRow> {
    await this.visibleModel(tx, actor, id);
    return (await this.accounts.view(tx, id))!;
  }
}

