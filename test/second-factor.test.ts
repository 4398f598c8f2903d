import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/app.ts';
import { RESOURCES } from '../directory/catalogue/modules.ts';
import { argon2Hasher } from '../directory/credentials/password-hasher.ts';
import { FormBrowser } from './support/browser.ts';
import { freshDatabaseEnvOnDisk } from './support/database.ts';
import { startTestServer } from './support/harness.ts';
import { adminCall } from './support/admin-token.ts';
import { clientConfig, pkceAuthorizationUrl, signIn } from './support/oidc.ts';
import { insertAccount, insertCredential, insertPerson, seedWorld, startFakeRp, WORLD_PASSWORD } from './identity-fixtures.ts';

/**
 * R23 end to end: ADMIN_MFA=hrss (the default) asks hrss administrators for a second factor at
 * sign-in — enrolment with a QR code and recovery codes, then a TOTP code at every sign-in — and
 * the admin API takes only tokens whose `amr` says so. The policy changes are restarts of the
 * server on the same database and port (same issuer, keys and clients): a token issued while
 * ADMIN_MFA was off must be useless once it is on.
 */
type Mfa = 'hrss' | 'all' | 'off';
let dbEnv: Record<string, string>;
let port = '';
let server: RunningServer;
let rp: Awaited<ReturnType<typeof startFakeRp>>;

async function serve(adminMfa: Mfa) {
  await server?.close();
  server = await startTestServer({ ...dbEnv, ADMIN_MFA: adminMfa, ...(port ? { PORT: port } : {}) });
  port ||= new URL(server.url).port;
}

const sql = async <T>(query: string, replacements: Record<string, unknown> = {}) =>
  (await server.tongmen.base.db.sequelize.query(query, { replacements }))[0] as T[];

interface Person { id: string; idNumber: string; phone: string; accountId: string }
let hrssAdmin: Person;
let hrssAdmin2: Person;
let employerAdmin: Person;
let hrssOperator: Person;
let hrssAdmin3: Person;

async function addPerson(kind: 'admin' | 'operator', unit: { id: string; kind: 'hrss' | 'employer' }, name: string): Promise<Person> {
  const { sequelize } = server.tongmen.base.db;
  const p = await insertPerson(sequelize, server.tongmen.base.pii, name);
  const accountId = await insertAccount(sequelize, { kind, unitId: unit.id, unitKind: unit.kind, personId: p.id });
  await insertCredential(sequelize, { personId: p.id, hash: await argon2Hasher.hash(WORLD_PASSWORD) });
  return { id: p.id, idNumber: p.idNumber, phone: p.phone, accountId };
}

beforeAll(async () => {
  // Restarts keep the database: a clone on real PostgreSQL, a data folder for the embedded one.
  dbEnv = await freshDatabaseEnvOnDisk(fs.mkdtempSync(path.join(os.tmpdir(), 'tongmen-r23-')));
  await serve('hrss');
  rp = await startFakeRp();
  const world = await seedWorld(server.tongmen.base, rp.url);
  hrssAdmin = await addPerson('admin', world.root, '赵管理');
  hrssAdmin2 = await addPerson('admin', world.root, '钱管理');
  employerAdmin = await addPerson('admin', world.school, '孙管理');
  hrssOperator = await addPerson('operator', world.root, '周经办');
  hrssAdmin3 = await addPerson('admin', world.root, '吴管理');
});
afterAll(async () => {
  await server?.close();
  await rp?.close();
  if (dbEnv?.DATA_DIR) fs.rmSync(dbEnv.DATA_DIR, { recursive: true, force: true });
});

const now = () => Math.floor(Date.now() / 1000);
/** The authenticator app: the code of the step `aheadSteps` after the current one. */
const totp = (secret: string, aheadSteps = 0) => generate({ secret, epoch: now() + 30 * aheadSteps });
/** Six digits that are none of the codes the server accepts now (±1 step). */
async function wrongCode(secret: string) {
  const valid = new Set([await totp(secret, -1), await totp(secret), await totp(secret, 1)]);
  return ['000000', '111111', '222222', '333333'].find((c) => !valid.has(c))!;
}

