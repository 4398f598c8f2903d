import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium.ts';
import { NEW_PASSWORD, openSubsystemWorld, type SubsystemWorld } from './support/subsystem-world.ts';

let world: SubsystemWorld;
let browser: Browser | null;
beforeAll(async () => {
  [world, browser] = await Promise.all([openSubsystemWorld(), launchChromium()]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await world?.close();
});

describe('the subsystems in Chromium (JavaScript on)', () => {
  it('R24: sign in through title, apply, enter personnel by SSO, log out everywhere from personnel', async (ctx) => {
    if (!browser) return ctx.skip();
    const op = await world.operator(world.school.adminId, '蒋老师', ['title.applicant', 'personnel.clerk']);
    const page = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
    const title = world.url('title');
    const personnel = world.url('personnel');

    await page.goto(`${title}/`);
    expect(await page.textContent('main')).toContain('请通过统一身份认证登录');
    await page.click('a[href="/login"]');
    await page.fill('input[name=username]', op.username);
    await page.fill('input[name=password]', op.password!);
    await page.click('form:has(input[name=password]) button[type=submit]');
    await page.waitForSelector('input[name=newPassword]');
    await page.fill('input[name=newPassword]', NEW_PASSWORD);
    await page.fill('input[name=confirmPassword]', NEW_PASSWORD);
    await page.click('form:has(input[name=newPassword]) button[type=submit]');
    await page.waitForURL(`${title}/`);
    expect(await page.textContent('[data-module="title:apply"]')).toBe('职称在线申报');
    expect(await page.textContent('[data-unit]')).toBe(world.school.name);

    // The applicant's own flow, through the subsystem's forms.
    await page.click('[data-module="title:apply"] a');
    await page.fill('input[name=title]', '中学一级教师');
    await page.fill('textarea[name=materials]', '论文两篇');
    await page.click('form[action="/applications"] button[type=submit]');
    await page.click('[data-status="draft"] button[type=submit]');
    await page.waitForSelector('[data-status="submitted"]');
    // The session cookie: HttpOnly, SameSite=Lax, signed (a .sig companion).
    const cookies = await page.context().cookies(title);
    const sid = cookies.find((c) => c.name === 'title.sid')!;
    expect(sid).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(cookies.some((c) => c.name === 'title.sid.sig')).toBe(true);

    // SSO: personnel without any Tongmen page.
    await page.goto(`${personnel}/login`);
    await page.waitForURL(`${personnel}/`);
    expect(await page.textContent('[data-module="personnel:basic-info"]')).toBe('基础信息管理');

    // Log out everywhere: personnel → Tongmen's confirmation → back; title's session ended by back-channel.
    await page.click('header form button[type=submit]');
    await page.click('button[name=logout][value=yes]');
    await page.waitForURL(`${personnel}/`);
    const deadline = Date.now() + 5000;
    let location = '';
    while (Date.now() < deadline) {
      const res = await page.request.get(`${title}/m/apply`, { maxRedirects: 0 });
      location = res.headers()['location'] ?? '';
      if (res.status() === 302) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(location).toBe('/login?return=%2Fm%2Fapply');
    await page.goto(`${title}/m/apply`);
    expect(await page.isVisible('input[name=password]')).toBe(true); // Tongmen asks for the password again
    await page.context().close();
  });
});
