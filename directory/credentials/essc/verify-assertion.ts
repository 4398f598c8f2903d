import { createHash, KeyObject, timingSafeEqual } from 'node:crypto';
import { parseVerificationKey } from '../../../platform/crypto/public-key.ts';
import { appError } from '../../../platform/errors.ts';
import { claimsSchema, ESSC_ASSERTION_TYPE, MAX_ASSERTION_LENGTH, type VerifiedEsscAssertion } from './assertion.ts';
import { publicKeyVerifier, type SignatureVerifier } from './signature-verifier.ts';

export interface VerifyEsscOptions {
  /** The card app's key: a PEM SPKI (ESSC_PUBLIC_KEY), a KeyObject, or any verifier (e.g. SM2 later). */
  publicKey: string | KeyObject | SignatureVerifier;
  /**
   * The ticket of the QR code this confirmation was posted for (the callback URL names it); when
   * absent, the verified claim names the ticket and the caller looks it up.
   */
  expectedTicket?: string | undefined;
  now?: Date;
  /** How old an assertion may be (default 120 s, the ticket's lifetime). */
  maxAgeSeconds?: number;
  /** How far in the future `issuedAt` may lie, for the card app's clock (default 30 s). */
  maxSkewSeconds?: number;
}

const JWS = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/;

const jsonObject = (part: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

function toVerifier(key: VerifyEsscOptions['publicKey']): SignatureVerifier {
  if (key instanceof KeyObject) return publicKeyVerifier(key);
  if (typeof key !== 'string') return key;
  const parsed = parseVerificationKey(key);
  if ('problem' in parsed) throw new Error(`ESSC public key ${parsed.problem}`); // configuration checks it at start
  return publicKeyVerifier(parsed.key);
}

/**
 * Verifies the card app's signed confirmation of a QR sign-in ticket (R22) and returns its claims.
 * Refuses, each with its own code: not a compact JWS (`essc.assertion_malformed`), no signature or
 * `alg: none` (`essc.assertion_unsigned`), a signature the configured key does not verify or an
 * algorithm it does not use (`essc.assertion_foreign_signed`), a missing or ill-formed claim
 * (`essc.assertion_incomplete`), `issuedAt` older than `maxAgeSeconds` or ahead of `now` by more
 * than the skew (`essc.assertion_expired`), and a confirmation of another ticket
 * (`essc.ticket_mismatch`). Replay (the ticket and `assertionId` used once) and matching the
 * person by ID number and name are the caller's, against the database.
 */
export async function verifyEsscAssertion(input: unknown, options: VerifyEsscOptions): Promise<VerifiedEsscAssertion> {
  const { now = new Date(), maxAgeSeconds = 120, maxSkewSeconds = 30 } = options;
  if (typeof input !== 'string' || input.length > MAX_ASSERTION_LENGTH) throw appError('essc.assertion_malformed');
  const parts = JWS.exec(input.trim());
  if (!parts) throw appError('essc.assertion_malformed');
  const [, headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = jsonObject(headerPart);
  if (!header || header.typ !== ESSC_ASSERTION_TYPE || 'crit' in header || 'b64' in header) throw appError('essc.assertion_malformed');

  const algorithm = header.alg;
  const signature = Buffer.from(signaturePart, 'base64url');
  if (typeof algorithm !== 'string' || algorithm === '' || algorithm.toLowerCase() === 'none' || signature.length === 0) {
    throw appError('essc.assertion_unsigned');
  }
  const verifier = toVerifier(options.publicKey);
  if (!verifier.algorithms.includes(algorithm)) throw appError('essc.assertion_foreign_signed', { reason: 'algorithm' });
  const signingInput = Buffer.from(`${headerPart}.${payloadPart}`, 'ascii');
  if (!(await verifier.verify(algorithm, signingInput, signature))) {
    throw appError('essc.assertion_foreign_signed', { reason: 'signature' });
  }

  // Only a verified payload is read: nothing an outsider wrote reaches the checks below.
  const payload = jsonObject(payloadPart);
  if (!payload) throw appError('essc.assertion_malformed');
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) {
    const fields = [...new Set(claims.error.issues.map((i) => String(i.path[0])))];
    throw appError('essc.assertion_incomplete', { fields });
  }
  const { ticket, idNumber, name, issuedAt } = claims.data;

  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (issuedAt > nowSeconds + maxSkewSeconds) throw appError('essc.assertion_expired', { reason: 'in_future' });
  if (nowSeconds - issuedAt > maxAgeSeconds) throw appError('essc.assertion_expired', { reason: 'too_old' });

  if (options.expectedTicket !== undefined) {
    const expected = Buffer.from(options.expectedTicket);
    const actual = Buffer.from(ticket);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw appError('essc.ticket_mismatch');
  }

  return {
    ticket,
    idNumber,
    name,
    issuedAt: new Date(issuedAt * 1000),
    algorithm,
    assertionId: createHash('sha256').update(input.trim()).digest('hex'),
  };
}
