/**
 * Sign-in through the public `admin-console` client (authorization code + PKCE S256, RFC 8707
 * resource = the admin API). Tokens live in this module's memory only — never in localStorage or
 * sessionStorage — so a reload signs in again (silently, while the provider's session lasts). Only the
 * PKCE verifier and state cross the redirect, in sessionStorage, and are removed at the callback.
 * Access tokens live 5 minutes: the refresh token (rotated on every use by the provider, with reuse
 * detection) renews them a minute before expiry, one refresh at a time.
 */
import * as oauth from 'oauth4webapi';
import { ref } from 'vue';

export const CLIENT_ID = 'admin-console';
export const ADMIN_RESOURCE = 'urn:tongmen:admin-api';
const PENDING_KEY = 'tongmen.console.pending';
const SIGNED_OUT_KEY = 'tongmen.console.signed-out';
const RENEW_BEFORE_MS = 60_000;

const issuer = new URL(window.location.origin);
const client: oauth.Client = { client_id: CLIENT_ID };
const clientAuth = oauth.None();
const redirectUri = `${issuer.origin}/console/callback`;
// The provider runs on plain http on a developer's machine (http://localhost:3000).
const insecure = issuer.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {};

export interface Claims {
  sub: string;
  acct_kind: 'unit' | 'admin' | 'operator';
  unit_id: string;
  exp: number;
  amr?: string[];
}

interface Tokens {
  access: string;
  refresh: string | undefined;
  idToken: string | undefined;
  expiresAt: number;
  claims: Claims;
}

let tokens: Tokens | null = null;
let renewTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<void> | null = null;
let server: Promise<oauth.AuthorizationServer> | null = null;

/** True once tokens are held; the layout renders only then. */
export const signedIn = ref(false);
/** Why the console needs a new sign-in (the renewal failed), shown on the landing page. */
export const sessionEnded = ref(false);

function authorizationServer() {
  server ??= oauth
    .discoveryRequest(issuer, { algorithm: 'oidc', ...insecure })
    .then((res) => oauth.processDiscoveryResponse(issuer, res));
  return server;
}

/** The access token's claims (read for the screens only; the API verifies the token itself). */
function decodeClaims(jwt: string): Claims {
  const part = jwt.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Claims;
}

function keep(res: oauth.TokenEndpointResponse, previous?: Tokens) {
  const claims = decodeClaims(res.access_token);
  tokens = {
    access: res.access_token,
    refresh: res.refresh_token ?? previous?.refresh,
    idToken: res.id_token ?? previous?.idToken,
    expiresAt: Date.now() + (res.expires_in ?? 300) * 1000,
    claims,
  };
  signedIn.value = true;
  sessionEnded.value = false;
  clearTimeout(renewTimer);
  if (tokens.refresh) renewTimer = setTimeout(() => void renew().catch(() => {}), Math.max(5_000, tokens.expiresAt - Date.now() - RENEW_BEFORE_MS));
}

export const claims = () => tokens?.claims ?? null;

/** Goes to the provider's sign-in; `returnTo` is the console path to come back to. */
export async function signIn(returnTo = '/'): Promise<void> {
  const as = await authorizationServer();
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, returnTo }));
  sessionStorage.removeItem(SIGNED_OUT_KEY);
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid profile',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    resource: ADMIN_RESOURCE,
    state,
  }).toString();
  window.location.assign(url.toString());
}

/** At /console/callback: redeems the code; returns the console path to go to. */
export async function completeSignIn(current: URL): Promise<string> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as { verifier: string; state: string; returnTo: string } | null;
  sessionStorage.removeItem(PENDING_KEY);
  if (!pending) throw new Error('no sign-in in progress');
  const as = await authorizationServer();
  const params = oauth.validateAuthResponse(as, client, current, pending.state);
  const res = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, pending.verifier, {
    additionalParameters: { resource: ADMIN_RESOURCE },
    ...insecure,
  });
  keep(await oauth.processAuthorizationCodeResponse(as, client, res));
  return pending.returnTo || '/';
}

/** Exchanges the refresh token for a new access token (serialized: the provider rotates refresh tokens). */
export function renew(): Promise<void> {
  refreshing ??= (async () => {
    try {
      if (!tokens?.refresh) throw new Error('no refresh token');
      const as = await authorizationServer();
      const res = await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh, {
        additionalParameters: { resource: ADMIN_RESOURCE },
        ...insecure,
      });
      keep(await oauth.processRefreshTokenResponse(as, client, res), tokens);
    } catch (err) {
      forget();
      sessionEnded.value = true;
      throw err;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** The current access token, renewed first when it is about to expire. */
export async function accessToken(): Promise<string | null> {
  if (tokens && tokens.expiresAt - Date.now() < 10_000) await renew().catch(() => {});
  return tokens?.access ?? null;
}

function forget() {
  tokens = null;
  clearTimeout(renewTimer);
  signedIn.value = false;
}

/** RP-initiated logout at the provider (its page asks whether to sign out everywhere), back to /console/. */
export async function signOut(): Promise<void> {
  const as = await authorizationServer();
  const url = new URL(as.end_session_endpoint!);
  url.searchParams.set('client_id', CLIENT_ID);
  url.searchParams.set('post_logout_redirect_uri', `${issuer.origin}/console/`);
  if (tokens?.idToken) url.searchParams.set('id_token_hint', tokens.idToken);
  forget();
  sessionStorage.setItem(SIGNED_OUT_KEY, '1');
  window.location.assign(url.toString());
}

/** After a sign-out the landing page waits for a click instead of signing in again at once. */
export const justSignedOut = () => sessionStorage.getItem(SIGNED_OUT_KEY) === '1';
