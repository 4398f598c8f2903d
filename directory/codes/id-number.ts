/**
 * Citizen ID numbers (居民身份证号码, GB 11643-1999) of real-name persons (R8).
 *
 * 18 characters: 6 (region) · 8 (birth date YYYYMMDD) · 3 (sequence) · 1 check character.
 * Error messages never repeat the number itself: it is personal data (R25).
 */
import { badRequest } from '../../platform/errors.ts';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

/** Why an ID number was refused. */
export type IdNumberFailureReason = 'format' | 'check_character' | 'birth_date';

/**
 * Computes the GB 11643-1999 check character of the first 17 digits.
 * @returns a digit or `X`
 * @throws Error if the input is not exactly 17 digits (a programming error)
 */
export function computeIdCheck(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new Error('computeIdCheck needs exactly 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/** True if `yyyymmdd` is a real calendar date. */
function isRealDate(yyyymmdd: string): boolean {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (m < 1 || m > 12 || d < 1) return false;
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= daysInMonth;
}

/** Today's date as YYYYMMDD in China Standard Time (UTC+8). */
function todayInChina(now: Date): string {
  return new Date(now.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10).replaceAll('-', '');
}

const refuse = (reason: IdNumberFailureReason, message: string) =>
  badRequest('person.id_number_invalid', message, { reason });

/**
 * Parses a citizen ID number (R8): trims and upper-cases it (a trailing `x` becomes `X`), then checks
 * the format (17 digits + digit or X), the check character and the birth date (characters 7-14: a real
 * date, year 1900 or later, not after today in China Standard Time).
 * @param input what the user typed
 * @param now the current time (for tests)
 * @returns the normalized 18-character ID number
 * @throws AppError 400 `person.id_number_invalid` with details `{reason: 'format'|'check_character'|'birth_date'}`
 */
export function parseIdNumber(input: string, now: Date = new Date()): string {
  const value = input.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(value)) {
    const message =
      value.length !== 18
        ? `Citizen ID number must be 18 characters but has ${value.length}`
        : 'Citizen ID number must be 17 digits followed by a digit or X';
    throw refuse('format', message);
  }
  if (computeIdCheck(value.slice(0, 17)) !== value[17]) {
    throw refuse(
      'check_character',
      'Citizen ID number check character (position 18) does not match the first 17 digits: look for a typing error',
    );
  }
  const birth = value.slice(6, 14);
  if (!isRealDate(birth)) {
    throw refuse('birth_date', 'Citizen ID number characters 7-14 are not a real birth date (YYYYMMDD)');
  }
  if (Number(birth.slice(0, 4)) < 1900) {
    throw refuse('birth_date', 'Citizen ID number birth date (characters 7-14) is before 1900');
  }
  if (birth > todayInChina(now)) {
    throw refuse('birth_date', 'Citizen ID number birth date (characters 7-14) is in the future');
  }
  return value;
}
