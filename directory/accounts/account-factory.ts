import type { Transaction } from 'sequelize';
import { conflict } from '../../platform/errors.ts';
import type { CredentialService, InitialPassword } from '../credentials/credential-service.ts';
import type { AccountKind, Unit } from '../models/index.ts';
import { findOrCreatePerson, parsePersonInput, type PersonSight } from '../persons/person-rules.ts';
import type { PersonInput, PersonRepository } from '../persons/person-repository.ts';
import type { AccountRepository } from './account-repository.ts';

/**
 * Creates unit accounts and real-name accounts with their first credential. R20: every created
 * credential holds an initial password that must be changed at the next sign-in — random and shown
 * once, unless INITIAL_PASSWORD fixes one.
 */
export class AccountFactory {
  constructor(private readonly deps: { credentials: CredentialService; persons: PersonRepository; accounts: AccountRepository }) {}

  /** Made before the transaction opens: argon2 is slow and must not hold the database (R18). */
  prepareSecret(): Promise<InitialPassword> {
    return this.deps.credentials.prepareInitialPassword();
  }

  /** R3 — the unit account's sign-in name is the unit's code. */
  async createUnitAccount(tx: Transaction, unit: Pick<Unit, 'id' | 'kind' | 'uscc'>, secret: InitialPassword) {
    const account = await this.deps.accounts.create(tx, { kind: 'unit', unitId: unit.id, unitKind: unit.kind, personId: null, username: unit.uscc, scope: null });
    await this.deps.credentials.createCredential(tx, { accountId: account.id, hash: secret.hash });
    return { account, username: unit.uscc, initialPassword: secret.password };
  }

  /**
   * A real-name administrator or operator account (R8). An existing person keeps the password they
   * have (one person, one password): `initialPassword` is then null. `sight` says which stored
   * persons the caller may be told about (R10, see `findOrCreatePerson`).
   */
  async createPersonAccount(
    tx: Transaction,
    args: { unit: Pick<Unit, 'id' | 'kind'>; kind: Exclude<AccountKind, 'unit'>; person: PersonInput; scope: string[] | null; secret: InitialPassword; sight: PersonSight },
  ) {
    // R8 checked here too, not only by the routes: every caller (services, bootstrap, demo) gets it.
    const { person, created } = await findOrCreatePerson(this.deps.persons, tx, parsePersonInput(args.person), args.sight);
    const duplicate = await this.deps.accounts.findActive(tx, { personId: person.id, unitId: args.unit.id, kind: args.kind });
    if (duplicate) throw conflict('account.exists', `This person already has an active ${args.kind} account in this unit`);
    const account = await this.deps.accounts.create(tx, {
      kind: args.kind,
      unitId: args.unit.id,
      unitKind: args.unit.kind,
      personId: person.id,
      username: null,
      scope: args.scope,
    });
    if (created) await this.deps.credentials.createCredential(tx, { personId: person.id, hash: args.secret.hash });
    return {
      account,
      person,
      // R8/R25 — the person signs in with the ID number or the phone; responses show it masked.
      username: person.idNumberMasked,
      initialPassword: created ? args.secret.password : null,
    };
  }
}
