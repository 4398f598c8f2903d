import * as oidc from 'openid-client';
import { clientConfig, pkceAuthorizationUrl } from './oidc.ts';

/**
 * A bare form-following user agent over `fetch`, for the attack suites that drive the sign-in
 * pages many times (issue 12 suites 6 and 7): a cookie jar (name → value per host; Path and
 * expiry are not modelled), redirects followed by hand, forms read with a regular expression from
 * Tongmen's own markup (`<form method="post" action="…">` and hidden inputs). Lighter than
 * `FormBrowser` (no Chromium), so a load of sign-ins does not measure the browser; the pages'
 * real-browser behaviour stays covered by the Chromium suites.
 */
export class PlainAgent {
  readonly jar = new Map<string, string>();
  /** Every Set-Cookie header seen, with the URL that set it. */
  readonly setCookies: Array<{ url: string; header: string }> = [];
  lastUrl = '';
  lastStatus = 0;
  lastHtml = '';
  lastHeaders = new Headers();

  constructor(private readonly headers: Record<string, string> = {}) {}

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        'accept-language': 'zh-CN',
        ...this.headers,
        ...(this.jar.size ? { cookie: this.cookieHeader() } : {}),
        ...(init.body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal: AbortSignal.timeout(20_000),
    });
    for (const header of res.headers.getSetCookie()) {
      this.setCookies.push({ url, header });
      const [pair, ...attrs] = header.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()));
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
    this.lastUrl = url;
    this.lastStatus = res.status;
    this.lastHeaders = res.headers;
    return res;
  }

  /** Follows redirects until a page is reached or `stopAt` says stop; returns that URL. */
  async follow(url: string, stopAt?: (u: URL) => boolean): Promise<string> {
    let current = url;
    for (let i = 0; i < 20; i++) {
      if (stopAt?.(new URL(current))) return current;
      const res = await this.request(current);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        current = new URL(location, current).toString();
        continue;
      }
      this.lastHtml = await res.text();
      return current;
    }
    throw new Error('too many redirects');
  }

  /** The page's form whose action contains `actionPart` (default: the first POST form): its absolute action and hidden fields. */
  form(actionPart = ''): { action: string; fields: Record<string, string> } | undefined {
    for (const m of this.lastHtml.matchAll(/<form\b[^>]*method="post"[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)) {
      const action = m[1]!.replace(/&amp;/g, '&');
      if (!action.includes(actionPart)) continue;
      const fields: Record<string, string> = {};
      for (const input of m[2]!.matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)) {
        const name = /name="([^"]*)"/.exec(input[0])?.[1];
        const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
        if (name) fields[name] = value.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
      }
      return { action: new URL(action, this.lastUrl).toString(), fields };
    }
    return undefined;
  }

  /** Posts the form (see `form`) with `fields` filled in and follows the answer. */
  async submit(fields: Record<string, string>, opts: { actionPart?: string; stopAt?: (u: URL) => boolean } = {}): Promise<string> {
    const form = this.form(opts.actionPart);
    if (!form) throw new Error(`no form ${opts.actionPart ?? ''} on ${this.lastUrl}: ${this.lastHtml.slice(0, 500)}`);
    const res = await this.request(form.action, { method: 'POST', body: new URLSearchParams({ ...form.fields, ...fields }).toString() });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      return this.follow(new URL(location, form.action).toString(), opts.stopAt);
    }
    this.lastHtml = await res.text();
    return form.action;
  }
}

export interface PlainSignIn {
  issuer: string;
  clientId: string;
  clientSecret?: string | undefined;
  redirectUri: string;
  resource?: string | undefined;
  username: string;
  password: string;
  newPassword?: string;
  accountId?: string;
  agent?: PlainAgent;
}

/** The authorization code flow through the sign-in pages with a `PlainAgent`; the tokens, or why not. */
export async function plainSignIn(o: PlainSignIn) {
  const config = await clientConfig(o.issuer, o.clientId, o.clientSecret);
  const state = oidc.randomState();
  const { url, verifier } = await pkceAuthorizationUrl(config, { redirectUri: o.redirectUri, scope: 'openid profile phone offline_access', resource: o.resource, state });
  const agent = o.agent ?? new PlainAgent();
  const atCallback = (u: URL) => `${u.origin}${u.pathname}` === o.redirectUri;
  let current = await agent.follow(url.toString(), atCallback);
  const seen: string[] = [];
  for (let step = 0; step < 8 && !atCallback(new URL(current)); step++) {
    const html = agent.lastHtml;
    if (agent.lastStatus >= 400) return { ok: false as const, error: `status ${agent.lastStatus}`, agent };
    if (/name="newPassword"/.test(html)) {
      if (!o.newPassword) return { ok: false as const, error: 'password change requested', agent };
      current = await agent.submit({ newPassword: o.newPassword, confirmPassword: o.newPassword }, { actionPart: 'change-password', stopAt: atCallback });
    } else if (/name="accountId"/.test(html)) {
      if (!o.accountId) return { ok: false as const, error: 'account choice requested', agent };
      current = await agent.submit({ accountId: o.accountId }, { actionPart: '/account', stopAt: atCallback });
    } else if (/name="password"/.test(html)) {
      if (seen.includes('password')) return { ok: false as const, error: 'signin_refused', agent };
      seen.push('password');
      current = await agent.submit({ username: o.username, password: o.password }, { actionPart: '/password', stopAt: atCallback });
    } else {
      return { ok: false as const, error: `unexpected page ${agent.lastStatus}`, agent };
    }
  }
  if (!atCallback(new URL(current))) return { ok: false as const, error: 'no_callback', agent };
  const tokens = await oidc.authorizationCodeGrant(config, new URL(current), { pkceCodeVerifier: verifier, expectedState: state }, o.resource ? { resource: o.resource } : {});
  return { ok: true as const, tokens, agent };
}
