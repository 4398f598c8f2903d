import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEW_PASSWORD, openSubsystemWorld, type SubsystemWorld } from './support/subsystem-world.ts';
import { PlainAgent } from './support/plain-agent.ts';

/**
 * Issue 12 suite 7 for the subsystems' own pages (the demo relying parties in `subsystems/`):
 * every POST route (read from the sources: a new one fails this file until classified) refuses a
 * post without the session's token or with another session's, and changes nothing; the `return`
 * parameter of `/login` never sends the browser off-site after the sign-in (open redirect); the
 * subsystem's cookies are HttpOnly and SameSite.
 */
let world: SubsystemWorld;
let op: Awaited<ReturnType<SubsystemWorld['operator']>>;
beforeAll(async () => {
  world = await openSubsystemWorld();
  op = await world.operator(world.school.adminId, '防伪经办', ['title.applicant', 'personnel.clerk']);
});
afterAll(async () => world?.close());

/** Every `router.post('…')` of the subsystems' sources. */
function postRoutes(): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) for (const m of fs.readFileSync(p, 'utf8').matchAll(/router\.post\('([^']+)'/g)) found.add(m[1]!);
    }
  };
  walk(path.resolve(import.meta.dirname, '../subsystems'));
  return [...found].sort();
}
const ROUTES: Record<string, string> = {
  '/applications': 'form',
  '/applications/:id/evaluate': 'form',
  '/applications/:id/forward': 'form',
  '/applications/:id/recommend': 'form',
  '/applications/:id/submit': 'form',
  '/applications/:id/verify': 'form',
  '/m/:module': 'form',
  '/logout': 'form',
  '/backchannel-logout': 'not a form: Tongmen posts a signed logout token (verified against its JWKS)',
};

/** Signs `op` into a subsystem with a fetch-only agent; stops where the browser would leave both origins. */
async function enter(agent: PlainAgent, returnTo = '/', subsystem: 'title' | 'personnel' = 'title') {
  const sub = world.url(subsystem);
  const ours = (u: URL) => u.origin === sub || u.origin === world.server.url;
  let at = await agent.follow(`${sub}/login?return=${encodeURIComponent(returnTo)}`, (u) => !ours(u));
  for (let i = 0; i < 6 && new URL(at).origin === world.server.url; i++) {
    if (/name="newPassword"/.test(agent.lastHtml)) {
      at = await agent.submit({ newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD }, { actionPart: 'change-password', stopAt: (u) => !ours(u) });
      op.password = null;
    } else {
      at = await agent.submit({ username: op.username, password: op.password ?? NEW_PASSWORD }, { actionPart: '/password', stopAt: (u) => !ours(u) });
    }
  }
  return at;
}

describe('suite 7: the subsystems (issue 12)', () => {
  it('every POST route of the subsystems is classified here (a new form cannot be missed)', () => {
    expect(postRoutes()).toEqual(Object.keys(ROUTES).sort());
  });

  it("each form refuses a post without the session's token or with another session's (403), and nothing is stored", async () => {
    const agent = new PlainAgent();
    expect(new URL(await enter(agent)).origin).toBe(world.url('title'));
    await agent.follow(`${world.url('title')}/m/apply`);
    const csrf = agent.form('/applications')!.fields.csrf!;
    const other = new PlainAgent();
    await enter(other);
    await other.follow(`${world.url('title')}/m/apply`);
    const otherCsrf = other.form('/applications')!.fields.csrf!;
    expect(otherCsrf).not.toBe(csrf);
    await enter(agent, '/', 'personnel'); // the plain module register (`/m/:module`) lives in the subsystems without pages of their own
    const [title, personnel] = [world.store('title'), world.store('personnel')];
    const count = async () => JSON.stringify([
      await title.query(`SELECT (SELECT count(*) FROM ${title.schema}.applications) AS a, (SELECT count(*) FROM ${title.schema}.approvals) AS b`),
      await personnel.query(`SELECT count(*) AS c FROM ${personnel.schema}.records`),
    ]);
    const before = await count();
    const id = '00000000-0000-4000-8000-000000000000';
    for (const route of Object.keys(ROUTES).filter((r) => ROUTES[r] === 'form')) {
      for (const token of [undefined, 'forged', otherCsrf]) {
        const body = new URLSearchParams({ title: '高级教师', subject: '事项', materials: 'x', ...(token ? { csrf: token } : {}) });
        const url = route === '/m/:module' ? `${world.url('personnel')}/m/basic-info` : `${world.url('title')}${route.replace(':id', id)}`;
        const res = await agent.request(url, { method: 'POST', body: body.toString() });
        await res.arrayBuffer();
        expect([route, token ?? 'none', res.status]).toEqual([route, token ?? 'none', 403]);
      }
    }
    expect(await count()).toBe(before);
    await agent.follow(`${world.url('title')}/m/apply`);
    expect(agent.form('/logout'), 'still signed in').toBeDefined();
    // The control: the same post with its own token is accepted and stored.
    await agent.follow(`${world.url('personnel')}/m/basic-info`);
    await agent.submit({ subject: '事项' }, { actionPart: '/m/basic-info' });
    expect(await count()).not.toBe(before);
  });

  it('the return parameter of /login never leads off-site after the sign-in (open redirect)', async () => {
    const sub = new URL(world.url('title'));
    for (const target of ['//evil.example/x', '/\\evil.example/x', '/\\/evil.example/x', 'https://evil.example/x', `/%2F%2Fevil.example`, '/\t/evil.example', `http://${sub.host}@evil.example/`]) {
      const agent = new PlainAgent();
      const at = new URL(await enter(agent, target));
      expect([target, at.origin]).toEqual([target, sub.origin]);
      for (const c of agent.setCookies.filter((s) => new URL(s.url).origin === sub.origin)) {
        expect([c.header.split('=')[0], /;\s*httponly/i.test(c.header), /;\s*samesite=lax/i.test(c.header)]).toEqual([c.header.split('=')[0], true, true]);
      }
    }
  });
});
