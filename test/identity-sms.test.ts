import * as oidc from 'openid-client';
import { QueryTypes } from 'sequelize';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FormBrowser } from './support/browser.ts';
import { clientConfig, pkceAuthorizationUrl } from './support/oidc.ts';
import { launchChromium } from './support/chromium.ts';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeApp, startServer } from '../server/app.ts';
import { createDirectory } from '../directory/index.ts';
import { createLogger } from '../platform/logger.ts';
import { startFakeAliyun, type FakeProvider } from './support/fake-sms-providers.ts';
import { insertAccount, insertCredential, insertPerson, nextSample, openSignInWorld, WORLD_PASSWORD, type SignInWorld } from './identity-fixtures.ts';
import { argon2Hasher } from '../directory/credentials/password-hasher.ts';
import { samplePhone } from '../directory/codes/synthetic-codes.ts';

/**
 * R21 — sign-in with a code sent by SMS, through HTTP against the running server, the console
 * gateway's development outbox standing in for the phone (SPEC §5). Time passes by setting the
 * clock ahead (the service reads the node's clock), never by sleeping.
 */
let env: SignInWorld;
beforeAll(async () => {
  // The per-address send limit has a suite of its own below; here it must not get in the way.
  env = await openSignInWorld({ SMS_SENDS_PER_ADDRESS_PER_HOUR: '1000' });
});
afterAll(() => env?.close());
afterEach(() => {
  vi.useRealTimers();
});

const sequelize = (w: SignInWorld = env) => w.server.tongmen.base.db.sequelize;
const title = (w: SignInWorld = env) => w.world.client('title');
const atCallback = (u: URL) => u.pathname === '/callback';

/** A person with one active operator account in the school: a phone nobody else uses. */
async function operator(name = '短信经办', w: SignInWorld = env) {
  const person = await insertPerson(sequelize(w), w.server.tongmen.base.pii, name);
  const accountId = await insertAccount(sequelize(w), { kind: 'operator', unitId: w.world.school.id, unitKind: 'employer', personId: person.id });
  return { ...person, accountId };
}

/**
 * A fresh sign-in for `title` at the SMS tab of the sign-in page, in world `w` (default: the
 * suite's). Every node serves the same issuer (as behind the load balancer); `node` is where the
 * browser's requests go.
 */
async function openSmsTab(w: SignInWorld = env, node = w.server.url) {
  const config = await clientConfig(w.server.url, 'title', title(w).clientSecret!);
  const state = oidc.randomState();
  const { url, verifier } = await pkceAuthorizationUrl(config, { redirectUri: title(w).redirectUris[0]!, resource: 'urn:tongmen:title', state });
  const browser = new FormBrowser();
  const page = await browser.follow(`${node}${url.pathname}${url.search}`);
  await browser.follow(`${page}?method=sms`);
  return { browser, config, verifier, state };
}
type Tab = Awaited<ReturnType<typeof openSmsTab>>;

const sendCode = (tab: Tab, phone: string) => tab.browser.submit({ phone }, { actionPart: '/sms/send' });
const enterCode = (tab: Tab, code: string) => tab.browser.submit({ code }, { actionPart: '/sms?', stopAt: atCallback });

