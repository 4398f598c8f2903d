import type { Transaction } from 'sequelize';
import { badRequest, conflict } from '../../platform/errors.ts';
import { parseIdNumber } from '../codes/id-number.ts';
import { parsePhone } from '../codes/phone.ts';
import type { PersonModel } from '../models/index.ts';
import type { PersonInput, PersonRepository } from './person-repository.ts';

/** R8 — validates a real-name person's data: ID number (GB 11643), mainland mobile, a name. */
export function parsePersonInput(input: { name: string; idNumber: string; phone: string }): PersonInput {
  const name = input.name.trim();
  if (!name || name.length > 100) throw badRequest('person.name_invalid', 'Name must be 1 to 100 characters');
  return { name, idNumber: parseIdNumber(input.idNumber), phone: parsePhone(input.phone) };
}

/**
 * One person, one password, however many accounts: an existing person (same ID number) is reused
 * when the name matches; a phone that belongs to someone else, or differs from the person's own,
 * is refused — the phone is a sign-in name, so an administrator must not be able to re-point it.
 */
export async function findOrCreatePerson(
  repo: PersonRepository,
  tx: Transaction,
  input: PersonInput,
): Promise<{ person: PersonModel; created: boolean }> {
  const existing = await repo.findByIdNumber(tx, input.idNumber);
  const byPhone = await repo.findByPhone(tx, input.phone);
  if (existing) {
    if (existing.name !== input.name) {
      throw conflict('person.name_mismatch', 'This ID number is registered under another name');
    }
    if (byPhone?.id !== existing.id) {
      throw conflict('person.phone_mismatch', "The phone differs from the one registered for this person");
    }
    return { person: existing, created: false };
  }
  if (byPhone) throw conflict('person.phone_in_use', 'This phone number is registered to another person');
  return { person: await repo.create(tx, input), created: true };
}
