import { UniqueConstraintError } from 'sequelize';
import type { CodeWithStatus } from '../platform/error-codes/index.ts';
import { conflict, type AppError } from '../platform/errors.ts';

/**
 * What each unique constraint of the directory means. Services check first and refuse with these
 * codes; when two requests race past the check, the database decides and the loser must get the
 * same 409, never a 500 (R2, R3, R6, R13 one pending request, R15 role codes).
 */
const CONSTRAINTS: Record<string, readonly [code: CodeWithStatus<409>, message: string]> = {
  units_uscc_key: ['unit.uscc_taken', 'A unit with this code already exists'],
  accounts_username_key: ['unit.uscc_taken', 'A unit with this code already exists'],
  accounts_one_unit_account: ['unit.account_exists', 'The unit already has its unit account'],
  accounts_one_active_admin: ['unit.admin_exists', 'The unit already has an active administrator (R6)'],
  accounts_one_active_per_person_unit: ['account.exists', 'This person already has an active account of this kind in this unit'],
  persons_id_number_hash_key: ['person.exists', 'This person was registered by another request at the same time; try again'],
  persons_phone_hash_key: ['person.phone_in_use', 'This phone number is registered to another person'],
  affiliation_one_pending: ['affiliation.pending_exists', 'The unit already has a pending affiliation request'],
  migration_one_pending: ['migration.pending_exists', 'A migration of this account is already pending'],
  roles_code_key: ['role.code_taken', 'A role with this code already exists'],
};

/** The 409 a unique violation stands for, or undefined for any other error (the values never reach the answer). */
export function uniqueConflict(err: unknown): AppError | undefined {
  if (!(err instanceof UniqueConstraintError)) return undefined;
  const parent: unknown = err.parent;
  const constraint = parent && typeof parent === 'object' && 'constraint' in parent ? String(parent.constraint) : '';
  const [code, message] = CONSTRAINTS[constraint] ?? ['conflict', 'The change conflicts with the current state'];
  return conflict(code, message);
}
