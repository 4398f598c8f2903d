/**
 * `npm run screenshots` — renders each sign-in page in Debian's Chromium (JavaScript on, as a person
 * sees it) against a throwaway server on the embedded database, and saves them under
 * docs/screenshots/ for the README. A developer aid: it needs Chinese fonts on the machine
 * (Debian: fonts-noto-cjk) and is not part of the tests.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { generate } from 'otplib';
import { chromium, type Page } from 'playwright-core';
import { startServer } from '../server/app.ts';
import { createLogger } from '../platform/logger.ts';
import { argon2Hasher } from '../directory/credentials/password-hasher.ts';
import { insertAccount, insertCredential, insertPerson, seedWorld, startFakeRp, WORLD_PASSWORD } from '../test/identity-fixtures.ts';

const OUT = path.join(import.meta.dirname, '..', 'docs', 'screenshots');

const server = await startServer(
  { NODE_ENV: 'development', PORT: '0', LOG_LEVEL: 'silent', ADMIN_MFA: 'hrss', DEMO: 'off', DATA_DIR: 'memory://' },
  createLogger('silent'),
);
const rp = await startFakeRp();
const { base } = server.tongmen;
const world = await seedWorld(base, rp.url);
const { sequelize } = base.db;
const title = world.client('title');

/** A person with one operator account in the school and a password already changed. */
async function operator(name: string) {
  const p = await insertPerson(sequelize, base.pii, name);
  const accountId = await insertAccount(sequelize, { kind: 'operator', unitId: world.school.id, unitKind: 'employer', personId: p.id });
  await insertCredential(sequelize, { personId: p.id, hash: await argon2Hasher.hash(WORLD_PASSWORD), mustChange: false });
  return { ...p, accountId };
}

function authorizationUrl(): string {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const q = new URLSearchParams({
    client_id: title.clientId, response_type: 'code', scope: 'openid', redirect_uri: title.redirectUris[0]!,
    code_challenge: challenge, code_challenge_method: 'S256', resource: 'urn:tongmen:title', state: crypto.randomUUID(),
  });
  return `${server.url}/auth?${q}`;
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
const shot = async (page: Page, name: string) => {
  await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
  process.stdout.write(`docs/screenshots/${name}.png\n`);
};
const freshPage = async () => (await browser.newContext({ viewport: { width: 520, height: 760 }, locale: 'zh-CN' })).newPage();
const signInAs = async (page: Page, username: string, password: string) => {
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('form[action*="/password"] button[type=submit]');
};

try {
  // The three ways in (R19, R21, R22).
  let page = await freshPage();
  await page.goto(authorizationUrl());
  await shot(page, 'signin-password');
  const texter = await operator('短信演示');
  await page.click('a.tab[href*="method=sms"]');
  await page.fill('#phone', texter.phone);
  await page.click('form[action*="/sms/send"] button[type=submit]');
  await page.waitForTimeout(1200); // the countdown has ticked
  await shot(page, 'signin-sms');
  await page.click('a.tab[href*="method=qr"]');
  await shot(page, 'signin-qr');

  // R19: the third wrong password locks the credential; the message says what to do.
  page = await freshPage();
  await page.goto(authorizationUrl());
  const locked = await operator('锁定演示');
  for (let i = 0; i < 3; i++) await signInAs(page, locked.idNumber, `Wrong#${i}pass`);
  await shot(page, 'signin-locked');

  // R20: an initial password is changed before any token.
  page = await freshPage();
  await page.goto(authorizationUrl());
  await signInAs(page, world.op.idNumber, WORLD_PASSWORD);
  await shot(page, 'signin-change-password');

  // R9 then R23: a person with two accounts chooses; as the province bureau's administrator, a second factor.
  page = await freshPage();
  await page.goto(authorizationUrl());
  await signInAs(page, world.dual.idNumber, WORLD_PASSWORD);
  await shot(page, 'signin-choose-account');
  await page.check(`input[value="${world.dual.adminId}"]`);
  await page.click('form[action*="/account"] button[type=submit]');
  await shot(page, 'signin-second-factor-enrol');
  const secret = (await page.textContent('#totp-secret'))!.replace(/\s/g, '');
  await page.fill('#otp', await generate({ secret }));
  await page.click('form[action*="second-factor/enrol"] button[type=submit]');
  await shot(page, 'signin-recovery-codes');

  // The person's own page and the logout confirmation (R24).
  page = await freshPage();
  await page.goto(`${server.url}/account`);
  await signInAs(page, texter.idNumber, WORLD_PASSWORD);
  await page.waitForURL(/\/account/);
  await shot(page, 'account-page');
  await page.goto(`${server.url}/session/end?client_id=${title.clientId}`);
  await shot(page, 'logout');
} finally {
  await browser.close();
  await rp.close();
  await server.close();
}
