import type { Sequelize } from 'sequelize';
import type { PiiCipher } from '../../platform/crypto/pii.ts';
import { maskIdNumber, maskPhone } from '../masking.ts';

/**
 * Sign-in names (R3, R8): a person signs in with the citizen ID number or the mobile phone, a unit
 * account with its code (USCC). Input is trimmed and upper-cased (the ID check character `x`, USCC
 * letters); anything longer than any real name is treated as unknown without a lookup.
 */
export function normalizeSignInName(input: string): string {
  return input.trim().toUpperCase();
}

const ID_NUMBER = /^\d{17}[\dX]$/;
const PHONE = /^1\d{10}$/;

/**
 * The sign-in name as it may appear in the audit trail (R25): ID numbers and phones masked; a USCC
 * is a public unit code and stays readable; anything else is masked like an ID number.
 */
export function maskSignInName(name: string): string {
  if (PHONE.test(name)) return maskPhone(name);
  if (ID_NUMBER.test(name)) return maskIdNumber(name);
  if (/^[0-9A-HJ-NP-RTUW-Y]{18}$/.test(name)) return name;
  return maskIdNumber(name);
}

/**
 * The credential behind a sign-in name, or undefined. One keyed hash serves both person columns
 * (ID number and phone use the same lookup key); a unit account is found by its username. Three
 * indexed probes, the same work for a known and an unknown name.
 */
export async function findCredentialId(sequelize: Sequelize, pii: PiiCipher, name: string): Promise<string | undefined> {
  if (!name || name.length > 32) return undefined;
  const hash = pii.lookupHash(name);
  const [rows] = await sequelize.query(
    `(SELECT c.id FROM persons p JOIN credentials c ON c.person_id = p.id WHERE p.id_number_hash = :hash)
     UNION ALL (SELECT c.id FROM persons p JOIN credentials c ON c.person_id = p.id WHERE p.phone_hash = :hash)
     UNION ALL (SELECT c.id FROM accounts a JOIN credentials c ON c.account_id = a.id
                WHERE a.username = :name AND a.kind = 'unit')
     LIMIT 1`,
    { replacements: { hash, name } },
  );
  return (rows as Array<{ id: string }>)[0]?.id;
}
