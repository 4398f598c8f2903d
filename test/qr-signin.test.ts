import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { composeApp } from '../server/app.ts';
import { generateEsscDevKeyPair, signEsscAssertion } from '../identity/essc/simulator.ts';
import { sampleIdNumber } from '../directory/codes/synthetic-codes.ts';
import { insertAccount, insertPerson, nextSample, openSignInWorld, type SignInWorld } from './identity-fixtures.ts';
import { FormBrowser } from './support/browser.ts';
import { launchChromium } from './support/chromium.ts';
import { clientConfig, pkceAuthorizationUrl } from './support/oidc.ts';

/**
 * R22 — QR sign-in with the electronic social security card, through HTTP on a running server:
 * the page shows a QR code for a one-time ticket and waits; the card app (the development
 * simulator, or assertions signed here) confirms; the page completes the sign-in by itself. Every
 * refusal has its catalogued code and an audit event (ID number masked); the ticket expires (clock
 * set ahead), is refreshed, is bound to its browser, and works across two nodes of one database.
 */
let w: SignInWorld;
let browser: Browser | null;
let node2: { server: http.Server; url: string; close(): Promise<void> };

beforeAll(async () => {
  w = await openSignInWorld();
  browser = await launchChromium();
  const other = await composeApp(w.server.tongmen.base, w.server.tongmen.services);
  const s = http.createServer(other.app.callback());
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  node2 = {
    server: s,
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    async close() {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
      await other.identity.close();
    },
  };
});
afterAll(async () => {
  await node2?.close();
  await browser?.close();
  await w?.close();
});
afterEach(() => vi.useRealTimers());

const sql = () => w.server.tongmen.base.db.sequelize;
const devKey = () => w.server.tongmen.base.essc.devPrivateKeyPem!;
const title = () => w.world.client('title');

/** An authorization request of the `title` subsystem (confidential, PKCE), as openid-client builds it. */
async function startFlow() {
  const config = await clientConfig(w.server.url, 'title', title().clientSecret!);
  const state = oidc.randomState();
  const redirectUri = title().redirectUris[0]!;
  const { url, verifier } = await pkceAuthorizationUrl(config, { redirectUri, resource: 'urn:tongmen:title', state });
  return { config, state, verifier, redirectUri, url: url.toString() };
}

const exchange = (flow: Awaited<ReturnType<typeof startFlow>>, callback: string) =>
  oidc.authorizationCodeGrant(flow.config, new URL(callback), { pkceCodeVerifier: flow.verifier, expectedState: flow.state }, { resource: 'urn:tongmen:title' });

const ticketIn = (html: string) => /data-ticket="([^"]+)"/.exec(html)?.[1];

/** A browser without JavaScript at the QR tab of a new sign-in: its ticket and where it stands. */
async function qrTab(flow?: Awaited<ReturnType<typeof startFlow>>) {
  const f = flow ?? (await startFlow());
  const b = new FormBrowser();
  const at = new URL(await b.follow(f.url));
  at.searchParams.set('method', 'qr');
  await b.follow(at.toString());
  const ticket = ticketIn(b.lastHtml);
  if (!ticket) throw new Error(`no QR ticket on ${at}:\n${b.lastHtml.slice(0, 1500)}`);
  return { flow: f, b, ticket, pageUrl: at.toString(), uid: at.pathname.split('/')[2]! };
}

async function simulate(base: string, body: Record<string, unknown>) {
  const res = await fetch(`${base}/dev/essc/confirm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { status?: string; assertion: string; error?: { code: string } } };
}

async function confirm(assertion: string, ticket?: string) {
  const res = await fetch(`${w.server.url}/essc/confirm${ticket ? `?ticket=${ticket}` : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/jose' },
    body: assertion,
  });
  return { status: res.status, body: (await res.json()) as { status?: string; error?: { code: string; message: string } } };
}

interface AuditRow {
  action: string;
  result: string;
  reason: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
}
async function lastEvent(action: string): Promise<AuditRow> {
  const [rows] = await sql().query(`SELECT action, result, reason, target_id, details FROM audit_events WHERE action = :action ORDER BY seq DESC LIMIT 1`, {
    replacements: { action },
  });
  return (rows as AuditRow[])[0]!;
}

