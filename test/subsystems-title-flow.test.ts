import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormBrowser } from './support/browser.ts';
import { enter, openSubsystemWorld, visit, type SubsystemWorld } from './support/subsystem-world.ts';

let world: SubsystemWorld;
beforeAll(async () => {
  world = await openSubsystemWorld();
}, 60_000);
afterAll(async () => world?.close());

const ids = (html: string, attr = 'data-application') => [...html.matchAll(new RegExp(`${attr}="([^"]+)"`, 'g'))].map((m) => m[1]!);
/** Waits (briefly) for something a back-channel logout does in the background. */
async function eventually(check: () => Promise<boolean>, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe('R14, R11: the title-evaluation flow along affiliation', () => {
  it('R14: applicant → unit verify and recommend → forwarded to the upper unit → expert evaluates; then the applicant migrates (R11)', async () => {
    const t = world.url('title');
    const applicant = await world.operator(world.school.adminId, '张老师', ['title.applicant']);
    const reviewer = await world.operator(world.school.adminId, '李人事', ['title.reviewer']);
    const upperReviewer = await world.operator(world.education.adminId, '王审核', ['title.reviewer']);
    const expert = await world.operator(world.education.adminId, '赵专家', ['title.expert']);

    // The applicant saves a draft and submits it.
    const a = new FormBrowser();
    await enter(a, world, 'title', applicant, '/m/apply');
    await a.submit({ title: '中学高级教师', materials: '教学业绩材料' }, { actionPart: '/applications' });
    const [appId] = ids(a.lastHtml);
    expect(a.lastHtml).toContain('data-status="draft"');
    await a.submit({}, { actionPart: `/applications/${appId}/submit` });
    expect(a.lastHtml).toContain('data-status="submitted"');

    // The upper unit's reviewer does not see it yet; the school's reviewer verifies, recommends, forwards.
    const u = new FormBrowser();
    await enter(u, world, 'title', upperReviewer, '/m/forward-upward');
    expect(ids(u.lastHtml)).toEqual([]);
    expect((await visit(u, `${t}/m/unit-verify`)).html).not.toContain(appId);

    const r = new FormBrowser();
    await enter(r, world, 'title', reviewer, '/m/unit-verify');
    expect(ids(r.lastHtml)).toEqual([appId]);
    await r.submit({ opinion: '材料属实' }, { actionPart: `/applications/${appId}/verify` });
    await r.follow(`${t}/m/unit-recommend`);
    await r.submit({ opinion: '同意推荐' }, { actionPart: `/applications/${appId}/recommend` });
    await r.follow(`${t}/m/forward-upward`);
    await r.submit({ opinion: '报送教育厅' }, { actionPart: `/applications/${appId}/forward` });
    expect(ids(r.lastHtml)).toEqual([]); // no longer held by the school

    // The same step twice, or on another unit's application, is refused.
    const again = await fetch(`${t}/applications/${appId}/forward`, {
      method: 'POST', redirect: 'manual',
      headers: { cookie: await r.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: /name="csrf" value="([^"]+)"/.exec(r.lastHtml)![1]!, opinion: '' }),
    });
    expect(again.status).toBe(404);

    // Along affiliation (unit_path): the education department now holds it; its reviewer sees it, its expert evaluates.
    await u.follow(`${t}/m/forward-upward`);
    expect(ids(u.lastHtml)).toEqual([appId]);
    const e = new FormBrowser();
    await enter(e, world, 'title', expert, '/m/evaluate');
    expect(ids(e.lastHtml)).toEqual([appId]);
    await e.submit({ result: 'pass', opinion: '评审通过' }, { actionPart: `/applications/${appId}/evaluate` });
    await a.follow(`${t}/m/apply`);
    expect(a.lastHtml).toContain('data-status="evaluated"');
    expect(a.lastHtml).toContain('结果：通过');

    // Approval records belong to the approving unit.
    await r.follow(`${t}/approvals`);
    expect(ids(r.lastHtml, 'data-step')).toEqual(['verify', 'recommend', 'forward']);
    await u.follow(`${t}/approvals`);
    expect(ids(u.lastHtml, 'data-step')).toEqual(['evaluate']);

    // R11: the applicant migrates to another school (done by the province administrator, above both).
    await world.services.migrations.request(await world.actor(world.root.admin.accountId), applicant.accountId, world.school2.unitId, world.meta);
    // Old-unit sessions end: the title subsystem's local session ended by back-channel logout.
    expect(await eventually(async () => (await visit(a, `${t}/m/apply`)).status === 302)).toBe(true);
    // Roles are removed at migration; the new unit's administrator grants them again.
    await world.services.accounts.setRoles(await world.actor(world.school2.adminId), applicant.accountId, ['title.applicant'], world.meta);
    const a2 = new FormBrowser();
    expect(await enter(a2, world, 'title', applicant, '/m/apply')).toEqual(['password']);
    expect(ids(a2.lastHtml)).toEqual([appId]); // the application is still theirs
    await a2.submit({ title: '中学一级教师', materials: '新单位材料' }, { actionPart: '/applications' });
    const newDraft = ids(a2.lastHtml).find((id) => id !== appId)!;
    expect(newDraft).toBeTruthy();

    // The old unit's reviewer no longer sees the person's new drafts, but keeps its approval records.
    await r.follow(`${t}/m/unit-verify`);
    expect(ids(r.lastHtml)).toEqual([]);
    await r.follow(`${t}/approvals`);
    expect(ids(r.lastHtml, 'data-step')).toEqual(['verify', 'recommend', 'forward']);
    // The new unit's reviewer sees the new draft, and none of the old unit's approvals.
    const newReviewer = await world.operator(world.school2.adminId, '钱人事', ['title.reviewer']);
    const n = new FormBrowser();
    await enter(n, world, 'title', newReviewer, '/m/unit-verify');
    expect(ids(n.lastHtml)).toEqual([newDraft]);
    await n.follow(`${t}/approvals`);
    expect(ids(n.lastHtml, 'data-approval')).toEqual([]);
  });

  it('R9: forwarding from a unit without a confirmed upper unit is refused (the province is the root)', async () => {
    const provincial = await world.operator(world.root.admin.accountId, '省厅经办', ['title.reviewer']);
    const b = new FormBrowser();
    await enter(b, world, 'title', provincial, '/m/forward-upward');
    const csrf = /name="csrf" value="([^"]+)"/.exec(b.lastHtml)![1]!;
    const res = await fetch(`${world.url('title')}/applications/00000000-0000-4000-8000-000000000000/forward`, {
      method: 'POST', redirect: 'manual',
      headers: { cookie: await b.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }),
    });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('data-refused="no-upper-unit"');
  });
});

