import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../server/app.ts';
import { createLogger } from '../platform/logger.ts';
import { checkUscc } from '../directory/codes/uscc.ts';
import { RESOURCES } from '../directory/catalogue/modules.ts';
import { FormBrowser } from './support/browser.ts';
import { clientConfig, pkceAuthorizationUrl, signIn } from './support/oidc.ts';
import { adminCall } from './support/admin-token.ts';
import { freshDatabaseEnvOnDisk } from './support/database.ts';
import * as oidc from 'openid-client';

/**
 * Issue 11 — `npm run seed:province`: a small province (300 units below the root, 2,000 real-name
 * accounts) loaded by the command on this run's database, then read back through the admin API of a
 * server on that database: the tree (R13/R14), the codes (R1 check characters, R2 derived codes),
 * the accounts (R8 masked), the two administrators who sign in with their passwords at once, and a
 * loaded person who has no usable password: SMS code first (R21), then a password of their own (R20).
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongmen-seed-'));
const outFile = path.join(dir, 'province.json');
let dbEnv: Record<string, string>;
let issuer: string;
let port: number;
let server: RunningServer;
let out: any;
let seedRun: ReturnType<typeof spawnSync>;
let provinceToken: string;

const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'cli/seed-province.ts', ...args], {
    env: { ...process.env, DATABASE_URL: '', ...dbEnv, ISSUER: issuer, LOG_LEVEL: 'warn', NODE_ENV: 'test' },
    encoding: 'utf8',
    timeout: 120_000,
    cwd: process.cwd(),
  });

const api = (token: string | null, p: string, method = 'GET', body?: unknown) => adminCall(server, token, method, p, body);

/** The admin console's sign-in with a password; the pages walked say whether a change was asked for. */
const passwordSignIn = (username: string, password: string, newPassword?: string) =>
  signIn({ issuer: server.url, clientId: 'admin-console', redirectUri: `${server.url}/console/callback`, resource: RESOURCES.admin, username, password, ...(newPassword ? { newPassword } : {}) });

beforeAll(async () => {
  // The embedded database lives in a folder, so that the command and then the server open it in turn.
  dbEnv = await freshDatabaseEnvOnDisk(path.join(dir, 'data'));
  // The bootstrap inside the command registers the console's callback under the issuer: the server's, known beforehand.
  port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  seedRun = run('--units', '300', '--accounts', '2000', '--out', outFile, '--seed', '20261202');
  expect(seedRun.status, String(seedRun.stderr)).toBe(0);
  out = JSON.parse(fs.readFileSync(outFile, 'utf8'));
  server = await startServer({ NODE_ENV: 'test', PORT: String(port), ISSUER: issuer, LOG_LEVEL: 'silent', ADMIN_MFA: 'off', DEMO: 'off', ...dbEnv }, createLogger('silent'));
  const signedIn = await passwordSignIn(out.provinceAdmin.username, out.provinceAdmin.password);
  expect(signedIn.ok).toBe(true);
  if (!signedIn.ok) return;
  // The province administrator's password is real and final: no forced change on the way (R20 satisfied by the load).
  expect(signedIn.pages).not.toContain('change-password');
  provinceToken = signedIn.tokens.access_token;
}, 240_000);

afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(p));
    });
  });
}

/** Every unit of the province administrator's jurisdiction, page by page. */
async function allUnits(): Promise<any[]> {
  const units: any[] = [];
  let next: string | undefined;
  do {
    const page = await api(provinceToken, `/units?limit=200${next ? `&next=${next}` : ''}`);
    expect(page.status).toBe(200);
    units.push(...page.body.items);
    next = page.body.next;
  } while (next);
  return units;
}