/** The refusal's code, and its audit event: the reason, the ID number masked and never in clear. */
async function expectRefusal(p: Promise<{ status: number; body: { error?: { code: string } } }>, status: number, code: string, reason: string, idNumber?: string) {
  const res = await p;
  expect(res.body.error?.code).toBe(code);
  expect(res.status).toBe(status);
  const event = await lastEvent('signin.essc.confirm');
  expect(event).toMatchObject({ result: 'failure', reason });
  if (idNumber) {
    expect(event.details.idNumber).toBe(`${idNumber.slice(0, 4)}**********${idNumber.slice(-4)}`);
    expect(JSON.stringify(event)).not.toContain(idNumber);
  }
}

/** A person with one operator account and no password at all: the card is their only way in. */
async function qrOnlyPerson() {
  const person = await insertPerson(sql(), w.server.tongmen.base.pii, '陈扫码');
  const accountId = await insertAccount(sql(), { kind: 'operator', unitId: w.world.school.id, unitKind: 'employer', personId: person.id });
  return { ...person, accountId };
}

async function jsPage(): Promise<Page> {
  const context = await browser!.newContext({ locale: 'zh-CN' });
  return context.newPage();
}

describe('R22 QR sign-in in Chromium with JavaScript', () => {
  it('R22: the page shows the QR code and waits; the simulator confirms; the page signs in by itself and the client gets its code', async (ctx) => {
    if (!browser) return ctx.skip();
    const page = await jsPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    const flow = await startFlow();
    await page.goto(flow.url);
    await page.click('a.tab[href*="method=qr"]');
    const box = page.locator('#qr-signin');
    const ticket = await box.getAttribute('data-ticket');
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await page.locator('#qr-signin svg path').count()).toBeGreaterThan(0);
    // The countdown runs (the script is loaded under the page's policy), and the page waits.
    await page.waitForFunction(() => /将在 \d+ 秒后失效/.test((globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('qr-countdown').textContent));
    expect(await page.textContent('#qr-status')).toContain('等待扫码确认');
    await page.screenshot({ path: 'test/.artifacts/signin-qr.png' }).catch(() => {});

    const done = page.waitForURL((u) => u.toString().startsWith(flow.redirectUri), { timeout: 20_000 });
    const person = await qrOnlyPerson();
    const sim = await simulate(w.server.url, { ticket, idNumber: person.idNumber, name: person.name });
    expect(sim).toMatchObject({ status: 200, body: { ticket, status: 'confirmed' } });
    await done; // no click: the page completed the sign-in itself
    const tokens = await exchange(flow, page.url());
    expect(tokens.claims()?.sub).toBe(person.accountId);
    // RFC 8176: the session records how the person proved who they are (the card app: a second channel).
    const [sessions] = await sql().query(`SELECT payload->'amr' AS amr FROM oidc_payloads WHERE model = 'Session' AND payload->>'accountId' = :id`, {
      replacements: { id: person.accountId },
    });
    expect(sessions).toEqual([{ amr: ['mca'] }]);
    expect(problems).toEqual([]);
    expect(await lastEvent('signin.essc.confirm')).toMatchObject({ result: 'success', reason: null, target_id: person.id });
    expect(await lastEvent('signin.essc')).toMatchObject({ result: 'success', target_id: person.id });
    await page.context().close();
  });

  it('R22: two nodes — the card app confirms on node B, the page waiting on node A completes the sign-in', async (ctx) => {
    if (!browser) return ctx.skip();
    const page = await jsPage();
    const flow = await startFlow();
    await page.goto(flow.url);
    await page.click('a.tab[href*="method=qr"]');
    const ticket = await page.locator('#qr-signin').getAttribute('data-ticket');
    expect(new URL(page.url()).origin).toBe(w.server.url);
    const done = page.waitForURL((u) => u.toString().startsWith(flow.redirectUri), { timeout: 20_000 });
    const person = await qrOnlyPerson();
    const sim = await simulate(node2.url, { ticket, idNumber: person.idNumber, name: person.name });
    expect(sim.status).toBe(200);
    await done;
    expect((await exchange(flow, page.url())).claims()?.sub).toBe(person.accountId);
    await page.context().close();
  });
});