/** What the authenticator app and the person keep from an enrolment. */
interface Enrolled { secret: string; recoveryCodes: string[]; enrolCode: string; enrolPage: string }

/**
 * The admin console's sign-in (openid-client, PKCE) with the R23 pages answered: an enrolment (the
 * key read off the page as a person types it into the app), the recovery codes, a code.
 */
function consoleSignIn(username: string, answers: { enrolled?: Enrolled; otp?: () => Promise<string>; browser?: FormBrowser } = {}) {
  const seen: string[] = [];
  return signIn({
    issuer: server.url,
    clientId: 'admin-console',
    redirectUri: `${server.url}/console/callback`,
    resource: RESOURCES.admin,
    username,
    password: WORLD_PASSWORD,
    ...(answers.browser ? { browser: answers.browser } : {}),
    onPage: async (html): Promise<{ fields: Record<string, string>; actionPart: string } | undefined> => {
      if (html.includes('/second-factor/enrol')) {
        seen.push('enrol');
        if (!answers.enrolled) throw new Error('enrolment asked');
        answers.enrolled.enrolPage = html;
        answers.enrolled.secret = /<code id="totp-secret">([^<]+)<\/code>/.exec(html)![1]!.replace(/\s/g, '');
        answers.enrolled.enrolCode = await totp(answers.enrolled.secret);
        return { fields: { otp: answers.enrolled.enrolCode }, actionPart: 'second-factor/enrol' };
      }
      if (html.includes('/second-factor/continue')) {
        seen.push('codes');
        answers.enrolled!.recoveryCodes = [...html.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]!);
        return { fields: {}, actionPart: 'second-factor/continue' };
      }
      if (/name="otp"/.test(html)) {
        seen.push('otp');
        if (!answers.otp) throw new Error('second factor asked');
        return { fields: { otp: await answers.otp() }, actionPart: 'second-factor?lang' };
      }
      return undefined;
    },
  }).then((r) => ({ ...r, seen }));
}

const newEnrolment = (): Enrolled => ({ secret: '', recoveryCodes: [], enrolCode: '', enrolPage: '' });

/** A browser at the second-factor page of an admin-console sign-in (password done). */
async function atSecondFactorPage(username: string) {
  const config = await clientConfig(server.url, 'admin-console');
  const { url } = await pkceAuthorizationUrl(config, { redirectUri: `${server.url}/console/callback`, resource: RESOURCES.admin });
  const browser = new FormBrowser();
  await browser.follow(url.toString());
  await browser.submit({ username, password: WORLD_PASSWORD });
  expect(browser.lastHtml).toMatch(/name="otp"/);
  const submitOtp = async (otp: string) => {
    await browser.submit({ otp }, { actionPart: 'second-factor?lang', stopAt: (u) => u.pathname === '/console/callback' });
    return browser.lastStatus;
  };
  return { browser, submitOtp };
}

const auditOf = (personId: string, action: string) =>
  sql<{ result: string; reason: string | null }>(
    `SELECT result, reason FROM audit_events WHERE action = :action AND target_type = 'person' AND target_id = :personId ORDER BY seq`,
    { action, personId },
  );

const amrOf = (accessToken: string) => decodeJwt(accessToken).amr;