/** What the console gateway "sent" to `phone` on node `issuer`, newest first. */
async function outbox(phone: string, issuer = env.server.url): Promise<Array<{ phone: string; text: string; code: string; sentAt: string }>> {
  const res = await fetch(`${issuer}/dev/sms-outbox?phone=${phone}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: Array<{ phone: string; text: string; code: string; sentAt: string }> }).messages;
}
const lastCode = async (phone: string, issuer?: string) => (await outbox(phone, issuer))[0]!.code;

const errorText = (html: string) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(html)?.[1];

/** Sets the node's clock `seconds` ahead of now (only Date: timers and the database keep running). */
function clockAhead(seconds: number) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(Date.now() + seconds * 1000));
}

/** The method references of the account's provider session (RFC 8176; R23 reads them). */
const sessionAmr = async (accountId: string) => {
  const [row] = await sequelize().query<{ amr: unknown }>(
    `SELECT payload->'amr' AS amr FROM oidc_payloads WHERE model = 'Session' AND account_id = :accountId`,
    { replacements: { accountId }, type: QueryTypes.SELECT },
  );
  return row?.amr;
};

const auditOf = (action: string, since: number) =>
  sequelize().query<{ reason: string | null; result: string; details: Record<string, unknown>; target_id: string | null }>(
    `SELECT reason, result, details, target_id FROM audit_events WHERE action = :action AND seq > :since ORDER BY seq`,
    { replacements: { action, since }, type: QueryTypes.SELECT },
  );
const auditHead = async () =>
  (await sequelize().query<{ seq: number }>(`SELECT coalesce(max(seq), 0)::int AS seq FROM audit_events`, { type: QueryTypes.SELECT }))[0]!.seq;

describe('R21 SMS sign-in, end to end', () => {
  it('sends a code (countdown on the page), signs in with it, and the client gets tokens (session amr sms)', async () => {
    const person = await operator();
    const tab = await openSmsTab();
    // The tab is there, in Chinese, with the phone field and the send button.
    expect(tab.browser.lastHtml).toContain('短信验证码登录');
    expect(tab.browser.lastHtml).toMatch(/<input type="tel" id="phone" name="phone"/);
    expect(tab.browser.lastHtml).toContain('获取验证码');
    expect(tab.browser.lastHtml).not.toContain('name="code"');

    const since = await auditHead();
    await sendCode(tab, person.phone);
    expect(tab.browser.lastStatus).toBe(200);
    const html = tab.browser.lastHtml;
    expect(html).toContain(`验证码已发送至 ${person.phone.slice(0, 3)}****${person.phone.slice(-4)}`);
    expect(html).toContain('name="code"');
    // The countdown is the server's, and a script of ours (never inline) makes it tick.
    expect(html).toMatch(/id="sms-countdown"[^>]*data-seconds="60"/);
    expect(html).toContain('60 秒后可重新获取验证码');
    expect(html).toMatch(/<script src="\/assets\/sms-countdown\.js\?v=[\w-]+" defer><\/script>/);
    expect(tab.browser.lastHeaders.get('content-security-policy')).toContain("script-src 'self'");

    const messages = await outbox(person.phone);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ phone: person.phone, code: expect.stringMatching(/^\d{6}$/) });
    expect(messages[0]!.text).toContain(messages[0]!.code);

    const back = await enterCode(tab, messages[0]!.code);
    expect(atCallback(new URL(back))).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(tab.config, new URL(back), { pkceCodeVerifier: tab.verifier, expectedState: tab.state }, { resource: 'urn:tongmen:title' });
    expect(tokens.claims()).toMatchObject({ sub: person.accountId });
    expect(await sessionAmr(person.accountId)).toEqual(['sms']);

    // R25: the send and the sign-in are in the audit trail, the phone masked, never the code.
    const sends = await auditOf('sms.send', since);
    expect(sends).toEqual([expect.objectContaining({ result: 'success', reason: null, target_id: person.id })]);
    expect(sends[0]!.details).toMatchObject({ purpose: 'sign-in', phone: `${person.phone.slice(0, 3)}****${person.phone.slice(-4)}`, provider: 'console' });
    const signIns = await auditOf('signin.sms', since);
    expect(signIns).toEqual([expect.objectContaining({ result: 'success', target_id: person.id })]);
    expect(JSON.stringify([sends, signIns])).not.toContain(person.phone);
    expect(JSON.stringify([sends, signIns])).not.toContain(messages[0]!.code);
  });

  it('a person with several accounts chooses one after the code, as after a password (R9)', async () => {
    const person = await operator('短信双岗');
    const adminId = await insertAccount(sequelize(), { kind: 'admin', unitId: env.world.root.id, personId: person.id });
    const tab = await openSmsTab();
    await sendCode(tab, person.phone);
    await enterCode(tab, await lastCode(person.phone));
    expect(tab.browser.lastHtml).toContain('name="accountId"');
    const back = await tab.browser.submit({ accountId: adminId }, { stopAt: atCallback });
    const tokens = await oidc.authorizationCodeGrant(tab.config, new URL(back), { pkceCodeVerifier: tab.verifier, expectedState: tab.state }, { resource: 'urn:tongmen:title' });
    expect(tokens.claims()).toMatchObject({ sub: adminId });
    expect(await sessionAmr(adminId)).toEqual(['sms']);
  });

  it('the countdown ticks in Chromium with JavaScript, and the send button waits for it', async (ctx) => {
    const browser = await launchChromium();
    if (!browser) return ctx.skip();
    try {
      const person = await operator();
      const page = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
      const config = await clientConfig(env.server.url, 'title', title().clientSecret!);
      const { url } = await pkceAuthorizationUrl(config, { redirectUri: title().redirectUris[0]!, resource: 'urn:tongmen:title' });
      await page.goto(url.toString());
      await page.click('a.tab:has-text("短信验证码登录")');
      await page.fill('input[name=phone]', person.phone);
      await page.click('#sms-send');
      await page.waitForSelector('input[name=code]');
      expect(await page.isDisabled('#sms-send')).toBe(true);
      const first = await page.textContent('#sms-countdown');
      // The script replaces the server's text within a second or two; a real second passes, no more.
      await page.waitForFunction(
        (before) => {
          const text = (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } | null } }).document.getElementById('sms-countdown')?.textContent;
          return text !== before && /^\d+ 秒后可重新获取验证码$/.test(text ?? '');
        },
        first,
        { timeout: 5000 },
      );
      const seconds = Number(/^(\d+)/.exec((await page.textContent('#sms-countdown')) ?? '')?.[1]);
      expect(seconds).toBeLessThan(60);
      expect(seconds).toBeGreaterThan(50);
      await page.screenshot({ path: 'test/.artifacts/signin-sms.png' }).catch(() => {});
      await page.fill('input[name=code]', await lastCode(person.phone));
      const callback = page.waitForURL((u) => u.pathname === '/callback');
      await page.click('form[action*="/sms?"] button[type=submit]');
      await callback;
    } finally {
      await browser.close();
    }
  });

  it('R20: a person whose password is an initial one (created or reset) sets a new one after the code, before any token', async () => {
    const person = await operator('短信初始密码');
    await insertCredential(sequelize(), { personId: person.id, hash: await argon2Hasher.hash(WORLD_PASSWORD), mustChange: true });
    const tab = await openSmsTab();
    await sendCode(tab, person.phone);
    await enterCode(tab, await lastCode(person.phone));
    expect(tab.browser.lastHtml).toContain('name="newPassword"');
    const back = await tab.browser.submit({ newPassword: 'Sms#Changed2026', confirmPassword: 'Sms#Changed2026' }, { stopAt: atCallback });
    expect(atCallback(new URL(back))).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(tab.config, new URL(back), { pkceCodeVerifier: tab.verifier, expectedState: tab.state }, { resource: 'urn:tongmen:title' });
    expect(tokens.claims()).toMatchObject({ sub: person.accountId });
  });

  it('answers in English with ?lang=en', async () => {
    const tab = await openSmsTab();
    await tab.browser.follow(`${tab.browser.lastUrl.replace(/\?.*$/, '')}?method=sms&lang=en`);
    expect(tab.browser.lastHtml).toContain('Send code');
    await sendCode(tab, '12345');
    expect(tab.browser.lastStatus).toBe(400);
    expect(errorText(tab.browser.lastHtml)).toBe('Enter a valid 11-digit mainland mobile number.');
  });
});

describe('R21 refusals', () => {
  it('a wrong code is refused (401) with a clear message, and the code form stays', async () => {
    const person = await operator();
    const tab = await openSmsTab();
    await sendCode(tab, person.phone);
    const code = await lastCode(person.phone);
    const since = await auditHead();
    await enterCode(tab, code === '000000' ? '111111' : '000000');
    expect(tab.browser.lastStatus).toBe(401);
    expect(errorText(tab.browser.lastHtml)).toBe('验证码错误，请重新输入。');
    expect(tab.browser.lastHtml).toContain('name="code"');
    expect(await auditOf('signin.sms', since)).toEqual([expect.objectContaining({ result: 'failure', reason: 'wrong_code' })]);
  });

  it('after 5 wrong tries the code is dead: the 6th try is refused even with the right code', async () => {
    const person = await operator();
    const tab = await openSmsTab();
    await sendCode(tab, person.phone);
    const code = await lastCode(person.phone);
    const wrong = code === '000000' ? '111111' : '000000';
    const answers: Array<string | undefined> = [];
    for (let i = 0; i < 5; i++) {
      await enterCode(tab, wrong);
      answers.push(errorText(tab.browser.lastHtml));
    }
    expect(answers.slice(0, 4)).toEqual(Array(4).fill('验证码错误，请重新输入。'));
    expect(answers[4]).toBe('验证码输错次数过多（最多 5 次），已失效，请重新获取。');
    const since = await auditHead();
    const at = await enterCode(tab, code);
    expect(atCallback(new URL(at))).toBe(false);
    expect(tab.browser.lastStatus).toBe(401);
    expect(errorText(tab.browser.lastHtml)).toBe('验证码输错次数过多（最多 5 次），已失效，请重新获取。');
    expect(await auditOf('signin.sms', since)).toEqual([expect.objectContaining({ reason: 'too_many_tries' })]);
  });

  it('parallel wrong tries on the same code never compare more than 5', async () => {
    const person = await operator();
    const tab = await openSmsTab();
    await sendCode(tab, person.phone);
    const code = await lastCode(person.phone);
    const wrong = code === '000000' ? '111111' : '000000';
    const smsCodes = env.server.tongmen.services.smsCodes;
    const results = await Promise.all(
      Array.from({ length: 12 }, () => smsCodes.verifySignIn({ phone: person.phone, code: wrong, meta: { ip: '198.51.100.7' } })),
    );
    const answers = results.map((r) => (r.ok ? 'ok' : r.answer));
    expect(answers.filter((a) => a === 'wrong_code')).toHaveLength(4);
    expect(answers.filter((a) => a === 'too_many_tries')).toHaveLength(8);
    const [row] = await sequelize().query<{ tries: number }>(`SELECT tries FROM sms_codes WHERE purpose = 'sign-in' AND phone_hash = :h`, {
      replacements: { h: env.server.tongmen.base.pii.lookupHash(person.phone) },
      type: QueryTypes.SELECT,
    });
    expect(row!.tries).toBe(5);
  });

  it('a code is valid 5 minutes: with the clock 5 minutes and 1 second ahead it is expired', async () => {
    const person = await operator();
    const tab = await openSmsTab();
    await sendCode(tab, person.phone);
    const code = await lastCode(person.phone);
    clockAhead(5 * 60 + 1);
    const since = await auditHead();
    await enterCode(tab, code);
    expect(tab.browser.lastStatus).toBe(401);
    expect(errorText(tab.browser.lastHtml)).toBe('验证码已过期（有效期 5 分钟），请重新获取。');
    expect(await auditOf('signin.sms', since)).toEqual([expect.objectContaining({ reason: 'expired' })]);
  });

  it('a code works once: used again in another sign-in it is refused', async () => {
    const person = await operator();
    const first = await openSmsTab();
    await sendCode(first, person.phone);
    const code = await lastCode(person.phone);
    expect(atCallback(new URL(await enterCode(first, code)))).toBe(true);
    const second = await openSmsTab();
    await sendCode(second, person.phone);
    // (That send is refused: 60 s have not passed. The used code is tried in this sign-in.)
    expect(second.browser.lastStatus).toBe(429);
    await enterCode(second, code);
    expect(second.browser.lastStatus).toBe(401);
    expect(errorText(second.browser.lastHtml)).toBe('验证码无效或已使用，请重新获取。');
  });

  it('one send per phone per 60 s: an early resend is 429 with Retry-After and the seconds left; at 61 s it passes', async () => {
    const person = await operator();
    const tab = await openSmsTab();
    await sendCode(tab, person.phone);
    clockAhead(20);
    await sendCode(tab, person.phone);
    expect(tab.browser.lastStatus).toBe(429);
    const retry = Number(tab.browser.lastHeaders.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(39);
    expect(retry).toBeLessThanOrEqual(40);
    expect(errorText(tab.browser.lastHtml)).toBe(`获取验证码过于频繁：每个手机号 60 秒内只能获取一次，请 ${retry} 秒后再试。`);
    // The code sent before still works: its field and the countdown stay.
    expect(tab.browser.lastHtml).toContain('name="code"');
    expect(tab.browser.lastHtml).toMatch(new RegExp(`data-seconds="${retry}"`));
    expect(await outbox(person.phone)).toHaveLength(1);
    clockAhead(41);
    await sendCode(tab, person.phone);
    expect(tab.browser.lastStatus).toBe(200);
    expect(await outbox(person.phone)).toHaveLength(2);
  });

  it('ten sends per phone a day: the 11th is refused (429) until the day is over', async () => {
    const person = await operator();
    const tab = await openSmsTab();
    const start = Date.now();
    for (let i = 0; i < 10; i++) {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(start + i * 61_000);
      await sendCode(tab, person.phone);
      expect(tab.browser.lastStatus).toBe(200);
    }
    vi.setSystemTime(start + 10 * 61_000);
    const since = await auditHead();
    await sendCode(tab, person.phone);
    expect(tab.browser.lastStatus).toBe(429);
    expect(errorText(tab.browser.lastHtml)).toBe('该手机号今日获取验证码的次数已达上限（每天 10 次），请明天再试或改用其他方式登录。');
    const retry = Number(tab.browser.lastHeaders.get('retry-after'));
    expect(retry).toBeGreaterThan(23 * 3600);
    expect(retry).toBeLessThanOrEqual(24 * 3600);
    expect(await outbox(person.phone)).toHaveLength(10);
    expect(await auditOf('sms.send', since)).toEqual([expect.objectContaining({ result: 'failure', reason: 'daily_limit' })]);
    // A day after the first send, it may send again.
    vi.setSystemTime(start + 24 * 3600_000 + 1000);
    const tomorrow = await openSmsTab();
    await sendCode(tomorrow, person.phone);
    expect(tomorrow.browser.lastStatus).toBe(200);
  });

  it('an unknown phone gets the same answers and limits as a known one, no message is sent, and it is audited', async () => {
    const known = await operator();
    const unknown = `199${String(Date.now()).slice(-8)}`;
    const pages: Array<{ status: number; html: string }> = [];
    for (const phone of [known.phone, unknown]) {
      const tab = await openSmsTab();
      await sendCode(tab, phone);
      const sent = { status: tab.browser.lastStatus, html: tab.browser.lastHtml };
      const wrongCode = phone === known.phone && (await lastCode(known.phone)) === '000000' ? '111111' : '000000';
      await enterCode(tab, wrongCode);
      const wrong = { status: tab.browser.lastStatus, html: tab.browser.lastHtml };
      await sendCode(tab, phone);
      const early = { status: tab.browser.lastStatus, html: tab.browser.lastHtml };
      pages.push(sent, wrong, early);
    }
    const neutral = (p: { status: number; html: string }) => ({
      status: p.status,
      // Only the page's own identifiers differ (interaction id, anti-forgery token, the phone typed).
      html: p.html
        .replace(/\/interaction\/[\w-]+/g, '/interaction/UID')
        .replace(/name="csrf" value="[^"]*"/g, 'name="csrf" value="T"')
        .replaceAll(known.phone, 'PHONE')
        .replaceAll(unknown, 'PHONE')
        .replace(/1\d\d\*{4}\d{4}/g, 'MASKED')
        .replace(/\d+ 秒/g, 'N 秒')
        .replace(/data-seconds="\d+"/g, 'data-seconds="N"'),
    });
    expect(pages.slice(3).map(neutral)).toEqual(pages.slice(0, 3).map(neutral));
    expect(pages.map((p) => p.status)).toEqual([200, 401, 429, 200, 401, 429]);
    expect(await outbox(unknown)).toEqual([]);
    const events = await sequelize().query<{ reason: string | null; details: { phone: string } }>(
      `SELECT reason, details FROM audit_events WHERE action = 'sms.send' AND details->>'phone' = :masked ORDER BY seq`,
      { replacements: { masked: `${unknown.slice(0, 3)}****${unknown.slice(-4)}` }, type: QueryTypes.SELECT },
    );
    expect(events.map((e) => e.reason)).toEqual(['unknown_phone', 'phone_throttled']);
  });

  it('codes are stored hashed: the table holds neither the code nor the phone', async () => {
    const person = await operator();
    const tab = await openSmsTab();
    await sendCode(tab, person.phone);
    const code = await lastCode(person.phone);
    const rows = await sequelize().query<Record<string, unknown>>(`SELECT * FROM sms_codes`, { type: QueryTypes.SELECT });
    const limits = await sequelize().query<Record<string, unknown>>(`SELECT * FROM sms_send_limits`, { type: QueryTypes.SELECT });
    const mine = rows.find((r) => r.phone_hash === env.server.tongmen.base.pii.lookupHash(person.phone));
    expect(mine).toMatchObject({ purpose: 'sign-in', tries: 0, consumed_at: null, person_id: person.id, code_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const dump = JSON.stringify([rows, limits]);
    expect(dump).not.toContain(code);
    expect(dump).not.toContain(person.phone);
  });
});

describe('R21 clean-up', () => {
  it('the periodic clean-up deletes codes dead for a day and send allowances of days long past, and keeps live ones', async () => {
    const [old, fresh] = [await operator(), await operator()];
    for (const p of [old, fresh]) await sendCode(await openSmsTab(), p.phone);
    const hash = (phone: string) => env.server.tongmen.base.pii.lookupHash(phone);
    // Age the first one's rows by three days (the rows' own clock, as if written then).
    await sequelize().query(
      `UPDATE sms_codes SET sent_at = sent_at - interval '3 days', expires_at = expires_at - interval '3 days' WHERE phone_hash = :h`,
      { replacements: { h: hash(old.phone) } },
    );
    await sequelize().query(
      `UPDATE sms_send_limits SET last_sent_at = last_sent_at - interval '3 days', day_start = day_start - interval '3 days' WHERE phone_hash = :h`,
      { replacements: { h: hash(old.phone) } },
    );
    await env.server.tongmen.services.identityReads.smsCodes.purge();
    const left = async (table: string, phone: string) =>
      (await sequelize().query(`SELECT 1 FROM ${table} WHERE phone_hash = :h`, { replacements: { h: hash(phone) }, type: QueryTypes.SELECT })).length;
    expect([await left('sms_codes', old.phone), await left('sms_send_limits', old.phone)]).toEqual([0, 0]);
    expect([await left('sms_codes', fresh.phone), await left('sms_send_limits', fresh.phone)]).toEqual([1, 1]);
  });
});

/**
 * A second node on the suite's database, serving the same issuer (as behind the load balancer):
 * on PostgreSQL a whole second server with its own connection pool; on the embedded database
 * (one per process) a second directory and app over the same database.
 */
async function openSecondNode(): Promise<{ url: string; smsCodes: SignInWorld['server']['tongmen']['services']['smsCodes']; close(): Promise<void> }> {
  const base = env.server.tongmen.base;
  if (base.config.database.kind === 'external') {
    const other = await startServer(
      { NODE_ENV: 'test', PORT: '0', ISSUER: env.server.url, LOG_LEVEL: 'silent', ADMIN_MFA: 'off', DEMO: 'off', SMS_SENDS_PER_ADDRESS_PER_HOUR: '1000', DATABASE_URL: base.config.database.url },
      createLogger('silent'),
    );
    return { url: `http://127.0.0.1:${(other.server.address() as AddressInfo).port}`, smsCodes: other.tongmen.services.smsCodes, close: () => other.close() };
  }
  const directory = createDirectory({ config: base.config, logger: base.logger, db: base.db, pii: base.pii });
  const { app, identity } = await composeApp(base, directory);
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    smsCodes: directory.smsCodes,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await identity.close();
    },
  };
}

