/**
 * Password policy (R18). Two modes:
 * - `dengbao` (default, 等保 2.0 level 3): at least 8 characters, at least 3 of 4 character classes,
 *   changed every 90 days;
 * - `nist` (NIST SP 800-63B): at least 15 characters, no composition rule, no rotation, and very common
 *   passwords are refused.
 * Both modes: at most 128 characters, not the initial password, not containing the person's ID number,
 * phone or the sign-in name. "Not one of the last 5" is checked elsewhere, against the stored hashes.
 */
import { randomInt } from 'node:crypto';
import { badRequest } from '../platform/errors.ts';

export type PasswordPolicyMode = 'dengbao' | 'nist';

/** The rule a refused password broke (details.rule of `password.policy_violation`). */
export type PasswordRule =
  | 'too_short'
  | 'too_long'
  | 'classes'
  | 'initial'
  | 'contains_id'
  | 'contains_phone'
  | 'contains_username'
  | 'common';

export interface PasswordContext {
  mode: PasswordPolicyMode;
  /** The initial password the account was given; the new one must differ. */
  initialPassword?: string | null;
  idNumber?: string | null;
  phone?: string | null;
  username?: string | null;
  /** Not supported here: password history (last 5) is checked by the caller against stored hashes. */
  recentHashesCheck?: never;
}

export const MAX_PASSWORD_LENGTH = 128;
const MIN_LENGTH: Readonly<Record<PasswordPolicyMode, number>> = { dengbao: 8, nist: 15 };

/** R18 — the shortest password the policy accepts: the one number the check and the sign-in page's hint use. */
export const minPasswordLength = (mode: PasswordPolicyMode): number => MIN_LENGTH[mode];
/** Personal values shorter than this are too short to be meaningfully "contained" and are ignored. */
const MIN_CONTAINED = 4;

const COMMON = new Set([
  '123456789012345', '1234567890123456', '12345678901234567890', '012345678901234', '111111111111111',
  'passwordpassword', 'password12345678', 'password1234567', 'p@ssw0rdp@ssw0rd', 'qwertyuiopasdfgh',
  'qwertyuiopasdfghjkl', '1q2w3e4r5t6y7u8i', '1qaz2wsx3edc4rfv', '1qaz2wsx3edc4rfv5tgb', 'zaq12wsxcde34rfv',
  'iloveyouiloveyou', 'woaini1314woaini', 'woaini5201314520', '5201314520131452', 'abc123456789abc',
  'administrator123', 'administrator1234', 'admin12345678901', 'welcome123456789', 'changeme12345678',
  'letmeinletmein1', 'correcthorsebatterystaple', 'thequickbrownfox', 'trustno1trustno1',
]);
/** Keyboard and alphabet runs: a candidate that is a piece of one of these (wrapping around) is refused. */
const RUNS = ['0123456789', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiopasdfghjklzxcvbnm', '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p'];

/** The character classes of R18 present in `s`: upper, lower, digit, symbol (anything else). */
function classCount(s: string): number {
  let upper = 0, lower = 0, digit = 0, other = 0;
  for (const ch of s) {
    if (ch >= 'A' && ch <= 'Z') upper = 1;
    else if (ch >= 'a' && ch <= 'z') lower = 1;
    else if (ch >= '0' && ch <= '9') digit = 1;
    else other = 1;
  }
  return upper + lower + digit + other;
}

/** True for a very common password: listed, a repetition of a shorter piece, or a keyboard/alphabet run. */
function isCommon(candidate: string): boolean {
  const s = candidate.toLowerCase();
  if (COMMON.has(s)) return true;
  if (/^(.+)\1+$/su.test(s)) return true;
  return RUNS.some((run) => {
    const looped = run.repeat(Math.ceil(s.length / run.length) + 1);
    const reversed = [...looped].reverse().join('');
    return looped.includes(s) || reversed.includes(s);
  });
}

const violation = (rule: PasswordRule, message: string) =>
  badRequest('password.policy_violation', message, { rule });

const contains = (candidate: string, part: string | null | undefined): boolean =>
  typeof part === 'string' && part.length >= MIN_CONTAINED && candidate.toLowerCase().includes(part.toLowerCase());

/**
 * Checks a new password against the policy of `ctx.mode` (R18). Length is counted in Unicode code points.
 * Password history ("not one of the last 5") is NOT checked here: the caller verifies the candidate
 * against the stored argon2id hashes of the previous passwords.
 * @throws AppError 400 `password.policy_violation` with details `{rule}`; the message never repeats the password
 */
export function checkPassword(candidate: string, ctx: PasswordContext): void {
  const length = [...candidate].length;
  const min = MIN_LENGTH[ctx.mode];
  if (length > MAX_PASSWORD_LENGTH) {
    throw violation('too_long', `Password must be at most ${MAX_PASSWORD_LENGTH} characters`);
  }
  if (length < min) throw violation('too_short', `Password must be at least ${min} characters`);
  if (ctx.mode === 'dengbao' && classCount(candidate) < 3) {
    throw violation(
      'classes',
      'Password must contain at least 3 of: upper-case letters, lower-case letters, digits, symbols',
    );
  }
  if (ctx.initialPassword != null && candidate === ctx.initialPassword) {
    throw violation('initial', 'Password must differ from the initial password');
  }
  if (contains(candidate, ctx.idNumber)) throw violation('contains_id', 'Password must not contain your ID number');
  if (contains(candidate, ctx.phone)) throw violation('contains_phone', 'Password must not contain your phone number');
  if (contains(candidate, ctx.username)) {
    throw violation('contains_username', 'Password must not contain your sign-in name');
  }
  if (ctx.mode === 'nist' && isCommon(candidate)) {
    throw violation('common', 'Password is too common or too predictable: choose another');
  }
}

/**
 * True when a password changed at `changedAt` must be changed again (R18): in `dengbao` mode once it is
 * `maxAgeDays` (default 90) days old or older; in `nist` mode never.
 */
export function passwordExpired(
  changedAt: Date,
  mode: PasswordPolicyMode,
  now: Date = new Date(),
  maxAgeDays = 90,
): boolean {
  if (mode === 'nist') return false;
  return now.getTime() - changedAt.getTime() >= maxAgeDays * 24 * 60 * 60 * 1000;
}

// Unambiguous characters only: no I/O/l/o/0/1, and symbols that need no quoting.
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnpqrstuvwxyz';
const DIGIT = '23456789';
const SYMBOL = '!@#$%^&*-_+=?';

const pick = (chars: string): string => chars[randomInt(chars.length)]!;

/**
 * Generates a random initial password (R20) with `crypto.randomInt` from unambiguous characters that
 * satisfies the policy of `mode`: 16 characters with all 4 classes for `dengbao`, 20 letters and digits
 * for `nist`.
 */
export function generateInitialPassword(mode: PasswordPolicyMode): string {
  for (;;) {
    let chars: string[];
    if (mode === 'dengbao') {
      const all = UPPER + LOWER + DIGIT + SYMBOL;
      chars = [pick(UPPER), pick(LOWER), pick(DIGIT), pick(SYMBOL)];
      while (chars.length < 16) chars.push(pick(all));
      for (let i = chars.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [chars[i], chars[j]] = [chars[j]!, chars[i]!];
      }
    } else {
      const all = UPPER + LOWER + DIGIT;
      chars = Array.from({ length: 20 }, () => pick(all));
    }
    const candidate = chars.join('');
    try {
      checkPassword(candidate, { mode });
      return candidate;
    } catch {
      // astronomically unlikely (e.g. a repetition); draw again
    }
  }
}
