import type { Transaction } from 'sequelize';
import { conflict } from '../../platform/errors.ts';
import type { CredentialService, InitialPassword } from '../credentials/credential-service.ts';
import type { AccountKind, Unit } from '../models/index.ts';
import crypto from 'node:crypto';
import { isAppError, type AppError } from '../../platform/errors.ts';
import { findOrCreatePerson, matchPerson, parsePersonInput, type PersonSight } from '../persons/person-rules.ts';
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

  /**
   * Issue 8 (import batches) — operator accounts for many rows at once, by the rules of
   * `createPersonAccount` (R8: one person per ID number, one phone per person; one active operator
   * account per person and unit) with reads and writes per batch, not per row. Every person is in
   * sight (the importer is a province administrator). Each row answers `created`, `unchanged` (the
   * operator exists) or the refusal; new persons get the one prepared credential.
   */
  async createOperators(
    tx: Transaction,
    rows: Array<{ unit: Pick<Unit, 'id' | 'kind'>; person: PersonInput }>,
    secret: InitialPassword,
  ): Promise<Array<{ outcome: 'created'; accountId: string; personCreated: boolean } | { outcome: 'unchanged' } | { outcome: 'failed'; error: AppError }>> {
    const byId = await this.deps.persons.findByIdNumbers(tx, rows.map((r) => parsePersonInput(r.person).idNumber));
    const byPhone = await this.deps.persons.findByPhones(tx, rows.map((r) => r.person.phone));
    const active = await this.deps.accounts.activeOfPersons(tx, [...byId.values()].map((p) => p.id), 'operator');
    const newPersons: Array<PersonInput & { id: string }> = [];
    const newAccounts: Parameters<AccountRepository['createMany']>[1] = [];
    const answers = rows.map((row) => {
      try {
        const input = parsePersonInput(row.person);
        let person: { id: string; name: string } | null = matchPerson(input, byId.get(input.idNumber) ?? null, byPhone.get(input.phone) ?? null);
        const personCreated = person === null;
        if (!person) {
          // A person new to the directory, seen by the later rows of the batch as stored.
          person = { id: crypto.randomUUID(), name: input.name };
          newPersons.push({ id: person.id, ...input });
          byId.set(input.idNumber, person as never);
          byPhone.set(input.phone, person as never);
        }
        const key = `${person.id}@${row.unit.id}`;
        if (active.has(key)) return { outcome: 'unchanged' as const };
        const accountId = crypto.randomUUID();
        newAccounts.push({ id: accountId, kind: 'operator', unitId: row.unit.id, unitKind: row.unit.kind, personId: person.id, username: null, scope: null });
        active.set(key, accountId);
        return { outcome: 'created' as const, accountId, personCreated };
      } catch (err) {
        if (isAppError(err)) return { outcome: 'failed' as const, error: err };
        throw err;
      }
    });
    await this.deps.persons.createMany(tx, newPersons);
    await this.deps.accounts.createMany(tx, newAccounts);
    await this.deps.credentials.createPersonCredentials(tx, newPersons.map((p) => p.id), secret.hash);
    return answers;
  }
}
