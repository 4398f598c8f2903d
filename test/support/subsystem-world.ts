import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { SUBSYSTEMS, type Subsystem } from '../../directory/catalogue/modules.ts';
import { bootstrapProvince } from '../../directory/bootstrap/bootstrap.ts';
import { sampleUscc } from '../../directory/codes/synthetic-codes.ts';
import type { Actor } from '../../directory/actor.ts';
import { createSubsystem } from '../../subsystems/index.ts';
import { openSqlRunner } from '../../subsystems/kit/store.ts';
import { FormBrowser } from './browser.ts';
import { samplePerson } from './core.ts';
import { freshDatabaseEnv } from './database.ts';
import { startTestServer } from './harness.ts';

export const NEW_PASSWORD = 'Tongmen#2026-secure';
let usccSeq = 8600 + crypto.randomInt(300);

/** An HTTP server listening now, whose app is attached later (the subsystems' URLs must be known before bootstrap registers them). */
async function reserve() {
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    attach: (app: Koa) => (handler = app.callback()),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/**
 * Tongmen and the four subsystems, each on its own port, as in the demo: the subsystems are real
 * relying parties (their client ids and secrets from bootstrap) with their own store (a database
 * of their own on PostgreSQL, else in-memory PGlite). The province is built through Tongmen's own
 * services: province hrss → education department (competent) → two schools, all affiliated.
 */
export async function openSubsystemWorld() {
  const slots = Object.fromEntries(await Promise.all(SUBSYSTEMS.map(async (s) => [s, await reserve()] as const))) as Record<Subsystem, Awaited<ReturnType<typeof reserve>>>;
  const server = await startTestServer({ SUBSYSTEM_URLS: SUBSYSTEMS.map((s) => `${s}=${slots[s].url}`).join(',') });
  const { services } = server.tongmen;
  const meta = { requestId: 'subsystem-world' };
  const actor = async (id: string): Promise<Actor> => (await services.actors.load(id))!;
  const root = await bootstrapProvince(server.tongmen.base, services, {
    unitName: '测试省人力资源和社会保障厅', uscc: sampleUscc(usccSeq++), admin: samplePerson('省管理员'),
  });

  async function child(creatorAdminId: string, kind: 'competent' | 'employer', name: string) {
    const creator = await actor(creatorAdminId);
    const adminPerson = samplePerson(`${name}管理员`);
    const made = await services.units.create(creator, {
      kind, ...(kind === 'employer' ? { category: 'institution' as const } : {}), name, uscc: sampleUscc(usccSeq++), responsibilities: '', admin: adminPerson,
    }, meta);
    const req = await services.affiliation.request(await actor(made.admin.accountId), creator.unitId, meta);
    await services.affiliation.decide(creator, req.id, true, undefined, meta);
    return { unitId: made.unit.id, name, adminId: made.admin.accountId, admin: { username: adminPerson.idNumber, password: made.admin.initialPassword }, unitAccount: made.unitAccount };
  }

  /** An operator of the unit `adminId` administers, with roles; its sign-in name and initial password. */
  async function operator(adminId: string, name: string, roles: string[]) {
    const person = samplePerson(name);
    const made = await services.accounts.createOperator(await actor(adminId), person, roles, meta);
    return { accountId: made.account.id, username: person.idNumber, password: made.initialPassword as string | null, name };
  }

  const education = await child(root.admin.accountId, 'competent', '测试省教育厅');
  const school = await child(education.adminId, 'employer', '测试示范中学');
  const school2 = await child(education.adminId, 'employer', '测试实验小学');

  // The four subsystems' own store: a database of their own on PostgreSQL (else one in-memory PGlite), a schema each.
  const runner = await openSqlRunner({ databaseUrl: (await freshDatabaseEnv())['DATABASE_URL'] });
  const apps = await Promise.all(
    SUBSYSTEMS.map(async (s) => {
      const client = root.clients.find((c) => c.clientId === s)!;
      const made = await createSubsystem(s, {
        issuer: server.url, clientId: s, clientSecret: client.clientSecret!, url: slots[s].url,
        cookieKeys: [crypto.randomBytes(32).toString('base64url')], runner,
      });
      slots[s].attach(made.app);
      return made;
    }),
  );

  return {
    server, services, meta, actor, root, education, school, school2, operator,
    url: (s: Subsystem) => slots[s].url,
    /** The subsystem's own store (its schema only), for a test that ages its sessions. */
    store: (s: Subsystem) => apps[SUBSYSTEMS.indexOf(s)]!.store,
    async close() {
      await Promise.all(SUBSYSTEMS.map((s) => slots[s].close()));
      await Promise.all(apps.map((a) => a.close()));
      await runner.close();
      await server.close();
    },
  };
}
export type SubsystemWorld = Awaited<ReturnType<typeof openSubsystemWorld>>;

/** Someone who signs in: a sign-in name and a password (initial until the first sign-in changes it, R20). */
export interface Person {
  username: string;
  password: string | null;
}

/**
 * A browser entering a subsystem: its /login, Tongmen's sign-in pages when there is no SSO
 * session yet (password, forced change of the initial password), and back. Returns the pages
 * walked on Tongmen's side (empty with SSO) and leaves the browser on the subsystem's page.
 */
export async function enter(browser: FormBrowser, world: SubsystemWorld, s: Subsystem, who: Person, path = '/') {
  const onTongmen = () => new URL(browser.lastUrl).origin === world.server.url;
  await browser.follow(`${world.url(s)}/login?return=${encodeURIComponent(path)}`);
  const pages: string[] = [];
  for (let i = 0; i < 6 && onTongmen(); i++) {
    const html = browser.lastHtml;
    if (/name="newPassword"/.test(html)) {
      pages.push('change-password');
      await browser.submit({ newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
      who.password = null;
    } else if (/name="password"/.test(html)) {
      if (pages.includes('password')) throw new Error(`sign-in refused: ${/class="error"[^>]*>([^<]*)/.exec(html)?.[1] ?? html.slice(-1500)}`);
      pages.push('password');
      await browser.submit({ username: who.username, password: who.password ?? NEW_PASSWORD });
    } else {
      throw new Error(`unexpected page ${browser.lastUrl}:\n${html.slice(0, 1500)}`);
    }
  }
  return pages;
}

/** A GET in the browser (no redirect followed): status, Location and page. */
export async function visit(browser: FormBrowser, url: string) {
  const res = await browser.get(url);
  return { status: res.status(), location: res.headers()['location'], html: await res.text() };
}
