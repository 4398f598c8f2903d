/**
 * Masking of personal data in audit events and API responses (R25).
 */

/**
 * Masks a citizen ID number, keeping the first 4 and last 4 characters:
 * `520102199001011234` → `5201**********1234`. Values of 8 characters or fewer are masked entirely.
 */
export function maskIdNumber(id: string): string {
  if (id.length <= 8) return '*'.repeat(id.length);
  return id.slice(0, 4) + '*'.repeat(id.length - 8) + id.slice(-4);
}

/**
 * Masks a phone number, keeping the first 3 and last 4 characters: `13512342210` → `135****2210`.
 * Values of 7 characters or fewer are masked entirely.
 */
export function maskPhone(phone: string): string {
  if (phone.length <= 7) return '*'.repeat(phone.length);
  return phone.slice(0, 3) + '*'.repeat(phone.length - 7) + phone.slice(-4);
}

const MASKERS: Readonly<Record<string, (v: string) => string>> = {
  idNumber: maskIdNumber,
  id_number: maskIdNumber,
  phone: maskPhone,
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function walk(value: unknown, masker: ((v: string) => string) | undefined): unknown {
  if (masker !== undefined && (typeof value === 'string' || typeof value === 'number')) {
    return masker(String(value));
  }
  if (Array.isArray(value)) return value.map((v) => walk(v, masker));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, Object.hasOwn(MASKERS, k) ? MASKERS[k] : undefined);
    return out;
  }
  return value;
}

/**
 * Returns a deep copy of a JSON-like value in which every value of a key named `idNumber`, `id_number`
 * or `phone` is masked (strings and numbers; an array under such a key has each element masked), at any
 * depth. The input is not modified; `null`, booleans and non-plain objects (e.g. `Date`) are kept as they
 * are. Used to make audit details and responses safe (R25). Values under other keys (e.g. a sign-in name
 * that happens to be an ID number) are not recognized: mask them explicitly.
 */
export function maskSensitive<T>(value: T): T {
  return walk(value, undefined) as T;
}
