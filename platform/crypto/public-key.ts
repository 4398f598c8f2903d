import { createPublicKey, type KeyObject } from 'node:crypto';

/** The curves a signing key may use; SM2 is not here yet (see identity/essc/signature-verifier.ts). */
const CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);
const MIN_RSA_BITS = 2048;

/**
 * Parses a PEM SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`) that verifies signatures of an
 * external party (R22: the e-SSC card app's key). Accepts RSA of at least 2048 bits and ECDSA on
 * P-256/P-384/P-521; a PEM written on one line with `\n` escapes (as environment variables often
 * are) is read too. Returns the key, or a sentence saying what is wrong (never the key material).
 */
export function parseVerificationKey(pem: string): { key: KeyObject } | { problem: string } {
  const text = pem.includes('\\n') ? pem.replaceAll('\\n', '\n') : pem;
  if (!/-----BEGIN PUBLIC KEY-----/.test(text)) return { problem: 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)' };
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch {
    return { problem: 'is not a readable PEM public key' };
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    return (details.modulusLength ?? 0) >= MIN_RSA_BITS ? { key } : { problem: `RSA keys must have at least ${MIN_RSA_BITS} bits` };
  }
  if (key.asymmetricKeyType === 'ec') {
    return CURVES.has(details.namedCurve ?? '') ? { key } : { problem: 'EC keys must be on P-256, P-384 or P-521' };
  }
  return { problem: 'must be an RSA or EC (ECDSA) key' };
}
