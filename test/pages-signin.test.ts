import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/app.ts';
import { bootstrapProvince, type BootstrapResult } from '../directory/bootstrap/bootstrap.ts';
import { RESOURCES } from '../directory/catalogue/modules.ts';
import { startTestServer } from './support/harness.ts';
import { samplePerson } from './support/core.ts';
import { clientConfig } from './support/oidc.ts';
import { launchChromium } from './support/chromium.ts';

/**
 * The sign-in pages in a real browser (Debian's Chromium through playwright-core), JavaScript
 * disabled: a password sign-in, the forced change of the initial password (R20), the lockout
 * message (R19) — the pages must work as plain HTML forms (SPEC §5).
 */
let server: RunningServer;
let browser: Browser | null;
let root: BootstrapResult;
const admin = samplePerson('页面测试管理员');

beforeAll(async () => {
  server = await startTestServer();
  root = await bootstrapProvince(server.tongmen.base, server.tongmen.services, { unitName: '页面测试省厅', uscc: '91350100M000100Y43', admin });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function authorizationUrl() {
  const config = await clientConfig(server.url, 'admin-console');
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: `${server.url}/console/callback`,
    scope: 'openid profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    resource: RESOURCES.admin,
    state,
  });
  return { config, verifier, state, url };
}

describe('sign-in pages in Chromium, without JavaScript', () => {
  it('R20: signs in with a password, must change the initial one, and the client gets its code', async (ctx) => {
    if (!browser) return ctx.skip();
    const page = await (await browser.newContext({ javaScriptEnabled: false, locale: 'zh-CN' })).newPage();
    const flow = await authorizationUrl();
    await page.goto(flow.url.toString());
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await page.fill('input[name=username]', admin.idNumber);
    await page.fill('input[name=password]', root.admin.initialPassword);
    await page.click('button[type=submit]');
    await page.waitForSelector('input[name=newPassword]');
    // A new password breaking the policy (R18) is refused on the page itself.
    await page.fill('input[name=newPassword]', 'short');
    await page.fill('input[name=confirmPassword]', 'short');
    await page.click('button[type=submit]');
    await page.waitForSelector('input[name=newPassword]');
    // Still the change page, now saying which rule the new password broke (every page has 密码 labels).
    expect(await page.textContent('h2')).toBe('设置新密码');
    expect(await page.textContent('.error')).toBe('新密码太短：至少 8 位。');
    await page.fill('input[name=newPassword]', 'Browser#Pass2026');
    await page.fill('input[name=confirmPassword]', 'Browser#Pass2026');
    const callback = page.waitForURL((u) => u.pathname === '/console/callback');
    await page.click('button[type=submit]');
    await callback;
    const tokens = await oidc.authorizationCodeGrant(flow.config, new URL(page.url()), { pkceCodeVerifier: flow.verifier, expectedState: flow.state }, { resource: RESOURCES.admin });
    expect(tokens.access_token).toBeTruthy();
    await page.context().close();
  });

  it('R19: three wrong passwords lock, and the page says to ask the unit administrator', async (ctx) => {
    if (!browser) return ctx.skip();
    const page = await (await browser.newContext({ javaScriptEnabled: false, locale: 'zh-CN' })).newPage();
    await page.goto((await authorizationUrl()).url.toString());
    for (let i = 0; i < 3; i++) {
      await page.fill('input[name=username]', root.unitAccount.username);
      await page.fill('input[name=password]', `wrong-${i}`);
      await page.click('button[type=submit]');
      await page.waitForSelector('input[name=password]');
    }
    await page.fill('input[name=username]', root.unitAccount.username);
    await page.fill('input[name=password]', root.unitAccount.initialPassword);
    await page.click('button[type=submit]');
    await page.waitForSelector('input[name=password]');
    expect(await page.textContent('.error')).toBe('账号已锁定：密码连续输错次数过多。请联系本单位管理员重置密码。');
    await page.screenshot({ path: 'test/.artifacts/signin-locked.png' }).catch(() => {});
    await page.context().close();
  });
});
