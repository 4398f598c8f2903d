import * as oidc from 'openid-client';
import { FormBrowser } from './browser.ts';

export interface SignInOptions {
  issuer: string;
  clientId: string;
  clientSecret?: string | undefined;
  redirectUri: string;
  resource: string;
  scope?: string;
  username: string;
  password: string;
  /** Used when the server asks for a password change (R20). */
  newPassword?: string;
  /** Which account to act as, when the person has several (R9). */
  accountId?: string;
  browser?: FormBrowser;
  /**
   * Answers a page the walk does not know itself (R23: the second factor): the fields to submit and
   * the form to submit them with (`actionPart`), or undefined to let the walk treat it as usual.
   */
  onPage?: (html: string, browser: FormBrowser) => Promise<{ fields: Record<string, string>; actionPart?: string } | undefined>;
}

/** An openid-client configuration for a Tongmen client (http issuers allowed in tests only). */
export async function clientConfig(issuer: string, clientId: string, clientSecret?: string) {
  return oidc.discovery(new URL(issuer), clientId, clientSecret, clientSecret ? undefined : oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
}

/** An authorization URL with a fresh PKCE pair (S256), as every Tongmen client must send (PKCE is required). */
export async function pkceAuthorizationUrl(config: oidc.Configuration, p: { redirectUri: string; resource?: string; scope?: string; state?: string }) {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    ...(p.state ? { state: p.state } : {}),
    redirect_uri: p.redirectUri,
    scope: p.scope ?? 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...(p.resource ? { resource: p.resource } : {}),
  });
  return { url, verifier };
}

/**
 * The authorization code flow with PKCE as a real relying party does it (openid-client), with the
 * sign-in pages walked by a form-following browser: password, forced change, account choice.
 */
export async function signIn(o: SignInOptions) {
  const config = await clientConfig(o.issuer, o.clientId, o.clientSecret);
  const state = oidc.randomState();
  const { url, verifier } = await pkceAuthorizationUrl(config, {
    redirectUri: o.redirectUri,
    scope: o.scope ?? 'openid profile phone offline_access',
    resource: o.resource,
    state,
  });
  const browser = o.browser ?? new FormBrowser();
  const atCallback = (u: URL) => `${u.origin}${u.pathname}` === o.redirectUri;
  let current = await browser.follow(url.toString(), atCallback);
  const pages: string[] = [];
  for (let step = 0; step < 10 && !atCallback(new URL(current)); step++) {
    const html = browser.lastHtml;
    const answer = await o.onPage?.(html, browser);
    if (answer) {
      pages.push('answered');
      current = await browser.submit(answer.fields, { stopAt: atCallback, ...(answer.actionPart ? { actionPart: answer.actionPart } : {}) });
    } else if (/name="newPassword"/.test(html)) {
      pages.push('change-password');
      if (!o.newPassword) throw new Error('password change requested');
      current = await browser.submit({ newPassword: o.newPassword, confirmPassword: o.newPassword }, { stopAt: atCallback });
    } else if (/name="accountId"/.test(html)) {
      pages.push('choose-account');
      if (!o.accountId) throw new Error('account choice requested');
      current = await browser.submit({ accountId: o.accountId }, { stopAt: atCallback });
    } else if (/name="password"/.test(html)) {
      if (pages.includes('password')) return { ok: false as const, error: 'signin_refused', html, browser };
      pages.push('password');
      current = await browser.submit({ username: o.username, password: o.password }, { stopAt: atCallback });
    } else {
      pages.push('other');
      current = await browser.submit({}, { stopAt: atCallback });
    }
  }
  if (!atCallback(new URL(current))) return { ok: false as const, error: 'no_callback', html: browser.lastHtml, browser };
  const tokens = await oidc.authorizationCodeGrant(config, new URL(current), { pkceCodeVerifier: verifier, expectedState: state }, { resource: o.resource });
  return { ok: true as const, tokens, config, pages, browser };
}

/**
 * Signs in to one subsystem's first-party client as bootstrap registered it (its secret, its
 * callback, its resource), through the sign-in pages.
 */
export function subsystemSignIn(
  issuer: string,
  clients: Array<{ clientId: string; clientSecret?: string; redirectUris: string[]; resources: string[] }>,
  subsystem: string,
  creds: Pick<SignInOptions, 'username' | 'password' | 'newPassword' | 'accountId'>,
) {
  const client = clients.find((c) => c.clientId === subsystem);
  if (!client) throw new Error(`no client ${subsystem}`);
  return signIn({
    issuer,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    redirectUri: client.redirectUris[0]!,
    resource: client.resources[0]!,
    ...creds,
  });
}