describe('issue 11: npm run seed:province', () => {
  it('prints its counts and rates, draws a progress bar, writes the file the benchmark reads (mode 600)', () => {
    expect(seedRun.stdout).toMatch(/301 units \(\d+\/s\), 2000 real-name accounts \(operators \d+\/s\), 301 unit accounts/);
    expect(seedRun.stderr).toMatch(/units +\[#+\] 300\/300/);
    expect(seedRun.stderr).toMatch(/accounts +\[#+\] 1699\/1699/);
    expect(out).toMatchObject({
      provinceUnitId: expect.any(String),
      provinceAdmin: { username: expect.stringMatching(/^\d{17}[\dX]$/), password: expect.any(String) },
      deepUnitId: expect.any(String),
      deepUnitAdmin: { username: expect.stringMatching(/^\d{17}[\dX]$/), password: expect.any(String) },
      largeUnitId: expect.any(String),
      units: 301,
      accounts: 2000,
    });
    expect(out.clients.map((c: { clientId: string }) => c.clientId)).toEqual(expect.arrayContaining(['admin-console', 'title']));
    expect(fs.statSync(outFile).mode & 0o777).toBe(0o600);
  });

  it('refuses a database that already holds a province unless --append', async () => {
    // The command's service, in this process on the same database (a second command would only add its start-up time).
    const again = server.tongmen.services.provinceSeeder.run(server.url, { units: 300, accounts: 2000 });
    await expect(again).rejects.toMatchObject({ status: 409, code: 'seed.province_exists' });
  });

  it('R1–R4, R13: 9 cities of 10 counties, departments and employers, every unit confirmed below its creator with a valid or derived code', async () => {
    const units = await allUnits();
    expect(units).toHaveLength(301);
    const byId = new Map(units.map((u) => [u.id, u]));
    const count = (f: (u: any) => boolean) => units.filter(f).length;
    expect(count((u) => u.kind === 'hrss' && u.level === 'city')).toBe(9);
    expect(count((u) => u.kind === 'hrss' && u.level === 'county')).toBe(90);
    expect(count((u) => u.kind === 'competent')).toBeGreaterThan(0);
    expect(new Set(units.filter((u) => u.kind === 'employer').map((u) => u.category))).toEqual(new Set(['institution', 'enterprise', 'social-organization']));
    for (const u of units) {
      if (u.id === out.provinceUnitId) continue;
      const parent = byId.get(u.parentUnitId);
      expect(u.affiliation).toBe('confirmed');
      expect(u.createdByUnitId).toBe(u.parentUnitId);
      expect(u.path).toEqual([...parent.path, u.id]);
      if (u.derived) expect(u.uscc).toMatch(new RegExp(`^${parent.uscc}\\d{2}$`));
      else expect(checkUscc(u.uscc)).toMatchObject({ ok: true }); // R1: both check characters right
      // R4: who created whom.
      if (u.kind === 'hrss') expect(parent.kind).toBe('hrss');
      if (u.kind === 'competent') expect(parent.kind).toBe('hrss');
    }
    expect(count((u) => u.derived)).toBeGreaterThan(0);
    expect(new Set(units.map((u) => u.uscc)).size).toBe(301);
    expect(byId.get(out.deepUnitId).path).toHaveLength(8);
  });

  it('R8, R10: accounts of the large unit page by page, masked; the deep unit administrator signs in with the password given and sees its unit', async () => {
    const seen: any[] = [];
    let next: string | undefined;
    do {
      const page = await api(provinceToken, `/accounts?unitId=${out.largeUnitId}&limit=50${next ? `&next=${next}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items);
      next = page.body.next;
    } while (next);
    expect(new Set(seen.map((a) => a.id)).size).toBe(seen.length);
    expect(seen.filter((a) => a.kind === 'operator')).toHaveLength(169); // a tenth of the 1,699 operators
    expect(seen.filter((a) => a.kind === 'admin')).toHaveLength(1);
    expect(seen.filter((a) => a.kind === 'unit')).toHaveLength(1);
    for (const a of seen.filter((x) => x.kind === 'operator')) {
      expect(a.idNumber).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
      expect(a.phone).toMatch(/^1\d{2}\*{4}\d{4}$/);
    }
    expect(seen.some((a) => a.roles?.length)).toBe(true);

    const deep = await passwordSignIn(out.deepUnitAdmin.username, out.deepUnitAdmin.password);
    expect(deep.ok).toBe(true);
    if (!deep.ok) return;
    expect(deep.pages).not.toContain('change-password');
    const token = deep.tokens.access_token;
    expect((await api(token, `/units/${out.deepUnitId}`)).body.id).toBe(out.deepUnitId);
    expect((await api(token, `/units/${out.largeUnitId}`)).status).toBe(404); // R10: outside its jurisdiction
  }, 60_000);

  it('issue 11 item 3: the province tree a level at a time, paged with next, truncation said per node', async () => {
    const shallow = await api(provinceToken, `/units/${out.provinceUnitId}/tree?depth=1&limit=5`);
    expect(shallow.status).toBe(200);
    expect(shallow.body.children).toHaveLength(5);
    expect(shallow.body).toMatchObject({ hasChildren: true, truncated: true, incomplete: true, next: expect.any(String) });
    const second = await api(provinceToken, `/units/${out.provinceUnitId}/tree?depth=1&limit=5&next=${shallow.body.next}`);
    const names = (b: any) => b.children.map((c: any) => c.name);
    expect(second.body.children).toHaveLength(5);
    expect([...names(shallow.body), ...names(second.body)]).toEqual([...names(shallow.body), ...names(second.body)].toSorted());
    expect(new Set([...shallow.body.children, ...second.body.children].map((c: any) => c.id)).size).toBe(10);

    // Two levels, three children per node: the root and each shown node with more say so, with a cursor.
    const two = await api(provinceToken, `/units/${out.provinceUnitId}/tree?depth=2&limit=3`);
    expect(two.body.children).toHaveLength(3);
    expect(two.body).toMatchObject({ truncated: true, incomplete: true });
    for (const c of two.body.children) {
      expect(c.children.length).toBeLessThanOrEqual(3);
      if (c.truncated) expect([c.children.length, typeof c.next]).toEqual([3, 'string']);
    }
    const full = await api(provinceToken, `/units/${out.provinceUnitId}/tree?depth=2&limit=200`);
    expect(full.body).toMatchObject({ truncated: false, incomplete: false });
    const cities = full.body.children.filter((c: any) => c.level === 'city');
    expect(cities).toHaveLength(9);
    for (const c of cities) {
      expect(c.children.filter((k: any) => k.level === 'county')).toHaveLength(10);
      expect(c).toMatchObject({ truncated: false, hasChildren: true });
      for (const k of c.children) expect(k.children).toEqual([]); // depth 2: the level below is not loaded, hasChildren says if there is one
    }
    expect(cities.flatMap((c: any) => c.children).some((k: any) => k.hasChildren)).toBe(true);
    // A node's own next continues its children where the answer cut them.
    const cut = await api(provinceToken, `/units/${cities[0].id}/tree?depth=1&limit=4`);
    const rest = await api(provinceToken, `/units/${cities[0].id}/tree?depth=1&limit=200&next=${cut.body.next}`);
    expect([...cut.body.children, ...rest.body.children].map((c: any) => c.id)).toEqual(cities[0].children.map((c: any) => c.id));
    expect(rest.body).toMatchObject({ truncated: false });
  }, 60_000);

  it('R20–R21: a loaded person has no usable password; signs in by SMS code, must set a password, then uses it', async () => {
    const admins = await api(provinceToken, `/accounts?unitId=${out.largeUnitId}&kind=admin`);
    const admin = admins.body.items[0];
    const sequelize = server.tongmen.base.db.sequelize;
    const [row] = await sequelize.query<{ idEnc: string; phoneEnc: string }>(
      `SELECT p.id_number_enc AS "idEnc", p.phone_enc AS "phoneEnc" FROM accounts a JOIN persons p ON p.id = a.person_id WHERE a.id = :id`,
      { replacements: { id: admin.id }, type: QueryTypes.SELECT },
    );
    const phone = server.tongmen.base.pii.decrypt(row!.phoneEnc);
    const idNumber = server.tongmen.base.pii.decrypt(row!.idEnc);
    // No password opens the loaded credential (not even an empty one).
    expect((await passwordSignIn(idNumber, '')).ok).toBe(false);

    const config = await clientConfig(server.url, 'admin-console');
    const redirectUri = `${server.url}/console/callback`;
    const { url, verifier } = await pkceAuthorizationUrl(config, { redirectUri, resource: RESOURCES.admin, state: 'seeded' });
    const browser = new FormBrowser();
    const atCallback = (u: URL) => `${u.origin}${u.pathname}` === redirectUri;
    const page = await browser.follow(`${server.url}${url.pathname}${url.search}`);
    await browser.follow(`${page}?method=sms`);
    await browser.submit({ phone }, { actionPart: '/sms/send' });
    const outbox = (await (await fetch(`${server.url}/dev/sms-outbox?phone=${phone}`)).json()) as { messages: Array<{ code: string }> };
    let current = await browser.submit({ code: outbox.messages[0]!.code }, { actionPart: '/sms?', stopAt: atCallback });
    // R20: the loaded credential must be replaced before any token.
    expect(atCallback(new URL(current))).toBe(false);
    expect(browser.lastHtml).toMatch(/name="newPassword"/);
    const chosen = 'Seeded#Person-2026';
    current = await browser.submit({ newPassword: chosen, confirmPassword: chosen }, { stopAt: atCallback });
    expect(atCallback(new URL(current))).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(current), { pkceCodeVerifier: verifier, expectedState: 'seeded' }, { resource: RESOURCES.admin });
    expect((await api(tokens.access_token, `/units/${out.largeUnitId}`)).status).toBe(200);
    // From now on the password of their own works, with nothing more to change.
    const again = await passwordSignIn(idNumber, chosen);
    expect(again.ok && again.pages).not.toContain('change-password');
    expect(again.ok).toBe(true);
  }, 60_000);
});
