import crypto from 'node:crypto';

/**
 * A minimal user agent for the sign-in pages (no JavaScript, as SPEC §5 allows): a cookie jar,
 * manual redirects and the first form of each page, filled by field name. Cheap enough to run many
 * sign-ins in parallel next to the server, unlike a real browser.
 */
class Agent {
  private readonly jar = new Map<string, string>();

  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...init.headers };
    if (this.jar.size) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      redirect: 'manual',
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0/i.test(a));
      if (gone || !value) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }
}

const unescapeHtml = (s: string) =>
  s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return m ? unescapeHtml(m[1]!) : undefined;
};

/** The page's forms: action and the fields a browser would send by default. */
function forms(html: string): Array<{ action: string; fields: Record<string, string>; names: Set<string> }> {
  const out = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const fields: Record<string, string> = {};
    const names = new Set<string>();
    for (const input of m[2]!.matchAll(/<input\b[^>]*>/gi)) {
      const tag = input[0];
      const name = attr(tag, 'name');
      if (!name) continue;
      names.add(name);
      const type = (attr(tag, 'type') ?? 'text').toLowerCase();
      if ((type === 'radio' || type === 'checkbox') && !/\schecked\b/i.test(tag)) continue;
      fields[name] = attr(tag, 'value') ?? '';
    }
    out.push({ action: attr(m[1]!, 'action') ?? '', fields, names });
  }
  return out;
}

export interface SignInClient {
  issuer: string;
  clientId: string;
  clientSecret?: string | undefined;
  redirectUri: string;
  resource: string;
  scope?: string;
}

export interface SignInResult {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
}

/**
 * authorize → sign-in page → password (→ forced change, when `newPassword` is given) → code → token,
 * with PKCE. Throws on anything unexpected.
 */
export async function passwordSignIn(c: SignInClient, username: string, password: string, newPassword?: string): Promise<SignInResult> {
  const agent = new Agent();
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const auth = new URL(`${c.issuer}/auth`);
  for (const [k, v] of Object.entries({
    client_id: c.clientId, redirect_uri: c.redirectUri, response_type: 'code', scope: c.scope ?? 'openid offline_access',
    code_challenge: challenge, code_challenge_method: 'S256', state: crypto.randomBytes(8).toString('hex'), resource: c.resource,
  })) auth.searchParams.set(k, v);
  let url = auth.toString();
  let res = await agent.request(url);
  let code: string | undefined;
  for (let step = 0; step < 20 && !code; step++) {
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      url = new URL(location, url).toString();
      if (url.startsWith(c.redirectUri)) {
        const u = new URL(url);
        code = u.searchParams.get('code') ?? undefined;
        if (!code) throw new Error(`sign-in refused: ${u.searchParams.get('error')} ${u.searchParams.get('error_description')}`);
        break;
      }
      res = await agent.request(url);
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`sign-in: ${res.status} at ${url}: ${(/<p[^>]*(?:error|alert)[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? html.slice(0, 300)).trim()}`);
    const page = forms(html);
    const change = page.find((f) => f.names.has('newPassword'));
    const pwd = page.find((f) => f.names.has('password') && f.action.includes('/password'));
    const choose = page.find((f) => f.names.has('accountId'));
    let form;
    if (change) {
      if (!newPassword) throw new Error('sign-in asks for a password change');
      form = { action: change.action, fields: { ...change.fields, newPassword, confirmPassword: newPassword } };
    } else if (pwd) form = { action: pwd.action, fields: { ...pwd.fields, username, password } };
    else if (choose) form = { action: choose.action, fields: choose.fields };
    else throw new Error(`sign-in: unknown page at ${url}: ${html.slice(0, 500)}`);
    const target = new URL(form.action || url, url).toString();
    res = await agent.request(target, { method: 'POST', form: form.fields });
    url = target;
  }
  if (!code) throw new Error('sign-in: no code');
  const body: Record<string, string> = { grant_type: 'authorization_code', code, redirect_uri: c.redirectUri, code_verifier: verifier, resource: c.resource };
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (c.clientSecret) headers.authorization = basic(c.clientId, c.clientSecret);
  else body.client_id = c.clientId;
  const token = await fetch(`${c.issuer}/token`, { method: 'POST', headers, body: new URLSearchParams(body).toString() });
  const json = (await token.json()) as SignInResult & { error?: string };
  if (!token.ok) throw new Error(`token: ${token.status} ${JSON.stringify(json)}`);
  return json;
}

/** RFC 6749 §2.3.1 HTTP Basic client authentication. */
export const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
