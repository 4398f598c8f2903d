import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

/** Where a subsystem meets Tongmen: its issuer and its own confidential client (bootstrap prints the secret). */
export interface RelyingPartySettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The subsystem's public base URL: callback `${url}/callback`, post-logout `${url}/` (directory/bootstrap/first-party-clients.ts). */
  url: string;
  /** The subsystem's resource indicator (`urn:tongmen:title`, …). */
  resource: string;
}

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * An ordinary OpenID Connect relying party (openid-client): discovery, authorization code with
 * PKCE (S256) for its own resource, refresh, RP-initiated logout, and the verification of
 * back-channel logout tokens (OIDC Back-Channel Logout 1.0 §2.6) against the provider's JWKS.
 * It speaks to Tongmen over HTTP only. Discovery happens on first use, so a subsystem may start
 * before the identity server is up.
 */
export function createRelyingParty(s: RelyingPartySettings) {
  let configuration: Promise<oidc.Configuration> | undefined;
  const config = () => {
    configuration ??= oidc
      .discovery(new URL(s.issuer), s.clientId, s.clientSecret, undefined, {
        // Plain http only for a loopback or development issuer; production issuers are https.
        ...(new URL(s.issuer).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
      })
      .catch((err: unknown) => {
        configuration = undefined; // try again on the next request
        throw err;
      });
    return configuration;
  };
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  const keys = async () => (jwks ??= createRemoteJWKSet(new URL((await config()).serverMetadata().jwks_uri!)));
  const redirectUri = `${s.url}/callback`;

  return {
    /** The provider's JWKS URI (from discovery), for the module guard's local verification. */
    async jwksUri(): Promise<string> {
      return (await config()).serverMetadata().jwks_uri!;
    },

    /** Where to send the browser to sign in, and what to keep (in a signed cookie) until it comes back. */
    async startLogin(): Promise<{ url: string; pending: { state: string; verifier: string; nonce: string } }> {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(await config(), {
        redirect_uri: redirectUri,
        scope: 'openid profile',
        resource: s.resource,
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      return { url: url.toString(), pending: { state, verifier, nonce } };
    },

    /** Redeems the code of the callback URL: tokens for the subsystem's resource and the ID token's claims. */
    async finishLogin(callbackUrl: URL, pending: { state: string; verifier: string; nonce: string }) {
      const tokens = await oidc.authorizationCodeGrant(
        await config(),
        callbackUrl,
        { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true },
        { resource: s.resource },
      );
      return { tokens, claims: tokens.claims()! };
    },

    /** A new access token from the refresh token (Tongmen does not rotate confidential clients' refresh tokens). */
    async refresh(refreshToken: string) {
      return oidc.refreshTokenGrant(await config(), refreshToken, { resource: s.resource });
    },

    /** RP-initiated logout: the provider's end-session URL, back to the subsystem's home afterwards. */
    async endSessionUrl(idToken: string): Promise<string> {
      return oidc.buildEndSessionUrl(await config(), { id_token_hint: idToken, post_logout_redirect_uri: `${s.url}/` }).toString();
    },

    /**
     * Back-Channel Logout 1.0 §2.6: a logout token is a JWT signed by the provider (its JWKS), for
     * this client (`aud`), recent (`iat`), carrying the back-channel logout event, a `sid` or a
     * `sub`, and never a `nonce` (which would make it usable as an ID token).
     */
    async verifyLogoutToken(token: string): Promise<{ sub?: string; sid?: string }> {
      const { payload } = await jwtVerify(token, await keys(), {
        issuer: (await config()).serverMetadata().issuer,
        audience: s.clientId,
        typ: 'logout+jwt',
        maxTokenAge: '5 minutes',
        requiredClaims: ['iat', 'jti', 'events'],
      });
      return checkLogoutClaims(payload);
    },
  };
}

/** The claims rules of a logout token (§2.6), after its signature, issuer, audience and age are verified. */
export function checkLogoutClaims(payload: JWTPayload): { sub?: string; sid?: string } {
  const events = payload['events'];
  if (typeof events !== 'object' || events === null || !(BACKCHANNEL_EVENT in events)) throw new Error('logout token without the back-channel logout event');
  if ('nonce' in payload) throw new Error('a logout token never carries a nonce');
  const sid = typeof payload['sid'] === 'string' ? payload['sid'] : undefined;
  const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
  if (!sid && !sub) throw new Error('logout token names neither sid nor sub');
  return { ...(sub ? { sub } : {}), ...(sid ? { sid } : {}) };
}
