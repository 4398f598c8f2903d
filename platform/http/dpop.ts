/**
 * RFC 9449 (DPoP) as both sides of Tongmen speak it: the verifier in `identity/` and the resource
 * that challenges for a proof in `admin-api/` agree on these, without importing each other.
 */

/** Algorithms a DPoP proof may use: the provider's own list (asymmetric only, RFC 9449 §4.2). */
export const DPOP_ALGS = ['ES256', 'Ed25519', 'EdDSA'];

/** What a resource hands the verifier: one request's proof and the token it came with. */
export interface DPoPCheck {
  /** The `DPoP` request header (the proof JWT). */
  proof: string;
  /** The request method and URL the proof must name (`htm`, `htu`; query and fragment ignored). */
  method: string;
  url: string;
  /** The access token presented with the proof (`ath` is its SHA-256). */
  accessToken: string;
  /** The token's `cnf.jkt`: the proof's key must be that key. */
  jkt: string;
}