describe('R22 QR sign-in without JavaScript', () => {
  it('R22/R9: "已扫码，继续" waits for the confirmation, then completes; a person with two accounts chooses one', async () => {
    const { flow, b, ticket } = await qrTab();
    expect(b.lastHtml).toContain('已扫码，继续');
    // Pressed before the app confirmed: the same code again, saying so.
    await b.submit({}, { actionPart: `/qr?` });
    expect(b.lastStatus).toBe(409);
    expect(b.lastHtml).toContain('尚未收到电子社保卡的确认');
    expect(ticketIn(b.lastHtml)).toBe(ticket);
    expect(await lastEvent('signin.essc')).toMatchObject({ result: 'failure', reason: 'not_confirmed' });

    const sim = await simulate(w.server.url, { ticket, idNumber: w.world.dual.idNumber, name: w.world.dual.name });
    expect(sim.status).toBe(200);
    const atCallback = (u: URL) => u.toString().startsWith(flow.redirectUri);
    await b.submit({}, { actionPart: `/qr?`, stopAt: atCallback });
    expect(b.lastHtml).toContain('name="accountId"');
    const back = await b.submit({ accountId: w.world.dual.operatorId }, { stopAt: atCallback });
    expect((await exchange(flow, back)).claims()?.sub).toBe(w.world.dual.operatorId);
  });

  it('R22/R20: a person whose password is an initial one sets a new one after the QR sign-in, before any token', async () => {
    const { flow, b, ticket } = await qrTab();
    expect((await simulate(w.server.url, { ticket, idNumber: w.world.op.idNumber, name: w.world.op.name })).status).toBe(200);
    const atCallback = (u: URL) => u.toString().startsWith(flow.redirectUri);
    await b.submit({}, { actionPart: '/qr?', stopAt: atCallback });
    expect(b.lastHtml).toContain('name="newPassword"');
    const back = await b.submit({ newPassword: 'QrSigned#Pass2026', confirmPassword: 'QrSigned#Pass2026' }, { stopAt: atCallback });
    const tokens = await exchange(flow, back);
    expect(tokens.claims()?.sub).toBe(w.world.op.accountId);
    expect(await lastEvent('password.change')).toMatchObject({ result: 'success', target_id: w.world.op.id });
  });

  it('R22: the QR tab speaks English on request, with an accessible name for the code and CSRF tokens on both forms', async () => {
    const { b, pageUrl } = await qrTab();
    const en = new URL(pageUrl);
    en.searchParams.set('lang', 'en');
    await b.follow(en.toString());
    expect(b.lastHtml).toContain('Scan QR code');
    expect(b.lastHtml).toContain('aria-label="QR code for signing in with the e-SSC"');
    expect(b.lastHtml).toContain('I have scanned it, continue');
    expect(b.lastHtml.match(/<form method="post" action="\/interaction\/[^"]+\/qr[^"]*"[^>]*><input type="hidden" name="csrf" value="[^"]+">/g)).toHaveLength(2);
    expect(b.lastHeaders.get('content-security-policy')).toContain("script-src 'self'; connect-src 'self'");
    expect(b.lastHtml).not.toMatch(/<script>/);
  });

  it('R22: the status endpoint answers only the browser the ticket is bound to; another browser cannot consume it', async () => {
    const a = await qrTab();
    const other = await qrTab();
    const statusOf = async (b: FormBrowser, uid: string, ticket: string) => {
      const res = await b.get(`${w.server.url}/interaction/${uid}/qr/status?ticket=${ticket}`);
      return ((await res.json()) as { status: string }).status;
    };
    expect(await statusOf(a.b, a.uid, a.ticket)).toBe('pending');
    expect(await statusOf(other.b, other.uid, a.ticket)).toBe('invalid');
    // Without the interaction cookie: nothing.
    expect((await fetch(`${w.server.url}/interaction/${a.uid}/qr/status?ticket=${a.ticket}`)).status).toBe(404);
    await simulate(w.server.url, { ticket: a.ticket, idNumber: w.world.op.idNumber, name: w.world.op.name });
    expect(await statusOf(a.b, a.uid, a.ticket)).toBe('confirmed');
    // The other browser posts a's ticket to its own sign-in: refused, a's ticket stays confirmed for a.
    await other.b.submit({ ticket: a.ticket }, { actionPart: '/qr?' });
    expect(other.b.lastStatus).toBe(410);
    expect(await statusOf(a.b, a.uid, a.ticket)).toBe('confirmed');
  });

  it('R22: refresh gives a new ticket and the old one stops working', async () => {
    const { b, ticket: old, uid } = await qrTab();
    await b.submit({}, { actionPart: '/qr/refresh' });
    const fresh = ticketIn(b.lastHtml);
    expect(fresh).toBeTruthy();
    expect(fresh).not.toBe(old);
    const status = async (t: string) => ((await (await b.get(`${w.server.url}/interaction/${uid}/qr/status?ticket=${t}`)).json()) as { status: string }).status;
    expect(await status(old)).toBe('invalid');
    await expectRefusal(
      simulate(w.server.url, { ticket: old, idNumber: w.world.op.idNumber, name: w.world.op.name }),
      409, 'essc.ticket_used', 'ticket_superseded', w.world.op.idNumber,
    );
    expect((await simulate(w.server.url, { ticket: fresh, idNumber: w.world.op.idNumber, name: w.world.op.name })).status).toBe(200);
    // A reload of the page keeps the live code instead of making a new one, also once confirmed.
    const again = await qrTab();
    await again.b.follow(again.pageUrl);
    expect(ticketIn(again.b.lastHtml)).toBe(again.ticket);
    expect((await simulate(w.server.url, { ticket: again.ticket, idNumber: w.world.op.idNumber, name: w.world.op.name })).status).toBe(200);
    await again.b.follow(again.pageUrl);
    expect(ticketIn(again.b.lastHtml)).toBe(again.ticket);
  });

  it('R22: with the clock 2 minutes ahead the ticket has expired: the page says so, the app is refused, "continue" brings a new code', async () => {
    const { b, ticket, uid } = await qrTab();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 121_000);
    const res = await b.get(`${w.server.url}/interaction/${uid}/qr/status?ticket=${ticket}`);
    expect(await res.json()).toEqual({ status: 'expired' });
    // The simulator signs at the (moved) clock: the assertion is fresh, the ticket is not.
    await expectRefusal(
      simulate(w.server.url, { ticket, idNumber: w.world.op.idNumber, name: w.world.op.name }),
      410, 'essc.ticket_expired', 'ticket_expired', w.world.op.idNumber,
    );
    await b.submit({}, { actionPart: '/qr?' });
    expect(b.lastStatus).toBe(410);
    expect(b.lastHtml).toContain('已为您生成新的二维码');
    expect(ticketIn(b.lastHtml)).not.toBe(ticket);
  });
});