describe('R12, R24: endings reach the subsystems', () => {
  it('R12: an offboarded reviewer\'s next request is refused at once (back-channel logout ended the local session)', async () => {
    const reviewer = await world.operator(world.school.adminId, '冯人事', ['title.reviewer']);
    const b = new FormBrowser();
    await enter(b, world, 'title', reviewer, '/m/unit-verify');
    expect(b.lastStatus).toBe(200);
    await world.services.accounts.offboard(await world.actor(world.school.adminId), reviewer.accountId, world.meta);
    expect(await eventually(async () => (await visit(b, `${world.url('title')}/m/unit-verify`)).status === 302)).toBe(true);
    // Signing in again is refused by Tongmen.
    await expect(enter(b, world, 'title', reviewer)).rejects.toThrow(/sign-in refused/);
  });

  it('R24: RP-initiated logout from one subsystem ends the SSO session and, by back-channel, the other subsystems\' sessions', async () => {
    const op = await world.operator(world.school.adminId, '陈经办', ['title.applicant', 'personnel.clerk']);
    const b = new FormBrowser();
    await enter(b, world, 'title', op);
    await enter(b, world, 'personnel', op, '/m/basic-info');
    expect(b.lastStatus).toBe(200);
    await b.follow(`${world.url('title')}/`);
    await b.submit({}, { actionPart: '/logout' }); // the subsystem → Tongmen's end-session confirmation
    expect(new URL(b.lastUrl).origin).toBe(world.server.url);
    await b.submit({ logout: 'yes' });
    expect(new URL(b.lastUrl).origin).toBe(world.url('title'));
    expect(b.lastHtml).toContain('请通过统一身份认证');
    expect(await eventually(async () => (await visit(b, `${world.url('personnel')}/m/basic-info`)).status === 302)).toBe(true);
    // And the next entry needs the password again (the SSO session is gone).
    expect(await enter(b, world, 'personnel', op)).toEqual(['password']);
  });

  it('R24: an expired access token is refreshed with the refresh token; a refused refresh ends the local session', async () => {
    const op = await world.operator(world.school.adminId, '卫经办', ['title.applicant']);
    const b = new FormBrowser();
    await enter(b, world, 'title', op, '/m/apply');
    const store = world.store('title');
    const tokenOf = async () => (await store.query<{ access_token: string }>(`SELECT access_token FROM ${store.schema}.sessions WHERE sub = $1`, [op.accountId]))[0]?.access_token;
    const before = await tokenOf();
    // The subsystem's clock is not moved: its record of the token's expiry is (as when 5 minutes have passed).
    await store.query(`UPDATE ${store.schema}.sessions SET access_expires_at = 0 WHERE sub = $1`, [op.accountId]);
    expect((await visit(b, `${world.url('title')}/m/apply`)).status).toBe(200);
    const after = await tokenOf();
    expect(after).toBeTruthy();
    expect(after).not.toBe(before);
    // Tongmen refuses the refresh (here: a refresh token it never issued): the session ends, the browser goes to sign in.
    await store.query(`UPDATE ${store.schema}.sessions SET access_expires_at = 0, refresh_token = 'forged' WHERE sub = $1`, [op.accountId]);
    const res = await visit(b, `${world.url('title')}/m/apply`);
    expect(res.status).toBe(302);
    expect(res.location).toBe('/login?return=%2Fm%2Fapply');
    expect(await tokenOf()).toBeUndefined();
  });

  it('R24: the back-channel endpoint refuses a logout token that is not Tongmen\'s and ends nothing', async () => {
    const op = await world.operator(world.school.adminId, '褚经办', ['title.applicant']);
    const b = new FormBrowser();
    await enter(b, world, 'title', op, '/m/apply');
    const { SignJWT, generateKeyPair } = await import('jose');
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ events: { 'http://schemas.openid.net/event/backchannel-logout': {} }, sub: op.accountId })
      .setProtectedHeader({ alg: 'RS256', typ: 'logout+jwt', kid: 'forged' })
      .setIssuer(world.server.url).setAudience('title').setIssuedAt().setJti('x').sign(privateKey);
    for (const body of [{ logout_token: forged }, { logout_token: 'not-a-jwt' }, {}] as Array<Record<string, string>>) {
      const res = await fetch(`${world.url('title')}/backchannel-logout`, { method: 'POST', body: new URLSearchParams(body) });
      expect(res.status).toBe(400);
    }
    expect((await visit(b, `${world.url('title')}/m/apply`)).status).toBe(200);
  });
});
