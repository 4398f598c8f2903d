import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';

/**
 * Checks the signature of an e-SSC assertion (R22). The assertion parser is the same for every
 * algorithm; only this step depends on the key, so a verifier for SM2 with SM3 (GM/T 0003, the
 * algorithm of Chinese government card apps) can be added beside the RSA/ECDSA one without
 * touching the rest. node:crypto of this Node build knows the SM2 curve and the SM3 hash but no
 * SM2 signature scheme (no distinguishing ID, SM2 keys read from PEM have no usable type), so such
 * a verifier needs its own implementation.
 */
export interface SignatureVerifier {
  /** The JWS `alg` values this verifier accepts (`RS256`, `ES256`…; an SM2 verifier would name its own, e.g. `SM2SM3`). */
  readonly algorithms: readonly string[];
  /**
   * Whether `signature` is a valid signature by this verifier's key over `signingInput` (the ASCII
   * bytes of `base64url(header) + "." + base64url(payload)`). False, never a throw, for a bad one.
   */
  verify(algorithm: string, signingInput: Uint8Array, signature: Uint8Array): boolean | Promise<boolean>;
}

type Scheme = { hash: string; pss?: true; ecBytes?: number };

const RSA: Record<string, Scheme> = {
  RS256: { hash: 'sha256' },
  RS384: { hash: 'sha384' },
  RS512: { hash: 'sha512' },
  PS256: { hash: 'sha256', pss: true },
  PS384: { hash: 'sha384', pss: true },
  PS512: { hash: 'sha512', pss: true },
};

/** One algorithm per curve, as JWS (RFC 7518 §3.4) ties them: the curve decides the algorithm. */
const EC: Record<string, Record<string, Scheme>> = {
  prime256v1: { ES256: { hash: 'sha256', ecBytes: 32 } },
  secp384r1: { ES384: { hash: 'sha384', ecBytes: 48 } },
  secp521r1: { ES512: { hash: 'sha512', ecBytes: 66 } },
};

/**
 * The verifier of an RSA (RS256…/PS256…) or ECDSA (ES256/ES384/ES512) public key, with node:crypto.
 * ECDSA signatures are the JWS form (r‖s, fixed length), not DER.
 */
export function publicKeyVerifier(key: KeyObject): SignatureVerifier {
  const schemes =
    key.asymmetricKeyType === 'rsa' ? RSA : key.asymmetricKeyType === 'ec' ? (EC[key.asymmetricKeyDetails?.namedCurve ?? ''] ?? {}) : {};
  return {
    algorithms: Object.keys(schemes),
    verify(algorithm, signingInput, signature) {
      const scheme = Object.hasOwn(schemes, algorithm) ? schemes[algorithm] : undefined;
      if (!scheme) return false;
      if (scheme.ecBytes && signature.length !== 2 * scheme.ecBytes) return false;
      try {
        return cryptoVerify(
          scheme.hash,
          signingInput,
          scheme.ecBytes
            ? { key, dsaEncoding: 'ieee-p1363' }
            : scheme.pss
              ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
              : key,
          signature,
        );
      } catch {
        return false;
      }
    },
  };
}
