import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { composeApp } from '../server/app.ts';
import { BackchannelRepository } from '../identity/store/backchannel-repository.ts';
import { argon2Hasher } from '../directory/credentials/password-hasher.ts';
import { FormBrowser } from './support/browser.ts';
import { pkceAuthorizationUrl, signIn } from './support/oidc.ts';
import { insertAccount, insertCredential, insertPerson, openSignInWorld, WORLD_PASSWORD, type SignInWorld } from './identity-fixtures.ts';

/**
 * R24 — sessions and logout, end to end over HTTP: SSO across clients, the idle timeout and the
 * absolute lifetime of the SSO session (the clock is set ahead, never slept), RP-initiated logout
 * with a back-channel logout token, and the durable back-channel queue: retry with backoff, the
 * audit event of a relying party that stays down, two nodes sending each delivery once.
 */
const IDLE_MIN = 30;
const MAX_HOURS = 1;
const MIN = 60_000;
let env: SignInWorld;
let server: SignInWorld['server'];
let rp: SignInWorld['rp'];
let world: SignInWorld['world'];
let hash: string;

beforeAll(async () => {
  env = await openSignInWorld({ SESSION_IDLE_MINUTES: String(IDLE_MIN), SESSION_MAX_HOURS: String(MAX_HOURS), BACKCHANNEL_MAX_ATTEMPTS: '4' });
  ({ server, rp, world } = env);
  hash = await argon2Hasher.hash(WORLD_PASSWORD);
});
afterAll(() => env?.close());
afterEach(() => {
  vi.useRealTimers();
});

const sql = async (query: string, replacements: Record<string, unknown> = {}) =>
  (await server.tongmen.base.db.sequelize.query(query, { replacements }))[0] as Array<Record<string, unknown>>;

/** The server's clock (and this process's: they are one process) set `ms` ahead of `from`; it keeps running. */
function clockAt(from: number, ms: number) {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(from + ms);
}

/** A fresh operator of the school (one account, a password that need not change). */
async function freshOperator(name: string) {
  const { sequelize } = server.tongmen.base.db;
  const person = await insertPerson(sequelize, server.tongmen.base.pii, name);
  const accountId = await insertAccount(sequelize, { kind: 'operator', unitId: world.school.id, unitKind: 'employer', personId: person.id });
  await insertCredential(sequelize, { personId: person.id, hash });
  return { username: person.phone, accountId };
}

const clientSignIn = (clientId: string, who: { username: string }, browser?: FormBrowser) => {
  const c = world.client(clientId);
  return signIn({
    issuer: server.url, clientId, clientSecret: c.clientSecret!, redirectUri: c.redirectUris[0]!, resource: c.resources[0]!,
    username: who.username, password: WORLD_PASSWORD, ...(browser ? { browser } : {}),
  });
};

async function signedIn(clientId: string, who: { username: string }, browser?: FormBrowser) {
  const r = await clientSignIn(clientId, who, browser);
  if (!r.ok) throw new Error(`sign-in failed: ${r.error}`);
  return r;
}

/** An authorization request in the browser: does it come back with a code, or stop at the password page? */
async function authorize(browser: FormBrowser, clientId: string): Promise<'code' | 'password' | 'other'> {
  const c = world.client(clientId);
  const cfg = await oidc.discovery(new URL(server.url), clientId, c.clientSecret!, undefined, { execute: [oidc.allowInsecureRequests] });
  const { url } = await pkceAuthorizationUrl(cfg, { redirectUri: c.redirectUris[0]!, resource: c.resources[0]! });
  const at = new URL(await browser.follow(url.toString(), (u) => `${u.origin}${u.pathname}` === c.redirectUris[0]));
  if (at.searchParams.get('code')) return 'code';
  return /name="password"/.test(browser.lastHtml) ? 'password' : 'other';
}

/** The session's expiry as the provider sees it (payload `exp`, epoch seconds). */
async function sessionExp(accountId: string): Promise<number | undefined> {
  const rows = await sql(`SELECT max(CAST(payload->>'exp' AS bigint)) AS exp FROM oidc_payloads WHERE model = 'Session' AND account_id = :accountId`, { accountId });
  return rows[0]?.exp == null ? undefined : Number(rows[0].exp);
}

/** A refresh, then the session slide it causes (it lands just after the token response). */
async function refreshAndSlide(r: Awaited<ReturnType<typeof signedIn>>, accountId: string) {
  const before = (await sessionExp(accountId))!;
  const tokens = await oidc.refreshTokenGrant(r.config, r.tokens.refresh_token!);
  for (let i = 0; i < 40 && (await sessionExp(accountId))! <= before; i++) await new Promise((res) => setTimeout(res, 25));
  return tokens;
}

