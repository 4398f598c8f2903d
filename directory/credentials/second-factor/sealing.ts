import type { PiiCipher } from '../../../platform/crypto/pii.ts';

/**
 * The TOTP secret at rest (R23, R25): sealed with the PII cipher (AES-256-GCM, key id prefixed so
 * PII key rotation keeps old secrets readable). A domain prefix inside the plaintext keeps a sealed
 * secret from being accepted where another sealed value is expected, and the reverse.
 */
const PREFIX = 'totp:';

export function sealTotpSecret(pii: PiiCipher, secret: string): string {
  return pii.encrypt(PREFIX + secret);
}

export function openTotpSecret(pii: PiiCipher, sealed: string): string {
  const plain = pii.decrypt(sealed);
  if (!plain.startsWith(PREFIX)) throw new Error('Sealed value is not a TOTP secret');
  return plain.slice(PREFIX.length);
}

/**
 * A TOTP secret between "begin" and "confirm" of an enrolment, carried by the page or the sign-in
 * state: sealed for one person with the time it was issued, so it cannot be confirmed for someone
 * else or after `maxAgeSeconds`. Returns undefined for anything else (the caller refuses it).
 */
const PENDING = 'totp-pending:';

export function sealPendingTotp(pii: PiiCipher, personId: string, secret: string, now: Date): string {
  return pii.encrypt(`${PENDING}${personId}:${Math.floor(now.getTime() / 1000)}:${secret}`);
}

export function openPendingTotp(pii: PiiCipher, sealed: string, personId: string, now: Date, maxAgeSeconds: number): string | undefined {
  let plain: string;
  try {
    plain = pii.decrypt(sealed);
  } catch {
    return undefined;
  }
  const [tag, person, issued, secret] = plain.split(':');
  if (`${tag}:` !== PENDING || person !== personId || !secret) return undefined;
  const age = now.getTime() / 1000 - Number(issued);
  return age >= 0 && age <= maxAgeSeconds ? secret : undefined;
}
