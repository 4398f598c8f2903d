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
