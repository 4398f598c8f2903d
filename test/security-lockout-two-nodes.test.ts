import * as oidc from 'openid-client';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from 'otplib';
import { RESOURCES } from '../directory/catalogue/modules.ts';
import { argon2Hasher } from '../directory/credentials/password-hasher.ts';
import { samplePhone } from '../directory/codes/synthetic-codes.ts';
import { FormBrowser } from './support/browser.ts';
import { clientConfig, pkceAuthorizationUrl } from './support/oidc.ts';
import { openSecondNode } from './support/second-node.ts';
import { insertAccount, insertCredential, insertPerson, openSignInWorld, WORLD_PASSWORD, type SignInWorld } from './identity-fixtures.ts';

/**
 * Issue 12 suite 2 — lockout under attack: a credential-stuffing bot spreads its guesses over two
 * nodes behind one load balancer (one PostgreSQL), each guess from its own address
 * (X-Forwarded-For behind the trusted proxy), all at once, through the sign-in pages over HTTP.
 * The limits are counted in the database, so they hold whatever node a guess lands on (R19, R21).
 */
// ADMIN_MFA=hrss: administrators of hrss units meet the second factor (the victims above are employer operators).
const NODE_ENV = { TRUST_PROXY: 'true', SMS_SENDS_PER_ADDRESS_PER_HOUR: '1000', ADMIN_MFA: 'hrss' };
const GUESSES = 50;
const SMS_GUESSES = 20;
const OTP_GUESSES = 20;
const THROTTLE = 30; // SIGNIN_THROTTLE_PER_MINUTE's default
let env: SignInWorld;
let nodes: string[];
let closeB: () => Promise<void>;

beforeAll(async () => {
  env = await openSignInWorld(NODE_ENV);
  const b = await openSecondNode(env.server, NODE_ENV);
  nodes = [env.server.url, b.url];
  closeB = b.close;
}, 60_000);
afterAll(async () => {
  await closeB?.();
  await env?.close();
});

const sequelize = () => env.server.tongmen.base.db.sequelize;
let addressSeq = 1;
const nextAddress = () => `203.0.${Math.floor(addressSeq / 250)}.${(addressSeq++ % 250) + 1}`;

/** A fresh sign-in for `title` (or the admin console) opened on `node` by a browser at `address`; `method` picks the tab. */
async function openSignIn(node: string, address: string, method?: 'sms', client: 'title' | 'admin-console' = 'title') {
  const title = env.world.client('title');
  const config = client === 'title' ? await clientConfig(env.server.url, 'title', title.clientSecret!) : await clientConfig(env.server.url, 'admin-console');
  const { url } =
    client === 'title'
      ? await pkceAuthorizationUrl(config, { redirectUri: title.redirectUris[0]!, resource: 'urn:tongmen:title', state: oidc.randomState() })
      : await pkceAuthorizationUrl(config, { redirectUri: `${env.server.url}/console/callback`, resource: RESOURCES.admin, state: oidc.randomState() });
  const browser = new FormBrowser({ 'x-forwarded-for': address });
  const page = await browser.follow(`${node}${url.pathname}${url.search}`);
  // The interaction stays on the node the balancer chose (the provider redirects relative to it).
  expect(page.startsWith(node)).toBe(true);
  if (method) await browser.follow(`${page}?method=${method}`);
  return browser;
}

/** A person with one operator account in the school (or an administrator of the province hrss unit) and a settled password. */
async function person(kind: 'operator' | 'admin' = 'operator') {
  const { sequelize: db } = env.server.tongmen.base.db;
  const p = await insertPerson(db, env.server.tongmen.base.pii, '被攻击人');
  const accountId =
    kind === 'operator'
      ? await insertAccount(db, { kind: 'operator', unitId: env.world.school.id, unitKind: 'employer', personId: p.id })
      : await insertAccount(db, { kind: 'admin', unitId: env.world.root.id, unitKind: 'hrss', personId: p.id });
  await insertCredential(db, { personId: p.id, hash: await argon2Hasher.hash(WORLD_PASSWORD) });
  return { ...p, accountId };
}

const reasons = async (action: string, since: number) =>
  (
    await sequelize().query<{ reason: string | null }>(`SELECT reason FROM audit_events WHERE action = :action AND seq > :since ORDER BY seq`, {
      replacements: { action, since },
      type: QueryTypes.SELECT,
    })
  ).map((r) => r.reason);
