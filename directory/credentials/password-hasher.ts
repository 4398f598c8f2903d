import crypto from 'node:crypto';
import * as argon2 from 'argon2';

/**
 * R18 — argon2id with OWASP's minimum profile (m = 19 MiB, t = 2, p = 1). Raising the cost later
 * only needs new constants: stored hashes carry their own parameters and still verify.
 */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** The two operations the credential service needs; tests wrap it to count checks (R19). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

export const argon2Hasher: PasswordHasher = {
  hash: (password) => argon2.hash(password, ARGON2_OPTIONS),
  async verify(hash, password) {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false; // a malformed stored hash is a refusal, never a crash of the sign-in page
    }
  },
};

/**
 * A hash of a random secret nobody knows: unknown sign-in names are verified against it so that
 * they cost the same time as a wrong password (R19).
 */
export const makeDummyHash = (hasher: PasswordHasher) => hasher.hash(crypto.randomBytes(24).toString('base64url'));
