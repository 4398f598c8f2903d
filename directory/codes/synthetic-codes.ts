/**
 * Synthetic codes — deterministic, collision-free, valid but belonging to no one — for the demo seed
 * (`bootstrap/demo.ts`, production code) and the tests: the n-th call always gives the
 * same value and distinct n give distinct values. Every value passes the product's own validation
 * (R1 USCC, R8 citizen ID number and phone).
 */
import { computeIdCheck } from './id-number.ts';
import { computeOrgCodeCheck, computeUsccCheck } from './uscc.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const ID_BASE_BIRTH = Date.UTC(1970, 0, 1);
const SAMPLE_REGION = '520102';

function checkIndex(n: number, max: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0 || n >= max) {
    throw new RangeError(`${what}: n must be an integer in 0..${max - 1}, got ${n}`);
  }
}

/**
 * Builds a valid citizen ID number (R8) from its parts, computing the check character.
 * @param region6 6-digit region code, e.g. `520102`
 * @param birth birth date `YYYYMMDD`
 * @param seq3 3-digit sequence number
 */
export function makeIdNumber(region6: string, birth: string, seq3: string): string {
  const body = `${region6}${birth}${seq3}`;
  if (!/^\d{17}$/.test(body)) throw new Error('makeIdNumber needs 6 + 8 + 3 digits');
  return body + computeIdCheck(body);
}

/**
 * The n-th sample citizen ID number (n = 0, 1, …, up to 9,999,999): region `520102`, birth date
 * 1970-01-01 plus floor(n / 1000) days, sequence n mod 1000.
 */
export function sampleIdNumber(n: number): string {
  checkIndex(n, 10_000_000, 'sampleIdNumber');
  const birth = new Date(ID_BASE_BIRTH + Math.floor(n / 1000) * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '');
  return makeIdNumber(SAMPLE_REGION, birth, String(n % 1000).padStart(3, '0'));
}

/** The n-th sample mobile phone number (n = 0 … 99,999,999): `139` followed by n on 8 digits. */
export function samplePhone(n: number): string {
  checkIndex(n, 100_000_000, 'samplePhone');
  return `139${String(n).padStart(8, '0')}`;
}

/**
 * The n-th sample USCC (n = 0 … 99,999,999): `91` (enterprise) · `520102` · organization code with body
 * n on 8 digits and its GB 11714 check · GB 32100 check character.
 */
export function sampleUscc(n: number): string {
  checkIndex(n, 100_000_000, 'sampleUscc');
  const org8 = String(n).padStart(8, '0');
  const body = `91${SAMPLE_REGION}${org8}${computeOrgCodeCheck(org8)}`;
  return body + computeUsccCheck(body);
}
