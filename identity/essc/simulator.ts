import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';
import { ESSC_ASSERTION_TYPE, type EsscClaims } from '../../directory/credentials/essc/assertion.ts';

/**
 * The development stand-in for the e-SSC card app (R22), for /dev/essc and tests: it signs an
 * assertion the way the app is expected to. Signing uses jose, an implementation independent of
 * the verifier (node:crypto), so the two check each other.
 */

const ALGORITHM_OF_CURVE: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

/**
 * Signs `{ticket, idNumber, name, issuedAt}` as a compact JWS with `typ: essc-assertion+jwt`.
 * `issuedAt` defaults to now (seconds); the algorithm follows the key (RSA → RS256, P-256 → ES256…)
 * unless `algorithm` is given. `header` adds or overrides header fields (tests use it for refusals).
 */
export async function signEsscAssertion(
  claims: Omit<EsscClaims, 'issuedAt'> & { issuedAt?: number | Date },
  privateKey: KeyObject | string,
  options: { algorithm?: string; header?: Record<string, unknown> } = {},
): Promise<string> {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const algorithm =
    options.algorithm ?? (key.asymmetricKeyType === 'rsa' ? 'RS256' : (ALGORITHM_OF_CURVE[key.asymmetricKeyDetails?.namedCurve ?? ''] ?? 'ES256'));
  const issuedAt = claims.issuedAt instanceof Date ? Math.floor(claims.issuedAt.getTime() / 1000) : (claims.issuedAt ?? Math.floor(Date.now() / 1000));
  const payload = { ticket: claims.ticket, idNumber: claims.idNumber, name: claims.name, issuedAt };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: algorithm, typ: ESSC_ASSERTION_TYPE, ...options.header })
    .sign(key);
}

/**
 * A fresh development key pair for the simulator: ECDSA P-256 (default) or RSA-2048, both PEM.
 * The public half goes into ESSC_PUBLIC_KEY; never use such a key outside development.
 */
export function generateEsscDevKeyPair(kind: 'ec' | 'rsa' = 'ec'): { publicKeyPem: string; privateKeyPem: string } {
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const;
  const pair =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding, privateKeyEncoding })
      : generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding, privateKeyEncoding });
  return { publicKeyPem: pair.publicKey, privateKeyPem: pair.privateKey };
}
