import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormBrowser } from './support/browser.ts';
import { clientConfig, pkceAuthorizationUrl } from './support/oidc.ts';
import { insertAccount, insertPerson, openSignInWorld, type SignInWorld } from './identity-fixtures.ts';

/**
 * Issue 5 item 8 carried to the sign-in methods of issue 7: the SMS code (R21) and QR (R22) forms and
 * the card app's confirmation endpoint answer bad input — NUL, ill-formed UTF-8, wrong types, junk
 * bodies and content types — with a 4xx, never a 500.
 */
let env: SignInWorld;
beforeAll(async () => {
  env = await openSignInWorld();
});
afterAll(() => env?.close());

const BAD = ['%00', 'a%00b', '%ED%A0%80', '%F0%9F', '%C0%80', '&#55296;', '1'.repeat(5000)];

async function openTab(method: 'sms' | 'qr') {
  const title = env.world.client('title');
  const config = await clientConfig(env.server.url, 'title', title.clientSecret!);
  const { url } = await pkceAuthorizationUrl(config, { redirectUri: title.redirectUris[0]!, resource: 'urn:tongmen:title' });
  const browser = new FormBrowser();
  const page = await browser.follow(url.toString());
  await browser.follow(`${page}?method=${method}`);
  return browser;
}

describe('R21/R22: bad input on the SMS and QR forms never answers 500', () => {
  it('R21: the phone of "send code" and the phone and code of the sign-in', async () => {
    const { sequelize } = env.server.tongmen.base.db;
    const person = await insertPerson(sequelize, env.server.tongmen.base.pii, '钱输入');
    await insertAccount(sequelize, { kind: 'operator', unitId: env.world.school.id, unitKind: 'employer', personId: person.id });
    for (const bad of BAD) {
      const browser = await openTab('sms');
      await browser.submit({}, { actionPart: '/sms/send', encoded: { phone: `${person.phone}${bad}` } });
      // `&#…` starts a new form field: the phone itself is then well-formed and a code is sent.
      expect([bad, browser.lastStatus]).toEqual([bad, bad.startsWith('&') ? 200 : 400]);
    }
    const other = await insertPerson(sequelize, env.server.tongmen.base.pii, '孙输入');
    await insertAccount(sequelize, { kind: 'operator', unitId: env.world.school.id, unitKind: 'employer', personId: other.id });
    const browser = await openTab('sms');
    await browser.submit({ phone: other.phone }, { actionPart: '/sms/send' });
    expect(browser.lastStatus).toBe(200);
    const page = browser.lastHtml;
    for (const bad of BAD) {
      browser.lastHtml = page;
      await browser.submit({}, { actionPart: '/sms?', encoded: { code: `12${bad}` } });
      expect([bad, browser.lastStatus < 500, browser.lastStatus >= 400]).toEqual([bad, true, true]);
    }
  });

  it('R22: the QR tab\'s forms and its status poll', async () => {
    const browser = await openTab('qr');
    const page = browser.lastHtml;
    for (const bad of BAD) {
      browser.lastHtml = page;
      await browser.submit({}, { actionPart: '/qr/refresh', encoded: { csrf: bad } });
      expect([bad, browser.lastStatus]).toEqual([bad, 403]);
    }
    const status = /data-status-url="([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, '&');
    for (const bad of ['%00', '%ED%A0%80', 'x'.repeat(3000)]) {
      const res = await browser.get(`${env.server.url}${status.replace(/ticket=[^&]*/, `ticket=${bad}`)}`);
      expect([bad, res.status() < 500]).toEqual([bad, true]);
    }
  });

  it('R22: POST /essc/confirm with junk bodies and content types answers 4xx JSON in the error format', async () => {
    const bodies: Array<[string, string]> = [
      ['application/jose', ''],
      ['application/jose', 'a.b'],
      ['application/jose', 'x.y.z'],
      ['application/jose', `${'a'.repeat(50_000)}.b.c`],
      ['application/json', '{"assertion": 5}'],
      ['application/json', '{"assertion": "\u0000.\u0000.\u0000"}'],
      ['application/json', '{'],
      ['application/json', JSON.stringify({ assertion: ['x'] })],
      ['text/plain', 'hello'],
      ['application/x-www-form-urlencoded', 'assertion=%ED%A0%80'],
    ];
    for (const [type, body] of bodies) {
      const res = await fetch(`${env.server.url}/essc/confirm`, { method: 'POST', headers: { 'content-type': type }, body });
      const text = await res.text();
      expect([type, body.slice(0, 30), res.status >= 400 && res.status < 500]).toEqual([type, body.slice(0, 30), true]);
      expect(JSON.parse(text)).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    }
  });
});