describe('R21 two nodes on one database', () => {
  it('racing sends for one phone on two nodes: exactly one passes within 60 s', async () => {
    const node2 = await openSecondNode();
    try {
      const person = await operator();
      const [a, b] = [await openSmsTab(), await openSmsTab(env, node2.url)];
      await Promise.all([sendCode(a, person.phone), sendCode(b, person.phone)]);
      expect([a.browser.lastStatus, b.browser.lastStatus].sort()).toEqual([200, 429]);
      const sent = [...(await outbox(person.phone, env.server.url)), ...(await outbox(person.phone, node2.url))];
      expect(sent).toHaveLength(1);
      // The same through the services of both nodes, many at once, a few times: still one each time.
      // (From different addresses, so that nothing but the phone's own limit orders them.)
      for (let round = 0; round < 3; round++) {
        const other = await operator();
        const results = await Promise.all(
          [env.server.tongmen.services.smsCodes, node2.smsCodes].flatMap((s, n) =>
            Array.from({ length: 8 }, (_, i) => s.send({ phone: other.phone, purpose: 'sign-in', meta: { ip: `198.51.100.${n * 10 + i}` } })),
          ),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.filter((r) => !r.ok && r.answer === 'phone_throttled')).toHaveLength(15);
      }
    } finally {
      await node2.close();
    }
  });
});