describe('R24: SSO and the lifetime of the SSO session', () => {
  it('R24: signed in at one client, another client gets its code without the password page', async () => {
    const who = await freshOperator('单点甲');
    const a = await signedIn('title', who);
    expect(a.pages).toEqual(['password']);
    const b = await signedIn('personnel', who, a.browser);
    expect(b.pages).toEqual([]);
    expect(decodeJwt(b.tokens.id_token!).sub).toBe(who.accountId);
    // One SSO session: the sign-in of the first client (each client gets its own `sid`).
    expect(decodeJwt(b.tokens.id_token!).auth_time).toBe(decodeJwt(a.tokens.id_token!).auth_time);
  });

  it('R24: past the idle timeout the next authorization asks for sign-in again and refresh fails', async () => {
    const who = await freshOperator('闲置乙');
    const r = await signedIn('title', who);
    const t0 = Date.now();
    clockAt(t0, (IDLE_MIN - 5) * MIN);
    expect(await authorize(new FormBrowser(), 'personnel')).toBe('password'); // another browser: no SSO
    clockAt(t0, (IDLE_MIN + 1) * MIN);
    expect(await authorize(r.browser, 'personnel')).toBe('password');
    await expect(oidc.refreshTokenGrant(r.config, r.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('R24: a refresh within the idle window slides it', async () => {
    const who = await freshOperator('活动丙');
    const r = await signedIn('title', who);
    const t0 = Date.now();
    clockAt(t0, (IDLE_MIN - 5) * MIN);
    await refreshAndSlide(r, who.accountId);
    clockAt(t0, (2 * IDLE_MIN - 10) * MIN); // past the first window, within the slid one
    expect(await authorize(r.browser, 'personnel')).toBe('code');
    expect(await oidc.refreshTokenGrant(r.config, r.tokens.refresh_token!)).toHaveProperty('access_token');
  });

  it('R24, issue 11: refreshes within a minute slide the session once; a refresh a minute later slides it again', async () => {
    const who = await freshOperator('节流戊');
    const r = await signedIn('title', who);
    const t0 = Date.now();
    clockAt(t0, 10 * MIN);
    await refreshAndSlide(r, who.accountId);
    const slid = (await sessionExp(who.accountId))!;
    clockAt(t0, 10 * MIN + 30_000);
    await oidc.refreshTokenGrant(r.config, r.tokens.refresh_token!);
    await new Promise((res) => setTimeout(res, 300)); // a slide lands within milliseconds of the response
    expect(await sessionExp(who.accountId)).toBe(slid);
    clockAt(t0, 11 * MIN + 5_000);
    await refreshAndSlide(r, who.accountId);
    expect((await sessionExp(who.accountId))!).toBeGreaterThanOrEqual(slid + 60);
  });

  it('R24: past the absolute lifetime the session is over, activity or not', async () => {
    const who = await freshOperator('期满丁');
    const r = await signedIn('title', who);
    const t0 = Date.now();
    const loginTs = Math.floor(t0 / 1000);
    for (const at of [25, 50]) {
      clockAt(t0, at * MIN);
      await refreshAndSlide(r, who.accountId);
    }
    // The slide stops at sign-in + SESSION_MAX_HOURS, however recent the activity.
    expect((await sessionExp(who.accountId))!).toBeLessThanOrEqual(loginTs + MAX_HOURS * 3600 + 1);
    clockAt(t0, (MAX_HOURS * 60 - 2) * MIN);
    expect(await authorize(r.browser, 'personnel')).toBe('code');
    clockAt(t0, (MAX_HOURS * 60 + 1) * MIN);
    expect(await authorize(r.browser, 'personnel')).toBe('password');
    await expect(oidc.refreshTokenGrant(r.config, r.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});

/** RP-initiated logout in the browser (the confirmation page, then back to the relying party). */
async function logoutInBrowser(r: Awaited<ReturnType<typeof signedIn>>) {
  const end = oidc.buildEndSessionUrl(r.config, { id_token_hint: r.tokens.id_token!, post_logout_redirect_uri: `${rp.url}/`, state: 'bye' });
  await r.browser.follow(end.toString());
  const landed = await r.browser.submit({ logout: 'yes' }, { stopAt: (u) => u.origin === rp.url });
  expect(new URL(landed).searchParams.get('state')).toBe('bye');
}

/** Checks a logout token as a relying party must (OIDC Back-Channel Logout 1.0 §2.6). */
async function verifyLogoutToken(token: string, accountId: string, sid: unknown) {
  const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${server.url}/jwks`)), {
    issuer: server.url,
    audience: 'title',
    typ: 'logout+jwt',
    algorithms: ['RS256'],
  });
  expect(payload).toMatchObject({ sub: accountId, sid, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });
  expect(payload).not.toHaveProperty('nonce');
  expect(typeof payload.jti).toBe('string');
  expect(typeof payload.iat).toBe('number');
}

const tokensFor = (accountId: string) => rp.attempts.filter((a) => decodeJwt(a.token).sub === accountId);
const queued = (accountId: string) =>
  sql(`SELECT attempts, extract(epoch FROM next_attempt_at) * 1000 AS next, last_error FROM backchannel_deliveries WHERE account_id = :accountId`, { accountId });

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let v = await f();
  for (let i = 0; i < 80 && !ok(v); i++) {
    await new Promise((res) => setTimeout(res, 25));
    v = await f();
  }
  return v;
}

describe('R24: RP-initiated logout and back-channel delivery', () => {
  it('R24: logout in the browser ends the SSO session and the relying party gets a signed logout token', async () => {
    const who = await freshOperator('退出戊');
    const r = await signedIn('title', who);
    await logoutInBrowser(r);
    const got = tokensFor(who.accountId);
    expect(got.map((a) => a.status)).toEqual([200]);
    await verifyLogoutToken(got[0]!.token, who.accountId, decodeJwt(r.tokens.id_token!).sid);
    expect(await authorize(r.browser, 'title')).toBe('password');
    await expect(oidc.refreshTokenGrant(r.config, r.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await queued(who.accountId)).toEqual([]);
  });

  it('R24: a relying party that answers 500 twice gets the logout on the third try, after 1 s then 2 s', async () => {
    const who = await freshOperator('重试己');
    const r = await signedIn('title', who);
    rp.statuses.push(500, 500);
    const t0 = Date.now();
    clockAt(t0, 0);
    await logoutInBrowser(r); // the first try (oidc-provider's own) fails: the queue takes over
    const [first] = await until(() => queued(who.accountId), (q) => q.length === 1);
    expect(first).toMatchObject({ attempts: 1, last_error: expect.stringContaining('500') });
    const deliver = () => server.tongmen.identity.backchannel.deliverDue();

    await deliver(); // not due yet
    expect(tokensFor(who.accountId)).toHaveLength(1);
    clockAt(Number(first!.next), 10);
    await deliver();
    expect(tokensFor(who.accountId).map((a) => a.status)).toEqual([500, 500]);
    const [second] = await queued(who.accountId);
    expect(second).toMatchObject({ attempts: 2 });
    clockAt(Number(first!.next), 1500); // 1.5 s after the second try: its 2 s are not over
    await deliver();
    expect(tokensFor(who.accountId)).toHaveLength(2);
    clockAt(Number(second!.next), 10);
    await deliver();

    const tries = tokensFor(who.accountId);
    expect(tries.map((a) => a.status)).toEqual([500, 500, 200]);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(tries[2]!.at - tries[1]!.at).toBeGreaterThanOrEqual(2000);
    await verifyLogoutToken(tries[2]!.token, who.accountId, decodeJwt(r.tokens.id_token!).sid);
    expect(await queued(who.accountId)).toEqual([]);
  });

  it('R24/R25: a relying party that stays down: the queue gives up after the last try, with an audit event', async () => {
    const who = await freshOperator('失败庚');
    const r = await signedIn('title', who);
    rp.statuses.push(500, 500, 500, 500);
    const t0 = Date.now();
    clockAt(t0, 0);
    await logoutInBrowser(r);
    await until(() => queued(who.accountId), (q) => q.length === 1);
    for (let i = 1; i <= 3; i++) {
      clockAt(t0, i * 10 * 1000);
      await server.tongmen.identity.backchannel.deliverDue();
    }
    expect(tokensFor(who.accountId).map((a) => a.status)).toEqual([500, 500, 500, 500]);
    expect(await queued(who.accountId)).toEqual([]);
    const events = await sql(
      `SELECT result, reason, details, target_type, unit_id FROM audit_events WHERE action = 'logout.backchannel_failed' AND target_id = :id`,
      { id: who.accountId },
    );
    expect(events).toEqual([
      { result: 'failure', reason: 'unreachable', target_type: 'account', unit_id: world.school.id,
        details: { clientId: 'title', attempts: 4, error: expect.stringContaining('500') } },
    ]);
  });
});

describe('R24: two nodes work one queue', () => {
  it('R24: each queued delivery is sent once, whichever node takes it', async () => {
    const other = await composeApp(server.tongmen.base, server.tongmen.services);
    const s = http.createServer(other.app.callback());
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    expect((s.address() as AddressInfo).port).toBeGreaterThan(0);
    try {
      const who = await freshOperator('双节点辛');
      const sids = Array.from({ length: 30 }, (_, i) => `sid-${who.accountId.slice(0, 8)}-${i}`);
      await new BackchannelRepository({ sequelize: server.tongmen.base.db.sequelize }).enqueue(
        sids.map((sid) => ({ clientId: 'title', accountId: who.accountId, sid })),
        new Date(),
      );
      rp.delayMs = 100; // sends overlap: both nodes are at work at once
      const nodes = [server.tongmen.identity.backchannel, other.identity.backchannel];
      await Promise.all([...nodes, ...nodes].map((n) => n.deliverDue()));
      const got = tokensFor(who.accountId).map((a) => decodeJwt(a.token).sid);
      expect([...got].sort()).toEqual([...sids].sort());
      expect(await queued(who.accountId)).toEqual([]);
    } finally {
      rp.delayMs = 0;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
      await other.identity.close();
      server.tongmen.services.attachSessionEnder(server.tongmen.identity.sessionEnder);
    }
  });
});
