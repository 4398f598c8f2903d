import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBSYSTEMS } from '../directory/catalogue/modules.ts';
import { FormBrowser } from './support/browser.ts';
import { enter, openSubsystemWorld, visit, type SubsystemWorld } from './support/subsystem-world.ts';

let world: SubsystemWorld;
beforeAll(async () => {
  world = await openSubsystemWorld();
}, 60_000);
afterAll(async () => world?.close());

describe('R24, R9: the four subsystems as relying parties', () => {
  it('R24: one sign-in, then all four subsystems are entered without signing in again; the home page lists modules, unit and roles', async () => {
    const op = await world.operator(world.school.adminId, '孙经办', ['title.reviewer', 'personnel.clerk']);
    const browser = new FormBrowser();
    expect(await enter(browser, world, 'title', op)).toEqual(['password', 'change-password']);
    const home = browser.lastHtml;
    expect(new URL(browser.lastUrl).origin).toBe(world.url('title'));
    expect(home).toContain('单位内部核验');
    expect(home).toContain('单位推荐上报');
    expect(home).toContain('上级单位流转');
    expect(home).not.toContain('职称在线申报');
    expect(home).toContain(world.school.name);
    expect(home).toContain('title.reviewer');

    for (const s of SUBSYSTEMS.filter((x) => x !== 'title')) {
      expect(await enter(browser, world, s, op), s).toEqual([]); // SSO: no Tongmen page at all
      expect(new URL(browser.lastUrl).origin).toBe(world.url(s));
    }
    await browser.follow(`${world.url('personnel')}/`);
    expect(browser.lastHtml).toContain('基础信息管理');
    expect(browser.lastHtml).toContain('personnel.clerk');
    await browser.follow(`${world.url('talent')}/`);
    expect(browser.lastHtml).toContain('您的角色未授予本子系统的任何模块');
  });

  it('R9: a module the roles do not grant is refused with a page naming the role that would grant it; granted modules read and write', async () => {
    const op = await world.operator(world.school.adminId, '周经办', ['personnel.clerk', 'title.applicant']);
    const browser = new FormBrowser();
    await enter(browser, world, 'title', op);
    const refused = await visit(browser, `${world.url('title')}/m/unit-verify`);
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('data-refused="title:unit-verify"');
    expect(refused.html).toContain('职称子系统-审核（title.reviewer）');

    // personnel: a guarded write and read of a granted module; an ungranted module refused for both.
    await enter(browser, world, 'personnel', op, '/m/basic-info');
    expect(browser.lastHtml).toContain('本单位暂无记录');
    await browser.submit({ subject: '新进人员信息登记' }, { actionPart: '/m/basic-info' });
    expect(browser.lastHtml).toContain('新进人员信息登记');
    const noPost = await visit(browser, `${world.url('personnel')}/m/post-setup`);
    expect(noPost.status).toBe(403);
    expect(noPost.html).toContain('事业单位人事-审核（personnel.reviewer）');
    expect((await visit(browser, `${world.url('personnel')}/m/no-such-module`)).status).toBe(404);
    for (const s of ['talent', 'allocation'] as const) {
      await enter(browser, world, s, op);
      const m = s === 'talent' ? 'postdoc' : 'transfer';
      expect((await visit(browser, `${world.url(s)}/m/${m}`)).status).toBe(403);
    }
  });

  it('R9: a write without the module is refused even with the session and a valid form token', async () => {
    const writer = await world.operator(world.school.adminId, '吴经办', ['allocation.reviewer']);
    const reader = await world.operator(world.school.adminId, '郑经办', ['talent.reviewer']);
    const a = new FormBrowser();
    await enter(a, world, 'allocation', writer, '/m/transfer');
    await a.submit({ subject: '调配申请一' }, { actionPart: '/m/transfer' });
    expect(a.lastHtml).toContain('调配申请一');
    const b = new FormBrowser();
    await enter(b, world, 'talent', reader, '/m/postdoc');
    await b.submit({ subject: '博士后进站' }, { actionPart: '/m/postdoc' });
    expect(b.lastHtml).toContain('博士后进站');
    await enter(b, world, 'allocation', reader);
    const csrf = /name="csrf" value="([^"]+)"/.exec(b.lastHtml)![1]!;
    const res = await b.get(`${world.url('allocation')}/m/transfer`);
    expect(res.status()).toBe(403);
    const post = await fetch(`${world.url('allocation')}/m/transfer`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: await b.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, subject: '越权登记' }),
    });
    expect(post.status).toBe(403);
    expect(await post.text()).toContain('data-refused="allocation:transfer"');
    await a.follow(`${world.url('allocation')}/m/transfer`);
    expect(a.lastHtml).not.toContain('越权登记');
  });

  it('R9: unit accounts and administrator accounts are refused by every subsystem', async () => {
    for (const who of [
      { ...world.school.admin },
      { username: world.school.unitAccount.username, password: world.school.unitAccount.initialPassword },
    ]) {
      const browser = new FormBrowser();
      for (const s of SUBSYSTEMS) {
        await enter(browser, world, s, who);
        expect(browser.lastStatus, `${who.username} ${s}`).toBe(403);
        expect(browser.lastHtml).toContain('data-refused="separation-of-duties"');
      }
      expect((await visit(browser, `${world.url('title')}/m/apply`)).status).toBe(403);
      // A refused account can still leave: the refusal page's logout form leads to Tongmen's end-session page.
      await browser.follow(`${world.url('title')}/`);
      await browser.submit({}, { actionPart: '/logout' });
      expect(new URL(browser.lastUrl).origin).toBe(world.server.url);
      expect(browser.lastHtml).toContain('name="logout"');
    }
  });
});