const auditHead = async () => (await sequelize().query<{ seq: number }>('SELECT seq::int AS seq FROM audit_head', { type: QueryTypes.SELECT }))[0]!.seq;
const tally = (xs: Array<string | number | null>) => Object.fromEntries([...new Set(xs)].sort().map((x) => [String(x), xs.filter((y) => y === x).length]));

describe('Issue 12 suite 2: lockout under attack on two nodes (R19, R21)', () => {
  it(`${GUESSES} parallel wrong passwords over two nodes: exactly 3 are checked, the account locks, the right password is refused`, { timeout: 120_000 }, async () => {
    const victim = await person();
    const browsers = await Promise.all(Array.from({ length: GUESSES }, (_, i) => openSignIn(nodes[i % 2]!, nextAddress())));
    const since = await auditHead();
    await Promise.all(browsers.map((b, i) => b.submit({ username: victim.phone, password: `Wrong#${i}-guess` })));
    expect(tally(browsers.map((b) => b.lastStatus))).toEqual({ 401: GUESSES });
    expect(tally(await reasons('signin.password', since))).toEqual({ locked: GUESSES - 3, wrong_password: 3 });
    const [state] = await sequelize().query<{ failed_count: number; locked: boolean }>(
      `SELECT c.failed_count, c.locked_at IS NOT NULL AS locked FROM credentials c WHERE c.person_id = :id`,
      { replacements: { id: victim.id }, type: QueryTypes.SELECT },
    );
    expect(state).toEqual({ failed_count: 3, locked: true });

    // The right password, on either node: refused, and no check happens (R19: only a reset unlocks).
    for (const node of nodes) {
      const b = await openSignIn(node, nextAddress());
      const before = await auditHead();
      await b.submit({ username: victim.idNumber, password: WORLD_PASSWORD });
      expect(b.lastStatus).toBe(401);
      expect(await reasons('signin.password', before)).toEqual(['locked']);
    }
  });

  it(`one address over two nodes: past ${THROTTLE} guesses a minute every guess is 429 before any lookup`, { timeout: 120_000 }, async () => {
    const address = nextAddress();
    const n = THROTTLE + 15;
    const browsers = await Promise.all(Array.from({ length: n }, (_, i) => openSignIn(nodes[i % 2]!, address)));
    const since = await auditHead();
    // Different unknown names: nothing but the address ties the guesses together.
    await Promise.all(browsers.map((b, i) => b.submit({ username: samplePhone(900_000 + i), password: 'Wrong#guess-1' })));
    expect(tally(browsers.map((b) => b.lastStatus))).toEqual({ 401: THROTTLE, 429: n - THROTTLE });
    expect(browsers.filter((b) => b.lastStatus === 429).every((b) => b.lastHeaders.get('retry-after') !== null)).toBe(true);
    expect(tally(await reasons('signin.password', since))).toEqual({ throttled: n - THROTTLE, unknown_user: THROTTLE });
  });

  it(`${SMS_GUESSES} parallel wrong SMS codes over two nodes: at most 5 comparisons, then even the right code is refused`, { timeout: 120_000 }, async () => {
    const victim = await person();
    const owner = await openSignIn(nodes[0]!, nextAddress(), 'sms');
    await owner.submit({ phone: victim.phone }, { actionPart: '/sms/send' });
    expect(owner.lastStatus).toBe(200);
    const outbox = (await (await fetch(`${nodes[0]}/dev/sms-outbox?phone=${victim.phone}`)).json()) as { messages: Array<{ code: string }> };
    const code = outbox.messages[0]!.code;
    const wrong = code === '000000' ? '111111' : '000000';

    // Each attacker tab asks for a code too (refused: one is live) and so gets the code form.
    const attackers = await Promise.all(
      Array.from({ length: SMS_GUESSES }, async (_, i) => {
        const b = await openSignIn(nodes[i % 2]!, nextAddress(), 'sms');
        await b.submit({ phone: victim.phone }, { actionPart: '/sms/send' });
        expect(b.lastStatus).toBe(429);
        return b;
      }),
    );
    const since = await auditHead();
    await Promise.all(attackers.map((b) => b.submit({ phone: victim.phone, code: wrong }, { actionPart: '/sms?' })));
    expect(tally(attackers.map((b) => b.lastStatus))).toEqual({ 401: SMS_GUESSES });
    const [row] = await sequelize().query<{ tries: number }>(`SELECT tries FROM sms_codes WHERE purpose = 'sign-in' AND phone_hash = :h`, {
      replacements: { h: env.server.tongmen.base.pii.lookupHash(victim.phone) },
      type: QueryTypes.SELECT,
    });
    expect(row!.tries).toBe(5);
    const tried = tally(await reasons('signin.sms', since));
    expect(tried).toEqual({ too_many_tries: SMS_GUESSES - 4, wrong_code: 4 });

    await owner.submit({ phone: victim.phone, code }, { actionPart: '/sms?', stopAt: (u) => u.pathname === '/callback' });
    expect(owner.lastStatus).toBe(401);
  });

  it(`${OTP_GUESSES} parallel wrong second-factor codes over two nodes: 5 are compared, then even the right code is 429 (R23)`, { timeout: 120_000 }, async () => {
    const admin = await person('admin');
    const factors = env.server.tongmen.services.secondFactors;
    const start = await factors.beginTotpEnrolment(admin.id, '');
    const secret = start.secretForManualEntry;
    await factors.confirmTotpEnrolment(admin.id, start.pending, await generate({ secret }), { requestId: 'enrol' });
    const valid = new Set(await Promise.all([-30, 0, 30, 60].map((s) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + s }))));
    const wrong = ['000000', '111111', '222222', '333333', '444444'].find((c) => !valid.has(c))!;

    // Each attacker knows the password (stolen) and reaches the code step on its node, from its own address.
    // (One after the other: right passwords checked in parallel answer `locked` while in flight, see below.)
    const attackers: FormBrowser[] = [];
    for (let i = 0; i < OTP_GUESSES; i++) {
      const b = await openSignIn(nodes[i % 2]!, nextAddress(), undefined, 'admin-console');
      await b.submit({ username: admin.idNumber, password: WORLD_PASSWORD });
      expect([b.lastStatus, /name="otp"/.test(b.lastHtml)]).toEqual([200, true]);
      attackers.push(b);
    }
    const since = await auditHead();
    await Promise.all(attackers.map((b) => b.submit({ otp: wrong }, { actionPart: 'second-factor?lang', stopAt: (u) => u.pathname === '/console/callback' })));
    expect(tally(attackers.map((b) => b.lastStatus))).toEqual({ 401: 5, 429: OTP_GUESSES - 5 });
    expect(tally(await reasons('signin.second-factor', since))).toEqual({ code_invalid: 5, throttled: OTP_GUESSES - 5 });

    const owner = await openSignIn(nodes[1]!, nextAddress(), undefined, 'admin-console');
    await owner.submit({ username: admin.idNumber, password: WORLD_PASSWORD });
    await owner.submit({ otp: await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }) }, { actionPart: 'second-factor?lang', stopAt: (u) => u.pathname === '/console/callback' });
    expect(owner.lastStatus).toBe(429);
  });

  it('the right password sent many times at once over two nodes: some are told `locked` while in flight, but the account is not left locked (R19)', { timeout: 120_000 }, async () => {
    const p = await person();
    const browsers = await Promise.all(Array.from({ length: 10 }, (_, i) => openSignIn(nodes[i % 2]!, nextAddress())));
    await Promise.all(browsers.map((b) => b.submit({ username: p.phone, password: WORLD_PASSWORD }, { stopAt: (u) => u.pathname === '/callback' })));
    const [state] = await sequelize().query<{ failed_count: number; locked: boolean }>(
      `SELECT failed_count, locked_at IS NOT NULL AS locked FROM credentials WHERE person_id = :id`,
      { replacements: { id: p.id }, type: QueryTypes.SELECT },
    );
    console.info(`parallel right passwords: ${JSON.stringify(tally(browsers.map((b) => b.lastStatus)))}, then ${JSON.stringify(state)}`);
    expect(state).toEqual({ failed_count: 0, locked: false });
    // The guess that set the lock was right, so it signs in and lifts it.
    expect(browsers.filter((b) => b.lastStatus === 303).length).toBeGreaterThanOrEqual(1);
    const later = await openSignIn(nodes[0]!, nextAddress());
    await later.submit({ username: p.phone, password: WORLD_PASSWORD }, { stopAt: (u) => u.pathname === '/callback' });
    expect(later.lastStatus).not.toBe(401);
  });
});
