import crypto from 'node:crypto';
import type { PiiCipher } from '../../../platform/crypto/pii.ts';
import { unauthorized } from '../../../platform/errors.ts';

/**
 * Recovery codes of R23: 10 codes shown once at enrolment, each good for one sign-in when the
 * phone is lost. Each code carries 80 random bits, so a slow password hash (argon2id) buys nothing:
 * nobody can try 2^80 guesses. The stored form is a keyed HMAC-SHA-256 (the PII lookup key, with
 * its own prefix) so a leaked table alone cannot even be checked offline, and a check over 10
 * hashes costs microseconds instead of 10 argon2 runs.
 */
export const RECOVERY_CODE_COUNT = 10;
// Crockford-style alphabet without 0/O, 1/I/L, U: read aloud and typed without confusion.
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 16; // 16 × log2(30) ≈ 78.5 bits

function randomCode(): string {
  let out = '';
  while (out.length < CODE_LENGTH) {
    const byte = crypto.randomBytes(1)[0]!;
    if (byte < 240) out += ALPHABET[byte % ALPHABET.length]; // 240 = 8 × 30: no modulo bias
  }
  return `${out.slice(0, 4)}-${out.slice(4, 8)}-${out.slice(8, 12)}-${out.slice(12)}`;
}

/** Spaces, dashes and case do not matter when a person types a code back. */
function normalize(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase();
}

export function hashRecoveryCode(pii: PiiCipher, code: string): string {
  return pii.lookupHash(`second-factor-recovery:${normalize(code)}`);
}

/** New codes: `codes` to show once, `hashes` to store. */
export function newRecoveryCodes(pii: PiiCipher): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, randomCode);
  return { codes, hashes: codes.map((c) => hashRecoveryCode(pii, c)) };
}

/**
 * Uses one recovery code: returns the stored hashes without it (the caller saves them, in the same
 * transaction that signs in, so a code works once). Every stored hash is compared in constant time.
 */
export function useRecoveryCode(pii: PiiCipher, stored: readonly string[], code: string): string[] {
  const normalized = normalize(code);
  const candidate = Buffer.from(hashRecoveryCode(pii, normalized));
  let match = -1;
  stored.forEach((hash, i) => {
    const b = Buffer.from(hash);
    if (b.length === candidate.length && crypto.timingSafeEqual(b, candidate)) match = i;
  });
  if (normalized.length !== CODE_LENGTH || match < 0) {
    throw unauthorized('second_factor.recovery_code_invalid', 'The recovery code is wrong or already used');
  }
  return stored.filter((_, i) => i !== match);
}