describe('R22 the card app\'s confirmation: each refusal has its code and an audit event', () => {
  it('R22: a replayed assertion, and a second confirmation of a confirmed ticket', async () => {
    const { ticket } = await qrTab();
    const sim = await simulate(w.server.url, { ticket, idNumber: w.world.op.idNumber, name: w.world.op.name });
    expect(sim.status).toBe(200);
    await expectRefusal(confirm(sim.body.assertion, ticket), 409, 'essc.assertion_replayed', 'assertion_replayed', w.world.op.idNumber);
    const second = await signEsscAssertion({ ticket, idNumber: w.world.op.idNumber, name: w.world.op.name, issuedAt: Math.floor(Date.now() / 1000) - 1 }, devKey());
    await expectRefusal(confirm(second, ticket), 409, 'essc.ticket_used', 'ticket_confirmed', w.world.op.idNumber);
  });

  it('R22: expired, unsigned (alg none, no signature) and foreign-signed assertions', async () => {
    const { ticket } = await qrTab();
    const claims = { ticket, idNumber: w.world.op.idNumber, name: w.world.op.name };
    const stale = await signEsscAssertion({ ...claims, issuedAt: Math.floor(Date.now() / 1000) - 300 }, devKey());
    await expectRefusal(confirm(stale, ticket), 400, 'essc.assertion_expired', 'assertion_expired');
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'essc-assertion+jwt' })}.${b64({ ...claims, issuedAt: Math.floor(Date.now() / 1000) })}.`;
    await expectRefusal(confirm(none, ticket), 400, 'essc.assertion_unsigned', 'assertion_unsigned');
    const [h, p] = (await signEsscAssertion(claims, devKey())).split('.');
    await expectRefusal(confirm(`${h}.${p}.`, ticket), 400, 'essc.assertion_unsigned', 'assertion_unsigned');
    const foreign = await signEsscAssertion(claims, generateEsscDevKeyPair('ec').privateKeyPem);
    await expectRefusal(confirm(foreign, ticket), 401, 'essc.assertion_foreign_signed', 'assertion_foreign_signed');
    await expectRefusal(confirm('not a jws', ticket), 400, 'essc.assertion_malformed', 'assertion_malformed');
    // The ticket is untouched by all of these: the real confirmation still works.
    expect((await simulate(w.server.url, claims)).status).toBe(200);
  });

  it('R22/R8: an ID number and name that match no person (unknown ID, or another name) get one answer', async () => {
    const { ticket } = await qrTab();
    const unknownId = sampleIdNumber(nextSample());
    await expectRefusal(simulate(w.server.url, { ticket, idNumber: unknownId, name: w.world.op.name }), 403, 'essc.person_mismatch', 'unknown_person', unknownId);
    await expectRefusal(simulate(w.server.url, { ticket, idNumber: w.world.op.idNumber, name: '王某某' }), 403, 'essc.person_mismatch', 'name_mismatch', w.world.op.idNumber);
    // The wrong name of a real person is refused with the same words as an unknown ID number.
    const a = await simulate(w.server.url, { ticket, idNumber: unknownId, name: '王某某' });
    const b = await simulate(w.server.url, { ticket, idNumber: w.world.op.idNumber, name: '王某某' });
    expect(a.body.error).toEqual(b.body.error);
  });

  it('R22/R12: a person whose accounts are all disabled or offboarded is refused', async () => {
    const { ticket } = await qrTab();
    const gone = await insertPerson(sql(), w.server.tongmen.base.pii, '赵离职');
    await insertAccount(sql(), { kind: 'operator', unitId: w.world.school.id, unitKind: 'employer', personId: gone.id, status: 'offboarded' });
    await insertAccount(sql(), { kind: 'operator', unitId: w.world.root.id, personId: gone.id, status: 'disabled' });
    await expectRefusal(simulate(w.server.url, { ticket, idNumber: gone.idNumber, name: gone.name }), 403, 'essc.no_active_account', 'no_active_account', gone.idNumber);
  });

  it('R22: an unknown ticket, a confirmation posted for another ticket, and garbage bodies never give a 500', async () => {
    const { ticket } = await qrTab();
    const unknown = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const forUnknown = await signEsscAssertion({ ticket: unknown, idNumber: w.world.op.idNumber, name: w.world.op.name }, devKey());
    await expectRefusal(confirm(forUnknown), 404, 'essc.ticket_unknown', 'ticket_unknown', w.world.op.idNumber);
    const forThis = await signEsscAssertion({ ticket, idNumber: w.world.op.idNumber, name: w.world.op.name }, devKey());
    await expectRefusal(confirm(forThis, unknown), 400, 'essc.ticket_mismatch', 'ticket_mismatch');
    const res = await fetch(`${w.server.url}/essc/confirm?ticket=%00${'A'.repeat(20)}`, { method: 'POST', headers: { 'content-type': 'application/jose' }, body: forThis });
    expect(res.status).toBe(400);
    const { b, uid } = await qrTab();
    const weird = await b.get(`${w.server.url}/interaction/${uid}/qr/status?ticket=%00%ED%A0%80`);
    expect(await weird.json()).toEqual({ status: 'invalid' });
    await b.submit({}, { actionPart: '/qr?', encoded: { ticket: '%00' } });
    expect(b.lastStatus).toBe(410);
    for (const body of ['{"assertion": 42}', '[]', '{bad json']) {
      const res = await fetch(`${w.server.url}/essc/confirm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(400);
    }
  });
});
