import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/app.ts';
import { edgeHeaders } from '../platform/http/edge.ts';
import { loadConfig } from '../platform/config.ts';
import { bootstrapProvince } from '../directory/bootstrap/bootstrap.ts';
import { RESOURCES } from '../directory/catalogue/modules.ts';
import { FormBrowser } from './support/browser.ts';
import { launchChromium } from './support/chromium.ts';
import { startTestServer } from './support/harness.ts';
import { samplePerson } from './support/core.ts';
import { clientConfig, pkceAuthorizationUrl } from './support/oidc.ts';
import { seedWorld, startFakeRp, WORLD_PASSWORD } from './identity-fixtures.ts';

/**
 * Issue 5 item 6 — hardening at the HTTP edge: `nosniff` on every answer, a CSP with `form-action`
 * on every page (and the sign-in still completes in Chromium to a client on another origin),
 * `Retry-After` on every 429, `Secure` cookies with an https issuer, and no `ADMIN_MFA=off` in
 * production.
 */
let server: RunningServer;
let rp: Awaited<ReturnType<typeof startFakeRp>>;
let world: Awaited<ReturnType<typeof seedWorld>>;
let browser: Browser | null;

beforeAll(async () => {
  server = await startTestServer({ SIGNIN_THROTTLE_PER_MINUTE: '8' });
  rp = await startFakeRp();
  world = await seedWorld(server.tongmen.base, rp.url);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rp?.close();
});

const title = () => world.client('title');
async function titleAuthorizationUrl() {
  const config = await clientConfig(server.url, 'title', title().clientSecret!);
  return (await pkceAuthorizationUrl(config, { redirectUri: title().redirectUris[0]!, resource: 'urn:tongmen:title' })).url;
}

describe('item 6: X-Content-Type-Options: nosniff on every response', () => {
  it('admin API (200, 401, 404), sign-in pages, provider routes and errors, introspection, unknown paths', async () => {
    const browse = new FormBrowser();
    await browse.follow((await titleAuthorizationUrl()).toString());
    const answers: Array<[string, Response]> = [
      ['discovery', await fetch(`${server.url}/.well-known/openid-configuration`)],
      ['jwks', await fetch(`${server.url}/jwks`)],
      ['provider 404', await fetch(`${server.url}/no-such-page`)],
      ['token error', await fetch(`${server.url}/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'x' }) })],
      ['introspection', await fetch(`${server.url}/token/introspection`, { method: 'POST', body: new URLSearchParams({ token: 'a.b.c' }) })],
      ['authorization error page', await fetch(`${server.url}/auth?client_id=nobody`)],
      ['sign-in page', await fetch(browse.lastUrl, { headers: { cookie: '' } })],
      ['admin 401', await fetch(`${server.url}/admin/v1/roles`)],
      ['admin 404', await fetch(`${server.url}/admin/v1/nothing`)],
      ['openapi', await fetch(`${server.url}/admin/v1/openapi.json`)],
    ];
    for (const [what, res] of answers) expect([what, res.headers.get('x-content-type-options')]).toEqual([what, 'nosniff']);
  });
});

describe("item 6: every HTML page carries a CSP with form-action", () => {
  it("the sign-in page allows forms to post to us and, through our redirects, to this sign-in's client only", async () => {
    const res = await fetch(await titleAuthorizationUrl(), { redirect: 'manual' });
    const page = await fetch(new URL(res.headers.get('location')!, server.url), {
      headers: { cookie: res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') },
    });
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain(`form-action 'self' ${rp.url};`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it("the provider's error and logout pages carry form-action too", async () => {
    const error = await fetch(`${server.url}/auth?client_id=nobody`);
    expect(error.headers.get('content-type')).toMatch(/text\/html/);
    expect(error.headers.get('content-security-policy')).toMatch(/form-action 'self'(;| )/);
    const logout = await fetch(`${server.url}/session/end?client_id=title&post_logout_redirect_uri=${encodeURIComponent(`${rp.url}/`)}`);
    // Without a session this is the provider's own auto-submitting form (to us, then redirected to the client).
    expect(logout.headers.get('content-type')).toMatch(/text\/html/);
    expect(logout.headers.get('content-security-policy')).toMatch(new RegExp(`form-action 'self' ${rp.url};`));
    expect(logout.headers.get('content-security-policy')).toMatch(/script-src 'self' 'sha256-[^']+'/);
  });

  it('Chromium (no JavaScript) still completes a sign-in to a client on another origin under that policy', async (ctx) => {
    if (!browser) return ctx.skip();
    const page = await (await browser.newContext({ javaScriptEnabled: false, locale: 'zh-CN' })).newPage();
    const blocked: string[] = [];
    page.on('console', (m) => blocked.push(m.text()));
    await page.goto((await titleAuthorizationUrl()).toString());
    await page.fill('input[name=username]', world.dual.phone);
    await page.fill('input[name=password]', WORLD_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('input[name=accountId]');
    await page.check(`input[name=accountId][value="${world.dual.operatorId}"]`);
    const callback = page.waitForURL((u) => u.origin === rp.url && u.pathname === '/callback', { timeout: 15_000 });
    await page.click('button[type=submit]');
    await callback;
    expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
    expect(blocked.filter((m) => /Content Security Policy/i.test(m))).toEqual([]);
    await page.context().close();
  });
});

describe('item 6: Retry-After on every 429', () => {
  it('R19: the sign-in throttle answers 429 with Retry-After (its window)', async () => {
    let throttled: { status: number; retryAfter: string | null } | undefined;
    for (let i = 0; i < 12 && !throttled; i++) {
      const browse = new FormBrowser();
      await browse.follow((await titleAuthorizationUrl()).toString());
      await browse.submit({ username: '13900000000', password: `wrong-${i}` });
      if (browse.lastStatus === 429) throttled = { status: 429, retryAfter: browse.lastHeaders.get('retry-after') };
    }
    expect(throttled).toEqual({ status: 429, retryAfter: '60' });
  });

  it('any 429 that did not set its own gets the default; one that did keeps it', async () => {
    const app = new Koa();
    app.use(edgeHeaders());
    app.use((ctx) => {
      ctx.status = 429;
      if (ctx.path === '/own') ctx.set('Retry-After', '7');
      ctx.body = 'slow down';
    });
    const s = http.createServer(app.callback());
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/any`)).headers.get('retry-after')).toBe('60');
      expect((await fetch(`${base}/own`)).headers.get('retry-after')).toBe('7');
    } finally {
      s.close();
    }
  });
});