describe('R23 second factor for administrators (ADMIN_MFA)', () => {
  const first = newEnrolment();

  it('R23 hrss: an hrss administrator signs in with the password, enrols an authenticator app (QR code, key), sees the recovery codes once, and gets tokens with amr mfa that the admin API takes', async () => {
    const result = await consoleSignIn(hrssAdmin.idNumber, { enrolled: first });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.seen).toEqual(['enrol', 'codes']);
    // The enrolment page: a server-rendered QR code and the key for typing, no script.
    expect(first.enrolPage).toMatch(/<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(first.enrolPage).not.toMatch(/<script/);
    expect(first.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(first.recoveryCodes).toHaveLength(10);

    expect(result.tokens.claims()?.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(amrOf(result.tokens.access_token)).toEqual(['pwd', 'otp', 'mfa']);
    const res = await adminCall(server, result.tokens.access_token, 'GET', `/accounts/${hrssAdmin.accountId}`);
    expect(res.status).toBe(200);

    // A refresh keeps the sign-in's amr.
    const refreshed = await oidc.refreshTokenGrant(result.config, result.tokens.refresh_token!, { resource: RESOURCES.admin });
    expect(amrOf(refreshed.access_token)).toEqual(['pwd', 'otp', 'mfa']);
    expect((await adminCall(server, refreshed.access_token, 'GET', `/accounts/${hrssAdmin.accountId}`)).status).toBe(200);

    expect(await auditOf(hrssAdmin.id, 'second-factor.enrol')).toEqual([{ result: 'success', reason: null }]);
  });

  it('R23/R25 the secret is stored sealed, never plain; the recovery codes only as keyed hashes', async () => {
    const [row] = await sql<{ totp_secret_enc: string; recovery_code_hashes: string[] }>(
      'SELECT totp_secret_enc, recovery_code_hashes FROM second_factors WHERE person_id = :id',
      { id: hrssAdmin.id },
    );
    expect(row).toBeDefined();
    expect(row!.totp_secret_enc).not.toContain(first.secret);
    expect(row!.totp_secret_enc).not.toMatch(/^[A-Z2-7]{32}$/);
    expect(row!.recovery_code_hashes).toHaveLength(10);
    const stored = JSON.stringify(row);
    for (const code of first.recoveryCodes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace(/-/g, ''));
    }
  });

  it('R23 the next sign-in asks for the code: the code already used at enrolment is refused (replay), the next one is accepted', async () => {
    const { browser, submitOtp } = await atSecondFactorPage(hrssAdmin.idNumber);
    expect(browser.lastHtml).toContain('第二因素验证');
    expect(browser.lastHtml).toMatch(/<input type="hidden" name="csrf" value="[^"]+">/);
    expect(browser.lastHtml).toMatch(/<label for="otp">/);
    expect(browser.lastHeaders.get('content-security-policy')).not.toMatch(/script-src[^;]*unsafe-inline/);
    // English by ?lang=en, the same step.
    await browser.follow(browser.lastUrl.replace('lang=zh', 'lang=en'));
    expect(browser.lastHtml).toContain('Second factor');
    expect(await submitOtp(first.enrolCode)).toBe(401);
    expect(browser.lastHtml).toContain('The code is wrong, expired or already used');
    const result = await consoleSignIn(hrssAdmin.idNumber, { otp: () => totp(first.secret, 1) });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.seen).toEqual(['otp']);
    expect(amrOf(result.tokens.access_token)).toContain('mfa');
  });

  it('R23 a recovery code works once', async () => {
    const code = first.recoveryCodes[0]!;
    const result = await consoleSignIn(hrssAdmin.idNumber, { otp: async () => code });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(amrOf(result.tokens.access_token)).toEqual(['pwd', 'otp', 'mfa']);
    const again = await atSecondFactorPage(hrssAdmin.idNumber);
    expect(await again.submitOtp(code)).toBe(401);
    expect(await server.tongmen.services.secondFactors.status(hrssAdmin.id)).toEqual({ totp: true, recoveryCodesLeft: 9 });
    const attempts = await auditOf(hrssAdmin.id, 'signin.second-factor');
    expect(attempts.map((a) => `${a.result}:${a.reason ?? ''}`)).toEqual([
      'failure:code_reused',
      'success:',
      'success:',
      'failure:recovery_code_invalid',
    ]);
  });

  it('R23/R21 an SMS code to the person\'s own phone is the alternative — at the code step, and instead of enrolling an app', async () => {
    const lastCode = async (phone: string) => {
      const res = await fetch(`${server.url}/dev/sms-outbox?phone=${phone}`);
      return ((await res.json()) as { messages: Array<{ code: string }> }).messages[0]!.code;
    };
    const viaSms = async (person: Person, stepMarker: RegExp) => {
      const config = await clientConfig(server.url, 'admin-console');
      const { url, verifier } = await pkceAuthorizationUrl(config, { redirectUri: `${server.url}/console/callback`, resource: RESOURCES.admin, state: 's' });
      const browser = new FormBrowser();
      await browser.follow(url.toString());
      await browser.submit({ username: person.idNumber, password: WORLD_PASSWORD });
      expect(browser.lastHtml).toMatch(stepMarker);
      await browser.submit({}, { actionPart: 'second-factor/sms/send' });
      expect(browser.lastStatus).toBe(200);
      expect(browser.lastHtml).toContain(`${person.phone.slice(0, 3)}****${person.phone.slice(-4)}`);
      await browser.submit({ code: '000000' === (await lastCode(person.phone)) ? '111111' : '000000' }, { actionPart: 'second-factor/sms?' });
      expect(browser.lastStatus).toBe(401);
      const back = await browser.submit({ code: await lastCode(person.phone) }, { actionPart: 'second-factor/sms?', stopAt: (u) => u.pathname === '/console/callback' });
      const tokens = await oidc.authorizationCodeGrant(config, new URL(back), { pkceCodeVerifier: verifier, expectedState: 's' }, { resource: RESOURCES.admin });
      return tokens;
    };
    // Enrolled (the app): the code step offers the SMS code too.
    const enrolled = await viaSms(hrssAdmin, /name="otp"/);
    expect(amrOf(enrolled.access_token)).toEqual(['pwd', 'sms', 'mfa']);
    expect((await adminCall(server, enrolled.access_token, 'GET', `/accounts/${hrssAdmin.accountId}`)).status).toBe(200);
    // Not enrolled: the enrolment page offers the SMS code instead; the person stays without an app.
    const fresh = await addPerson('admin', { id: (await sql<{ unit_id: string }>('SELECT unit_id FROM accounts WHERE id = :id', { id: hrssAdmin.accountId }))[0]!.unit_id, kind: 'hrss' }, '郑短信');
    const noApp = await viaSms(fresh, /second-factor\/enrol/);
    expect(noApp.claims()?.amr).toEqual(['pwd', 'sms', 'mfa']);
    expect(await server.tongmen.services.secondFactors.status(fresh.id)).toEqual({ totp: false, recoveryCodesLeft: 0 });
  });

  it('R23 wrong codes are refused; the 6th attempt within 15 minutes is throttled (429), even with the right code; each attempt is audited', async () => {
    const enrolled = newEnrolment();
    expect((await consoleSignIn(hrssAdmin2.idNumber, { enrolled })).ok).toBe(true);
    const { browser, submitOtp } = await atSecondFactorPage(hrssAdmin2.idNumber);
    for (let i = 0; i < 5; i++) expect(await submitOtp(await wrongCode(enrolled.secret))).toBe(401);
    expect(await submitOtp(await totp(enrolled.secret, 1))).toBe(429);
    expect(browser.lastHeaders.get('retry-after')).toBe('900');
    expect(browser.lastHtml).toContain('验证码错误次数过多');
    const attempts = await auditOf(hrssAdmin2.id, 'signin.second-factor');
    expect(attempts.map((a) => a.reason)).toEqual([...Array(5).fill('code_invalid'), 'throttled']);
  });

  it('R23 two enrolments begun in two tabs: the second to confirm goes on to the code step instead of enrolling twice', async () => {
    const [a, b] = [await atSecondFactorPage(hrssAdmin3.idNumber), await atSecondFactorPage(hrssAdmin3.idNumber)];
    const secretOf = (html: string) => /<code id="totp-secret">([^<]+)<\/code>/.exec(html)![1]!.replace(/\s/g, '');
    const [secretA, secretB] = [secretOf(a.browser.lastHtml), secretOf(b.browser.lastHtml)];
    expect(secretA).not.toBe(secretB);
    await a.browser.submit({ otp: await totp(secretA) }, { actionPart: 'second-factor/enrol' });
    expect(a.browser.lastHtml).toContain('/second-factor/continue');
    await b.browser.submit({ otp: await totp(secretB) }, { actionPart: 'second-factor/enrol' });
    expect(b.browser.lastHtml).toContain('第二因素验证');
    expect(b.browser.lastHtml).not.toContain('/second-factor/enrol');
    expect((await auditOf(hrssAdmin3.id, 'second-factor.enrol')).map((e) => e.result)).toEqual(['success']);
  });

  it('R23 hrss: an employer\'s administrator and an operator are not asked', async () => {
    for (const person of [employerAdmin, hrssOperator]) {
      const result = await consoleSignIn(person.idNumber);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.seen).toEqual([]);
      expect(result.tokens.claims()?.amr).toEqual(['pwd']);
    }
  });

  it('R23 the admin API refuses an hrss administrator\'s token without mfa (issued while ADMIN_MFA was off) once the policy is on', async () => {
    await serve('off');
    const browser = new FormBrowser(); // keeps the SSO session of this sign-in
    const result = await consoleSignIn(hrssAdmin.idNumber, { browser });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.seen).toEqual([]);
    const token = result.tokens.access_token;
    expect(amrOf(token)).toEqual(['pwd']);
    expect((await adminCall(server, token, 'GET', `/accounts/${hrssAdmin.accountId}`)).status).toBe(200);

    await serve('hrss');
    const refused = await adminCall(server, token, 'GET', `/accounts/${hrssAdmin.accountId}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('auth.mfa_required');
    // The SSO session of that sign-in proved no second factor: the next authorization request asks
    // for the password and the second factor again instead of handing out another useless token.
    const again = await consoleSignIn(hrssAdmin.idNumber, { browser, otp: async () => first.recoveryCodes[1]! });
    expect(again.ok && again.pages).toEqual(['password', 'answered']);
    expect(again.ok && amrOf(again.tokens.access_token)).toEqual(['pwd', 'otp', 'mfa']);
    // The employer's administrator is not asked under hrss: the same kind of token still works.
    const employer = await consoleSignIn(employerAdmin.idNumber);
    expect(employer.ok && (await adminCall(server, employer.tokens.access_token, 'GET', `/accounts/${employerAdmin.accountId}`)).status).toBe(200);
  });

  it('R23 all: the employer\'s administrator is asked too (and enrols), the operator is not', async () => {
    await serve('all');
    const enrolled = newEnrolment();
    const result = await consoleSignIn(employerAdmin.idNumber, { enrolled });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.seen).toEqual(['enrol', 'codes']);
    expect(amrOf(result.tokens.access_token)).toEqual(['pwd', 'otp', 'mfa']);
    const operator = await consoleSignIn(hrssOperator.idNumber);
    expect(operator.ok && operator.seen).toEqual([]);

    // Removed (audited), the next sign-in enrols again.
    await server.tongmen.services.secondFactors.removeTotp(employerAdmin.id, {});
    expect(await server.tongmen.services.secondFactors.status(employerAdmin.id)).toEqual({ totp: false, recoveryCodesLeft: 0 });
    expect(await auditOf(employerAdmin.id, 'second-factor.remove')).toEqual([{ result: 'success', reason: null }]);
    const again = await consoleSignIn(employerAdmin.idNumber, { enrolled: newEnrolment() });
    expect(again.ok && again.seen).toEqual(['enrol', 'codes']);
  });
});