describe('R21 per-address send limit', () => {
  let limited: SignInWorld;
  beforeAll(async () => {
    limited = await openSignInWorld({ SMS_SENDS_PER_ADDRESS_PER_HOUR: '3' });
  });
  afterAll(() => limited?.close());

  it('one address asks for codes to many phones: past SMS_SENDS_PER_ADDRESS_PER_HOUR it gets 429 with Retry-After', async () => {
    const tab = await openSmsTab(limited);
    const statuses: number[] = [];
    const phones: string[] = [];
    for (let i = 0; i < 4; i++) {
      const person = await operator('限流', limited);
      phones.push(person.phone);
      await sendCode(tab, person.phone);
      statuses.push(tab.browser.lastStatus);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(tab.browser.lastHeaders.get('retry-after')).toBe('3600');
    expect(errorText(tab.browser.lastHtml)).toBe('当前网络获取验证码过于频繁，请稍后再试。');
    expect(await outbox(phones[3]!, limited.server.url)).toEqual([]);
    const [event] = await sequelize(limited).query<{ reason: string }>(
      `SELECT reason FROM audit_events WHERE action = 'sms.send' ORDER BY seq DESC LIMIT 1`,
      { type: QueryTypes.SELECT },
    );
    expect(event!.reason).toBe('address_throttled');
  });
});

describe('R21 gateway failure', () => {
  const SECRET = 'fake-secret-Sms21';
  let fake: FakeProvider;
  let real: SignInWorld;
  beforeAll(async () => {
    fake = await startFakeAliyun({ 'LTAI-test': SECRET });
    real = await openSignInWorld({
      SMS_PROVIDER: 'aliyun', SMS_ENDPOINT: fake.url, SMS_ACCESS_KEY_ID: 'LTAI-test', SMS_ACCESS_KEY_SECRET: SECRET,
      SMS_SIGN_NAME: '统门测试', SMS_TEMPLATE_ID: 'SMS_123456789',
    });
  });
  afterAll(async () => {
    await real?.close();
    await fake?.close();
  });

  it('the provider refuses: the person is told (502), no usable code is left, and the failure is audited', async () => {
    const person = await operator('网关失败', real);
    const tab = await openSmsTab(real);
    fake.behaviour = 'refuse';
    await sendCode(tab, person.phone);
    expect(tab.browser.lastStatus).toBe(502);
    expect(errorText(tab.browser.lastHtml)).toBe('短信发送失败，请稍后再试。');
    expect(tab.browser.lastHtml).not.toContain('name="code"');
    const phoneHash = real.server.tongmen.base.pii.lookupHash(person.phone);
    const codes = await sequelize(real).query(`SELECT 1 FROM sms_codes WHERE phone_hash = :phoneHash`, { replacements: { phoneHash }, type: QueryTypes.SELECT });
    expect(codes).toEqual([]);
    const [event] = await sequelize(real).query<{ reason: string; result: string; target_id: string; details: Record<string, unknown> }>(
      `SELECT reason, result, target_id, details FROM audit_events WHERE action = 'sms.send' ORDER BY seq DESC LIMIT 1`,
      { type: QueryTypes.SELECT },
    );
    expect(event).toMatchObject({ result: 'failure', reason: 'gateway_failed', target_id: person.id });
    expect(event!.details).toMatchObject({ provider: 'aliyun', reason: 'refused', providerCode: 'isv.BUSINESS_LIMIT_CONTROL' });
    // The code the provider was asked to deliver does not sign in.
    const asked = fake.received.at(-1) as { TemplateParam: string };
    const direct = await real.server.tongmen.services.smsCodes.verifySignIn({
      phone: person.phone, code: (JSON.parse(asked.TemplateParam) as { code: string }).code, meta: { ip: '198.51.100.11' },
    });
    expect(direct).toEqual({ ok: false, answer: 'no_code' });
  });

  it('R21: a code "sent" to a phone nobody holds takes about as long as a real send (the response time does not tell them apart)', async () => {
    fake.behaviour = 'accept';
    fake.delayMs = 400;
    try {
      for (const name of ['计时一', '计时二', '计时三']) {
        const tab = await openSmsTab(real);
        await sendCode(tab, (await operator(name, real)).phone); // the node learns how long the provider takes
      }
      const timed = async (phone: string) => {
        const tab = await openSmsTab(real);
        const started = performance.now();
        await sendCode(tab, phone);
        expect(tab.browser.lastStatus).toBe(200);
        return performance.now() - started;
      };
      const known = await timed((await operator('计时四', real)).phone);
      const unknown = await timed(samplePhone(nextSample()));
      expect(known).toBeGreaterThanOrEqual(400);
      expect(unknown).toBeGreaterThanOrEqual(0.8 * 400 - 50);
    } finally {
      fake.delayMs = 0;
    }
  });

  it('with the provider accepting again (after 60 s), the code it delivered signs in; no development outbox exists', async () => {
    const person = await operator('网关恢复', real);
    const tab = await openSmsTab(real);
    fake.behaviour = 'accept';
    await sendCode(tab, person.phone);
    expect(tab.browser.lastStatus).toBe(200);
    const asked = fake.received.at(-1) as { PhoneNumbers: string; TemplateParam: string };
    expect(asked.PhoneNumbers).toBe(person.phone);
    const back = await enterCode(tab, (JSON.parse(asked.TemplateParam) as { code: string }).code);
    expect(atCallback(new URL(back))).toBe(true);
    expect((await fetch(`${real.server.url}/dev/sms-outbox?phone=${person.phone}`)).status).toBe(404);
  });
});