describe('item 6: Secure cookies whenever the issuer is https', () => {
  it('every cookie the provider sets is Secure with an https issuer (even without a trusted X-Forwarded-Proto), and not with http', async () => {
    const secure = await startTestServer({ ISSUER: 'https://tongmen.test' });
    try {
      await bootstrapProvince(secure.tongmen.base, secure.tongmen.services, { unitName: 'HTTPS省厅', uscc: '91350100M000100Y43', admin: samplePerson() });
      const base = `http://127.0.0.1:${(secure.server.address() as AddressInfo).port}`;
      const verifier = oidc.randomPKCECodeVerifier();
      const query = new URLSearchParams({
        client_id: 'admin-console', response_type: 'code', scope: 'openid', redirect_uri: 'https://tongmen.test/console/callback',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', resource: RESOURCES.admin,
      });
      const res = await fetch(`${base}/auth?${query}`, { redirect: 'manual' });
      expect(res.status).toBe(303);
      const cookies = res.headers.getSetCookie();
      expect(cookies.length).toBeGreaterThan(0);
      for (const c of cookies) expect(c).toMatch(/;\s*secure/i);
    } finally {
      await secure.close();
    }
    const plain = await fetch(await titleAuthorizationUrl(), { redirect: 'manual' });
    for (const c of plain.headers.getSetCookie()) expect(c).not.toMatch(/;\s*secure/i);
  });
});

describe('item 6: ADMIN_MFA=off is refused in production (R23)', () => {
  it('the configuration refuses it with a clear message; development and tests may still use it', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', ADMIN_MFA: 'off' })).toThrow(/ADMIN_MFA=off is not allowed with NODE_ENV=production/);
    // The rest of a production configuration (the audit checkpoint key, R25; a real SMS gateway, R21) is given, so only ADMIN_MFA decides.
    const production = {
      NODE_ENV: 'production', AUDIT_CHECKPOINT_KEY: 'k'.repeat(32),
      SMS_PROVIDER: 'aliyun', SMS_ACCESS_KEY_ID: 'id', SMS_ACCESS_KEY_SECRET: 'secret', SMS_SIGN_NAME: '统门', SMS_TEMPLATE_ID: 'SMS_1',
    };
    expect(() => loadConfig({ ...production, ADMIN_MFA: 'off' })).toThrow(/ADMIN_MFA=off is not allowed with NODE_ENV=production/);
    expect(() => loadConfig({ ...production, ADMIN_MFA: 'hrss' })).not.toThrow();
    expect(loadConfig({ NODE_ENV: 'test', ADMIN_MFA: 'off' }).adminMfa).toBe('off');
  });

  it('npm start stops at once with one line on stderr and exit code 1, no stack trace', async () => {
    // Should it start after all (the check broken), it does so in a folder of its own and is killed.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongmen-mfa-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/start.ts'], {
      env: { ...process.env, NODE_ENV: 'production', ADMIN_MFA: 'off', AUDIT_CHECKPOINT_KEY: 'k'.repeat(32), DATABASE_URL: '', DATA_DIR: dataDir, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const code = await new Promise<number | null>((resolve) => {
        child.once('exit', resolve);
        setTimeout(() => resolve(null), 20_000);
      });
      expect(code).toBe(1);
      expect(err).toMatch(/^Tongmen could not start: .*ADMIN_MFA=off is not allowed with NODE_ENV=production.*\(config\.invalid\)\n$/);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
