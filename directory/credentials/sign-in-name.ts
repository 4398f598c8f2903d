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
