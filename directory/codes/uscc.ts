/**
 * Unified Social Credit Codes (统一社会信用代码, GB 32100-2015) and derived codes (R1, R2).
 *
 * A USCC is 18 characters: 2 (registration department + type) · 6 (administrative division) ·
 * 9 (organization code, GB 11714, whose 9th character is its own check) · 1 check character.
 */
import { badRequest, conflict } from '../../platform/errors.ts';

/** The 31 characters a USCC may use; a character's value is its index here. */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;
const ORG_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Why a USCC was refused. */
export type UsccFailureReason = 'length' | 'charset' | 'check_character' | 'organization_code_check';

/** Outcome of {@link checkUscc}: the normalized value, and on failure the 1-based position and reason. */
export type UsccCheck =
  | { ok: true; value: string }
  | { ok: false; value: string; position: number; reason: UsccFailureReason; message: string };

/**
 * Computes the GB 32100-2015 check character (the 18th) of a USCC body.
 * @param first17 the first 17 characters, already upper-case and within {@link USCC_ALPHABET}
 * @throws Error if the body is not 17 valid characters (a programming error, not a user error)
 */
export function computeUsccCheck(first17: string): string {
  if (first17.length !== 17) throw new Error('computeUsccCheck needs exactly 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_ALPHABET.indexOf(first17[i]!);
    if (v < 0) throw new Error(`computeUsccCheck: '${first17[i]}' is not a USCC character`);
    sum += v * USCC_WEIGHTS[i]!;
  }
  return USCC_ALPHABET[(31 - (sum % 31)) % 31]!;
}

/**
 * Computes the GB 11714 check character (the 9th) of an organization code body.
 * @param first8 the first 8 characters of the organization code (0-9, A-Z)
 * @returns a digit or `X`
 */
export function computeOrgCodeCheck(first8: string): string {
  if (first8.length !== 8) throw new Error('computeOrgCodeCheck needs exactly 8 characters');
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const v = ORG_ALPHABET.indexOf(first8[i]!);
    if (v < 0) throw new Error(`computeOrgCodeCheck: '${first8[i]}' is not an organization code character`);
    sum += v * ORG_WEIGHTS[i]!;
  }
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

const fail = (value: string, position: number, reason: UsccFailureReason, message: string): UsccCheck => ({
  ok: false,
  value,
  position,
  reason,
  message,
});

/**
 * Checks a USCC without throwing (R1). The input is trimmed and upper-cased; the checks run in the order
 * charset, length, organization-code check (position 17), check character (position 18), and the first
 * failure is reported. A failure whose reason satisfies {@link isCheckFailure} means charset and length are
 * fine, so a province administrator may accept the code with an audited override.
 */
export function checkUscc(input: string): UsccCheck {
  const value = input.trim().toUpperCase();
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (!USCC_ALPHABET.includes(ch)) {
      const why = 'IOSVZ'.includes(ch)
        ? 'the letters I, O, S, V and Z are never used'
        : 'only digits and the letters A-H, J-N, P-R, T, U, W-Y are allowed';
      return fail(value, i + 1, 'charset', `USCC character ${i + 1} ('${ch}') is not allowed: ${why}`);
    }
  }
  if (value.length !== 18) {
    const position = value.length < 18 ? value.length + 1 : 19;
    const msg =
      value.length === 0
        ? 'USCC is empty: it must be 18 characters'
        : `USCC must be 18 characters but has ${value.length} (${value.length < 18 ? `missing from position ${position}` : `extra from position ${position}`})`;
    return fail(value, position, 'length', msg);
  }
  if (computeOrgCodeCheck(value.slice(8, 16)) !== value[16]) {
    return fail(
      value,
      17,
      'organization_code_check',
      'USCC character 17 does not match the check of the organization code (characters 9-17): look for a typing error in characters 9-17',
    );
  }
  if (computeUsccCheck(value.slice(0, 17)) !== value[17]) {
    return fail(
      value,
      18,
      'check_character',
      'USCC check character (position 18) does not match characters 1-17: look for a typing error',
    );
  }
  return { ok: true, value };
}

/**
 * Parses a USCC (R1): trims, upper-cases and validates it.
 * @returns the normalized 18-character code
 * @throws AppError 400 `unit.uscc_invalid` with details `{position, reason}` (1-based position)
 */
export function parseUscc(input: string): string {
  const r = checkUscc(input);
  if (!r.ok) throw badRequest('unit.uscc_invalid', r.message, { position: r.position, reason: r.reason });
  return r.value;
}

/**
 * True for the failure reasons a province administrator may override (R1): the two check characters.
 * Length and charset failures are never overridable.
 */
export function isCheckFailure(reason: UsccFailureReason | string): boolean {
  return reason === 'check_character' || reason === 'organization_code_check';
}

/**
 * Builds a derived code (临时社会信用代码, R2): the parent unit's code followed by a 2-digit serial.
 * For an 18-character parent USCC the result is 20 characters. Derived codes are not USCCs and are not
 * validated as such. Allocating the next free serial atomically is the caller's job.
 * @param parentCode the parent unit's code, as stored
 * @param serial 1..99
 * @throws AppError 409 `unit.derived_code_exhausted` when the serial is outside 1..99
 */
export function derivedCode(parentCode: string, serial: number): string {
  if (!Number.isInteger(serial) || serial < 1 || serial > 99) {
    throw conflict(
      'unit.derived_code_exhausted',
      `No derived code left under unit ${parentCode}: serials run from 01 to 99 (asked for ${serial})`,
      { parentCode, serial },
    );
  }
  return parentCode + String(serial).padStart(2, '0');
}
