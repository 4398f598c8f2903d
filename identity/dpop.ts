import crypto from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from 'jose';
import { unauthorized } from '../platform/errors.ts';
import { DPOP_ALGS, type DPoPCheck } from '../platform/http/dpop.ts';
import type { PayloadRepository } from './store/payload-repository.ts';

/** How far a proof's `iat` may be from now; a proof is refused as a replay for longer than it is valid. */
const IAT_WINDOW_SECONDS = 60;
const REPLAY_TTL_SECONDS = 3 * IAT_WINDOW_SECONDS;

export type DPoPVerifier = (check: DPoPCheck) => Promise<void>;

const invalid = (why: string) => unauthorized('auth.dpop_invalid', `The DPoP proof is not valid: ${why}`);

const withoutQuery = (u: string) => {
  const parsed = URL.parse(u);
  if (!parsed) return undefined;
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
};

/**
 * RFC 9449 §4.3 and §7 — a resource's check of the DPoP proof sent with a sender-constrained
 * access token: a `dpop+jwt` signed by the public key in its own header, that key's thumbprint is
 * the token's `cnf.jkt`, `htm`/`htu` name this request, `iat` is fresh, `ath` is the token's hash,
 * and its `jti` was never seen before. Replay state lives in PostgreSQL, so a proof used on one
 * node is refused on every other (SPEC §4: nothing shared in a node's memory).
 * @throws AppError 401 `auth.dpop_invalid`
 */
export function makeDPoPVerifier(payloads: Pick<PayloadRepository, 'markOnce'>): DPoPVerifier {
  return async ({ proof, method, url, accessToken, jkt }) => {
    let verified;
    try {
      verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: DPOP_ALGS });
    } catch {
      throw invalid('not a dpop+jwt signed by the key in its header');
    }
    const { payload, protectedHeader } = verified;
    if (typeof payload.jti !== 'string' || !payload.jti || payload.jti.length > 256) throw invalid('jti missing');
    if (typeof payload.iat !== 'number' || Math.abs(Date.now() / 1000 - payload.iat) > IAT_WINDOW_SECONDS) {
      throw invalid('iat missing or not recent');
    }
    if (payload.htm !== method) throw invalid('htm does not name this request');
    if (typeof payload.htu !== 'string' || withoutQuery(payload.htu) !== withoutQuery(url)) throw invalid('htu does not name this request');
    if (payload.ath !== crypto.hash('sha256', accessToken, 'base64url')) throw invalid('ath is not the hash of this access token');
    if ((await calculateJwkThumbprint(protectedHeader.jwk!)) !== jkt) throw invalid('the key is not the one the token is bound to');
    if (!(await firstUse(payloads, jkt, payload.jti))) throw invalid('replayed');
  };
}

/**
 * Records a proof's `jti` (per key) and says whether this was its first use, atomically across
 * nodes; a mark whose time has passed may be taken again. Rows expire like
 * provider artifacts and go with the periodic clean-up.
 */
async function firstUse(payloads: Pick<PayloadRepository, 'markOnce'>, jkt: string, jti: string): Promise<boolean> {
  return payloads.markOnce('ResourceDPoPProof', crypto.hash('sha256', `${jkt}.${jti}`, 'base64url'), REPLAY_TTL_SECONDS);
}
