import crypto from 'node:crypto';
import { AppError } from '../errors.ts';

/**
 * Encryption at rest for personal information (R25): AES-256-GCM with a key id prefix so keys can be
 * rotated (old ciphertexts stay readable while a new key encrypts), and an HMAC-SHA-256 "blind
 * index" so sign-in can find a person by ID number or phone without decrypting anything.
 *
 * Ciphertext format: `kid.iv.tag.ciphertext` (base64url parts).
 */
export interface PiiCipher {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
  /** Keyed hash for lookups; stable across key rotation (it uses the lookup key, not the current key). */
  lookupHash(value: string): string;
  /** The key id new ciphertexts are sealed under (the first of `PII_KEY`). */
  readonly currentKid: string;
  /** The key id a ciphertext names (`kid.iv.tag.body`). */
  kidOf(sealed: string): string;
  /** A one-way fingerprint of the lookup key: the stored hashes were made with it or not. */
  lookupFingerprint(): string;
  /** The lookup key itself (hex), for `npm run pii:rotate -- --print-lookup-key`: to pin it as PII_LOOKUP_KEY. */
  revealLookupKey(): string;
}

export interface PiiKeyring {
  /** Key id → 32-byte key; the first entry encrypts. */
  keys: Array<{ kid: string; key: Buffer }>;
}

const keyBytes = (text: string) => (/^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64'));

/** Parses `PII_LOOKUP_KEY`: the 32-byte lookup key (hex or base64) as `revealLookupKey` prints it. */
export function parsePiiLookupKey(raw: string): Buffer {
  const key = keyBytes(raw.trim());
  if (key.length !== 32) throw new AppError(500, 'config.invalid', 'PII_LOOKUP_KEY must be a 32-byte key (hex or base64)');
  return key;
}

/** Parses `PII_KEY`: `kid:base64key[,kid:base64key…]` or a single base64/hex 32-byte key (kid `k1`). */
export function parsePiiKey(raw: string): PiiKeyring {
  const keys = raw.split(',').map((part, i) => {
    const [kid, b64] = part.includes(':') ? (part.split(':') as [string, string]) : [`k${i + 1}`, part];
    const key = keyBytes(b64);
    if (key.length !== 32 || !/^[\w-]{1,16}$/.test(kid)) {
      throw new AppError(500, 'config.invalid', 'PII_KEY must hold 32-byte keys (base64 or hex), as kid:key pairs');
    }
    return { kid, key };
  });
  return { keys };
}

/**
 * The cipher of a keyring. The lookup (blind-index) key is `lookupKey` (PII_LOOKUP_KEY) when given,
 * else derived from the oldest key — what every deployment used before rotation existed. Lookup
 * hashes are never re-computed by a rotation (the transient rows keyed by them — throttles, SMS
 * codes — and the recovery codes cannot be: their clear values are gone), so the lookup key must
 * outlive the encryption keys: pin it (PII_LOOKUP_KEY) before the oldest PII key is dropped.
 */
export function createPiiCipher(ring: PiiKeyring, lookupKeyOverride?: Buffer): PiiCipher {
  const [current] = ring.keys;
  if (!current) throw new AppError(500, 'config.invalid', 'PII_KEY has no key');
  const byKid = new Map(ring.keys.map((k) => [k.kid, k.key]));
  const lookupKey = lookupKeyOverride ?? Buffer.from(crypto.hkdfSync('sha256', ring.keys[ring.keys.length - 1]!.key, '', 'tongmen-pii-lookup', 32));
  const enc = (b: Buffer) => b.toString('base64url');
  return {
    currentKid: current.kid,
    kidOf: (sealed) => sealed.split('.', 1)[0] ?? '',
    lookupFingerprint: () => crypto.createHmac('sha256', lookupKey).update('tongmen-pii-lookup-fingerprint').digest('hex').slice(0, 32),
    revealLookupKey: () => lookupKey.toString('hex'),
    encrypt(plain) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', current.key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [current.kid, enc(iv), enc(cipher.getAuthTag()), enc(body)].join('.');
    },
    decrypt(sealed) {
      const [kid, iv, tag, body] = sealed.split('.');
      const key = kid ? byKid.get(kid) : undefined;
      if (!key || !iv || !tag || body === undefined) {
        throw new AppError(500, 'pii.key_unknown', 'Encrypted value uses an unknown key id');
      }
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
    lookupHash(value) {
      return crypto.createHmac('sha256', lookupKey).update(value).digest('hex');
    },
  };
}

export const generatePiiKey = () => `k1:${crypto.randomBytes(32).toString('base64')}`;
