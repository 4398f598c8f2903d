import type { Transaction } from 'sequelize';
import { badRequest, conflict } from '../../platform/errors.ts';
import { parseIdNumber } from '../codes/id-number.ts';
import { parsePhone } from '../codes/phone.ts';
import type { Person } from '../models/index.ts';
import type { PersonInput, PersonRepository } from './person-repository.ts';

/** R8 — a person's name: trimmed, 1 to 100 characters. */
export function parsePersonName(input: string): string {
  const name = input.trim();
  if (!name || name.length > 100) throw badRequest('person.name_invalid', 'Name must be 1 to 100 characters');
  return name;
}

/**
 * R8 — validates a real-name person's data: ID number (GB 11643), mainland mobile, a name. The
 * services call it on every path that stores a person (API, bootstrap, demo, CLI), whatever the
 * caller checked before.
 */
export function parsePersonInput(input: { name: string; idNumber: string; phone: string }): PersonInput {
  return { name: parsePersonName(input.name), idNumber: parseIdNumber(input.idNumber), phone: parsePhone(input.phone) };
}

/** R8 — the changeable part of a person (name, phone), each validated when given. */
export function parsePersonChanges(changes: { name?: string | undefined; phone?: string | undefined }): { name?: string; phone?: string } {
  return {
    ...(changes.name === undefined ? {} : { name: parsePersonName(changes.name) }),
    ...(changes.phone === undefined ? {} : { phone: parsePhone(changes.phone) }),
  };
}

/**
 * Whether a stored person lies in the caller's sight: one of their accounts is in a unit of the
 * caller's jurisdiction (R10). Null: every person (the bootstrap, which has no caller).
 */
export type PersonSight = ((tx: Transaction, personId: string) => Promise<boolean>) | null;

export const PERSON_UNAVAILABLE = 'person.unavailable';

/**
 * Issue 5 item 4 (R10) — the one answer about a person outside the caller's sight, whatever matched
 * (ID number, phone, name) and whatever did not: it must not depend on their stored data, or any
 * administrator could test whether an ID number or phone is registered and whether a name fits.
 */
const personUnavailable = () =>
  conflict(
    PERSON_UNAVAILABLE,
    'This person cannot be registered from your unit; if they already hold accounts elsewhere, ask a unit above both',
    { rule: 'R10' },
  );

const outOfSight = async (sight: PersonSight, tx: Transaction, person: Person | null) =>
  person !== null && sight !== null && !(await sight(tx, person.id));

/**
 * One person, one password, however many accounts: an existing person (same ID number) is reused
 * when the name matches; a phone that belongs to someone else, or differs from the person's own,
 * is refused — the phone is a sign-in name, so an administrator must not be able to re-point it.
 * A person out of the caller's sight gets `personUnavailable()` only.
 */
export async function findOrCreatePerson(
  repo: PersonRepository,
  tx: Transaction,
  input: PersonInput,
  sight: PersonSight,
): Promise<{ person: Person; created: boolean }> {
  const existing = await repo.findByIdNumber(tx, input.idNumber);
  const byPhone = await repo.findByPhone(tx, input.phone);
  if (existing && (await outOfSight(sight, tx, existing))) throw personUnavailable();
  if (!existing && byPhone) throw await phoneTaken(sight, tx, byPhone);
  const person = matchPerson(input, existing, byPhone);
  return person ? { person, created: false } : { person: await repo.create(tx, input), created: true };
}

/**
 * R8 — one person per ID number, one phone per person, given the stored person with that ID number
 * and the one holding that phone (each or both null): the existing person to reuse, or null for a
 * new one. The caller has already answered persons out of sight (R10).
 */
export function matchPerson<P extends Pick<Person, 'id' | 'name'>>(input: PersonInput, existing: P | null, byPhone: P | null): P | null {
  if (existing) {
    if (existing.name !== input.name) {
      throw conflict('person.name_mismatch', 'This ID number is registered under another name');
    }
    // Said whether the phone is unknown or someone else's, in sight or not: it tells nothing about them.
    if (byPhone?.id !== existing.id) {
      throw conflict('person.phone_mismatch', "The phone differs from the one registered for this person");
    }
    return existing;
  }
  if (byPhone) throw conflict('person.phone_in_use', 'This phone number is registered to another person');
  return null;
}

/** A phone about to be given to `personId` must not be another person's (R8); out of sight, the one answer. */
export async function checkPhoneFree(repo: PersonRepository, tx: Transaction, personId: string, phone: string, sight: PersonSight) {
  const holder = await repo.findByPhone(tx, phone);
  if (holder && holder.id !== personId) throw await phoneTaken(sight, tx, holder);
}

const phoneTaken = async (sight: PersonSight, tx: Transaction, holder: Person) =>
  (await outOfSight(sight, tx, holder)) ? personUnavailable() : conflict('person.phone_in_use', 'This phone number is registered to another person');
