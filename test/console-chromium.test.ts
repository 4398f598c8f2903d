import fs from 'node:fs';
import axe from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/app.ts';
import { CONSOLE_DIST } from '../server/console.ts';
import { bootstrapProvince, type BootstrapResult } from '../directory/bootstrap/bootstrap.ts';
import { sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { startTestServer } from './support/harness.ts';
import { samplePerson } from './support/core.ts';
import { launchChromium } from './support/chromium.ts';
import { TEST_NEW_PASSWORD } from './support/admin-token.ts';

/**
 * Issue 10 — the web console in a real browser (Debian's Chromium, JavaScript on) against the real
 * server, through the whole rollout of the "Done when": province admin → city hrss → its
 * admin → competent department → its admin → school (derived code, R2) → affiliation initiated by
 * the school and approved by the department (R13) → two operators, roles granted from the role
 * screen (R17), one password reset (R20), the other offboarded (R12) → the audit screen shows it
 * all (R25). Every first sign-in goes through the provider's pages and changes the initial password
 * (R20). On each screen: no CSP violation under the console's strict policy, and axe-core finds no
 * serious or critical accessibility violation.
 */
let server: RunningServer;
let browser: Browser | null;
let root: BootstrapResult;
const contexts: BrowserContext[] = [];
const axeSource = axe.source;
const SHOTS = process.env.CONSOLE_SCREENSHOTS; // a directory: `npm run screenshots:console` sets it
/** Passwords changed at a first sign-in (R20), so that any test may sign the province administrator in again. */
const passwords = new Map<string, string>();
const provinceAdmin = (opts: { clock?: boolean } = {}) => signIn(root.admin.username, passwords.get(root.admin.username) ?? root.admin.initialPassword, opts);

beforeAll(async () => {
  if (!fs.existsSync(`${CONSOLE_DIST}index.html`)) throw new Error('console/dist is missing: run `npm run build:console` (npm install does it)');
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
  root = await bootstrapProvince(server.tongmen.base, server.tongmen.services, { unitName: '测试省人力资源和社会保障厅', uscc: '91350100M000100Y43', admin: samplePerson('省厅管理员') });
}, 60_000);
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  await browser?.close();
  await server?.close();
});

interface ConsolePage {
  page: Page;
  violations: string[];
}

/** A fresh browser (own cookies) at /console: the provider's sign-in, the R20 password change, back in the console. */
async function signIn(username: string, password: string, opts: { clock?: boolean } = {}): Promise<ConsolePage> {
  const context = await browser!.newContext({ locale: 'zh-CN', timezoneId: 'Europe/London', viewport: { width: 1440, height: 900 } });
  contexts.push(context);
  if (opts.clock) await context.clock.install();
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  page.on('pageerror', (e) => violations.push(`page error: ${e.message}`));
  await page.goto(`${server.url}/console/`);
  await page.waitForSelector('input[name=username]');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('form:has(input[name=password]) button[type=submit]');
  await page.waitForSelector('input[name=newPassword], [data-test=unit-name]').catch(async (err: unknown) => {
    throw new Error(`sign-in of ${username} stuck at ${page.url()}: ${(await page.textContent('body'))?.slice(0, 300)}`, { cause: err });
  });
  if (await page.$('input[name=newPassword]')) {
    passwords.set(username, TEST_NEW_PASSWORD);
    await page.fill('input[name=newPassword]', TEST_NEW_PASSWORD);
    await page.fill('input[name=confirmPassword]', TEST_NEW_PASSWORD);
    await page.click('form:has(input[name=newPassword]) button[type=submit]');
  }
  await page.waitForSelector('[data-test=unit-name]').catch(async (err: unknown) => {
    throw new Error(`console not reached at ${page.url()}: ${(await page.textContent('body'))?.slice(0, 500)} ${violations.join('; ')}`, { cause: err });
  });
  return { page, violations };
}

async function go(c: ConsolePage, menu: string) {
  await c.page.click(`.aside .el-menu-item:has-text("${menu}")`);
  await c.page.waitForSelector(`.aside .el-menu-item.is-active:has-text("${menu}")`);
}

/** axe-core in the page (evaluated through DevTools, so the page's CSP is untouched): no serious or critical violation. */
async function accessible(c: ConsolePage, screen: string) {
  await c.page.waitForLoadState('networkidle');
  // Not in the middle of a transition (a dialog fading out has, for a moment, faint text).
  await c.page.waitForFunction(() => {
    const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document;
    return !doc.querySelector('.is-closing, [class*="-leave-active"], [class*="-enter-active"]');
  });
  await c.page.evaluate(axeSource);
  const found = await c.page.evaluate(async () => {
    const inPage = (globalThis as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const r = await inPage.run(globalThis, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  });
  expect(found, `axe on ${screen}`).toEqual([]);
  expect(c.violations, `CSP violations or page errors on ${screen}`).toEqual([]);
  if (SHOTS) await c.page.screenshot({ path: `${SHOTS}/console-${screen}.png` });
}

/** The create-unit form of 单位基础信息管理; returns the first administrator's username and initial password. */
async function createUnit(c: ConsolePage, kind: string, name: string, uscc: string | null, admin: { name: string; idNumber: string; phone: string }) {
  await go(c, '单位基础信息管理');
  const form = c.page.locator('[data-test=create-unit]');
  await form.locator(`label.el-radio:has-text("${kind}")`).first().click();
  await form.locator('input[name=unitName]').fill(name);
  if (uscc) await form.locator('input[name=uscc]').fill(uscc);
  else await form.locator('label.el-checkbox:has-text("无统一社会信用代码")').click();
  await form.locator('input[name=adminName]').fill(admin.name);
  await form.locator('input[name=adminIdNumber]').fill(admin.idNumber);
  await form.locator('input[name=adminPhone]').fill(admin.phone);
  await form.locator('button[type=submit]').click();
  const created = c.page.locator('[data-test=created]');
  await created.waitFor();
  return {
    code: (await created.locator('[data-test=created-code]').textContent())!.trim(),
    username: (await created.locator('[data-test=created-admin-username]').textContent())!.trim(),
    password: (await created.locator('[data-test=secret]').nth(1).textContent())!.trim(),
    unitPassword: (await created.locator('[data-test=secret]').nth(0).textContent())!.trim(),
  };
}

/** A sign-in at the provider's page that does not get through: the page's text. */
async function refusedSignIn(username: string, password: string): Promise<string> {
  const context = await browser!.newContext({ locale: 'zh-CN' });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${server.url}/console/`);
  await page.waitForSelector('input[name=username]');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('form:has(input[name=password]) button[type=submit]');
  await page.waitForLoadState('networkidle');
  const text = (await page.textContent('body'))!;
  await context.close();
  return text;
}

describe('issue 10: the web console in Chromium', () => {
  it('serves the console under a strict policy; / leads there; every console path is the app', async () => {
    const home = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(home.status).toBe(302);
    expect(home.headers.get('location')).toBe('/console/');
    const cb = await fetch(`${server.url}/console/callback?code=x&state=y`);
    expect(cb.status).toBe(200);
    expect(cb.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(cb.headers.get('content-security-policy')).not.toContain('unsafe-eval');
    expect(await cb.text()).toContain('<div id="app">');
    // The token endpoint answers browsers of its own origin (the console) and no other (clientBasedCORS).
    const token = (origin: string) =>
      fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'not-a-token', client_id: 'admin-console' }),
      }).then(async (r) => ({ cors: r.headers.get('access-control-allow-origin'), body: (await r.json()) as { error: string; error_description: string } }));
    const foreign = await token('https://evil.example');
    expect(foreign.body.error_description).toMatch(/origin https:\/\/evil\.example not allowed/);
    const own = await token(new URL(server.url).origin);
    expect(own.body.error).toBe('invalid_grant');
    expect(own.cors).toBe(new URL(server.url).origin);
    const missing = await fetch(`${server.url}/console/assets/nothing.js`);
    expect(missing.status).toBe(404);
    const traversal = await fetch(`${server.url}/console/assets/..%2f..%2fpackage.json`);
    expect(await traversal.text()).not.toContain('"name": "tongmen"');
  });

  it('renews the access token with the refresh token before it expires, and signs out through the provider (R24)', async (ctx) => {
    if (!browser) return ctx.skip();
    const c = await provinceAdmin({ clock: true });
    // Silent renewal: a minute before the 5-minute access token expires, a refresh-token grant — no page change.
    const renewal = c.page.waitForRequest((r) => r.url().endsWith('/token') && (r.postData() ?? '').includes('grant_type=refresh_token'));
    await c.page.clock.fastForward('04:30');
    expect((await (await renewal).response())!.status()).toBe(200);
    await go(c, '用户管理');
    await c.page.waitForSelector('[data-test=operators]');
    expect(await c.page.$('[data-test=problem]')).toBeNull();
    // Sign-out: RP-initiated logout at the provider, back to the console's landing page, which waits for a click.
    await c.page.click('[data-test=sign-out]');
    await c.page.click('button[name=logout][value=yes]');
    await c.page.waitForURL(`${server.url}/console/`);
    await c.page.waitForSelector('[data-test=sign-in]');
    expect(await c.page.textContent('main')).toContain('您已退出管理控制台。');
  });

  it('the whole rollout: city hrss → department → school → affiliation → operators, roles, reset, offboard → audit (R2, R4, R12, R13, R17, R20, R25)', async (ctx) => {
    if (!browser) return ctx.skip();
    // 1. The province administrator creates a city hrss bureau (R4), with live code checks (R1, R8).
    const province = await provinceAdmin();
    expect(await province.page.textContent('[data-test=unit-name]')).toBe('测试省人力资源和社会保障厅');
    await accessible(province, 'units');
    await go(province, '单位基础信息管理');
    const form = province.page.locator('[data-test=create-unit]');
    await form.locator('label.el-radio').first().waitFor();
    // R4: a province bureau may create a city bureau, a department or an employer — nothing else.
    expect(await form.locator('label.el-radio').allTextContents()).toEqual(['人社部门（市级）', '行政主管部门', '用人单位']);
    await form.locator('input[name=uscc]').fill('91350100M000100Y4X');
    await form.locator('input[name=unitName]').click();
    await expect.poll(() => form.locator('.el-form-item__error').first().textContent()).toContain('第 18 位');
    await form.locator('input[name=adminPhone]').fill('12345');
    await form.locator('input[name=unitName]').click();
    await expect.poll(() => form.locator('.el-form-item__error').allTextContents()).toContain('手机号须为 11 位中国大陆手机号，以 13–19 开头（可带 +86）。');
    await accessible(province, 'unit-info');
    // An hrss unit's administrators (R6): add one scoped to 职称, then widen the scope to 职称 + 人才.
    await province.page.click('.el-tabs__item:has-text("管理员"):not(:has-text("更换"))');
    const scopedPerson = samplePerson('职称管理员');
    const scopedForm = province.page.locator('[data-test=add-scoped]');
    await scopedForm.locator('input[name=scopedName]').fill(scopedPerson.name);
    await scopedForm.locator('input[name=scopedIdNumber]').fill(scopedPerson.idNumber);
    await scopedForm.locator('input[name=scopedPhone]').fill(scopedPerson.phone);
    await scopedForm.locator('label.el-checkbox:has-text("职称")').click();
    await scopedForm.locator('button[type=submit]').click();
    await province.page.waitForSelector('[data-test=scoped-created]');
    const adminRow = province.page.locator('[data-test=hrss-admins] tr:has-text("职称管理员")');
    await expect.poll(() => adminRow.textContent()).toContain('职称');
    await province.page.click('[data-test="scope-职称管理员"]');
    const scopeDialog = province.page.locator('.el-dialog:has([data-test=save-scope])');
    await scopeDialog.locator('label.el-checkbox:has-text("人才")').click();
    await accessible(province, 'admin-scope');
    await scopeDialog.locator('[data-test=save-scope]').click();
    await expect.poll(() => adminRow.textContent()).toContain('职称、人才');
    // 合作应用 (province only): register a partner app — its secret shown once — rotate, disable.
    await go(province, '合作应用');
    await province.page.click('[data-test=register-client]');
    await province.page.fill('input[name=clientName]', '人才市场对接');
    await province.page.fill('textarea[name=resources]', 'urn:partner:talent-market');
    await province.page.click('.el-dialog:has(input[name=clientName]) button[type=submit]');
    const secretDialog = province.page.locator('.el-dialog:has([data-test=secret])');
    const firstSecret = (await secretDialog.locator('[data-test=secret]').textContent())!;
    expect(firstSecret.length).toBeGreaterThan(30);
    await accessible(province, 'clients-secret');
    await secretDialog.locator('button:has-text("关闭")').click();
    await province.page.click('[data-test=clients] tr:has-text("人才市场对接") button:has-text("更换密钥")');
    await province.page.click('.el-message-box button:has-text("确定")');
    await expect.poll(async () => (await secretDialog.locator('[data-test=secret]').textContent().catch(() => firstSecret)) !== firstSecret).toBe(true);
    await secretDialog.locator('button:has-text("关闭")').click();
    await accessible(province, 'clients');
    await province.page.click('[data-test=clients] tr:has-text("人才市场对接") button:has-text("停用")');
    await province.page.click('.el-message-box button:has-text("停用")');
    await expect.poll(() => province.page.textContent('[data-test=clients] tr:has-text("人才市场对接")')).toContain('已停用');
    // 数据导入 (issue 8): a dry run of the template's units sheet, progress, counts and the failed rows.
    await go(province, '数据导入');
    await province.page.setInputFiles('#sheet-units', 'docs/import-templates/units.csv');
    await province.page.click('[data-test=import] button[type=submit]');
    await expect.poll(() => province.page.textContent('[data-test=import-job] h2'), { timeout: 30_000 }).toContain('已完成');
    expect(await province.page.textContent('[data-test=import-job]')).toMatch(/单位表新建 \d+/);
    await accessible(province, 'import');
    // 个人中心: the person's own page for password, second factor, sign out everywhere; the language switch.
    await go(province, '个人中心');
    expect(await province.page.getAttribute('[data-test=own-page]', 'href')).toBe('/account');
    await accessible(province, 'profile');
    await province.page.click('[data-test=lang]');
    await expect.poll(() => province.page.textContent('.aside')).toContain('Organization');
    expect(await province.page.getAttribute('html', 'lang')).toBe('en');
    await province.page.click('[data-test=lang]');
    await expect.poll(() => province.page.textContent('.aside')).toContain('组织机构管理');

    const cityAdmin = samplePerson('市局管理员');
    const city = await createUnit(province, '人社部门', '测试市人力资源和社会保障局', sampleUscc(9101), cityAdmin);
    if (SHOTS) await province.page.screenshot({ path: `${SHOTS}/console-unit-created.png` });
    // The same refusal as the API, in place: the code is taken now (R3).
    await province.page.click('[data-test=created] button:has-text("关闭")');
    const again = await (async () => {
      const f = province.page.locator('[data-test=create-unit]');
      await f.locator('label.el-radio:has-text("用人单位")').click();
      await f.locator('input[name=unitName]').fill('重复代码单位');
      await f.locator('input[name=uscc]').fill(sampleUscc(9101));
      const p = samplePerson('重复');
      await f.locator('input[name=adminName]').fill(p.name);
      await f.locator('input[name=adminIdNumber]').fill(p.idNumber);
      await f.locator('input[name=adminPhone]').fill(p.phone);
      await f.locator('button[type=submit]').click();
      return province.page.locator('[data-test=problem]').textContent();
    })();
    expect(again).toBe('已有单位使用该代码。');

    // 2. The city administrator (first sign-in: new password) creates a competent department.
    const cityPage = await signIn(cityAdmin.idNumber, city.password); // the shown username is masked (R25): the person signs in with the ID number or phone (R8)
    const deptAdmin = samplePerson('教育局管理员');
    const dept = await createUnit(cityPage, '行政主管部门', '测试市教育局', sampleUscc(9102), deptAdmin);

    // 3. The department's administrator creates a school without a USCC: a derived code (R2).
    const deptPage = await signIn(deptAdmin.phone, dept.password);
    const schoolAdmin = samplePerson('一中管理员');
    const school = await createUnit(deptPage, '用人单位', '测试市第一中学', null, schoolAdmin);
    expect(school.code).toBe(`${dept.code}01`);

    // 4. The school asks the department for affiliation; the department approves (R13).
    const schoolPage = await signIn(schoolAdmin.idNumber, school.password);
    await go(schoolPage, '单位基础信息管理');
    await schoolPage.page.click('.el-tabs__item:has-text("归口")');
    await schoolPage.page.fill('input[data-test=upper-search]', '测试市教育');
    await schoolPage.page.click('form:has([data-test=upper-search]) button[type=submit]');
    await schoolPage.page.click('[data-test=uppers] tr:has-text("测试市教育局") button:has-text("发起归口")');
    await schoolPage.page.waitForSelector('[data-test=aff-notice]');
    expect(await schoolPage.page.textContent('[data-test=my-requests]')).toContain('待审核');
    await accessible(schoolPage, 'affiliation');

    // 4b. The school replaces its temporary code by its own USCC (R1–R3): live check, a confirmation
    // naming what changes; the unit account's sign-in name follows (the old one names the new one).
    await schoolPage.page.click('.el-tabs__item:has-text("本单位信息")');
    await schoolPage.page.click('[data-test=replace-code]');
    const codeDialog = schoolPage.page.locator('.el-dialog:has(input[name=newUscc])');
    await codeDialog.locator('input[name=newUscc]').fill('91350100M000100Y4X');
    await codeDialog.locator('p').click();
    await expect.poll(() => codeDialog.locator('.el-form-item__error').textContent()).toContain('第 18 位');
    expect(await codeDialog.textContent()).toContain('下级单位保留各自现有的代码');
    await accessible(schoolPage, 'unit-code');
    const ownCode = sampleUscc(9103);
    await codeDialog.locator('input[name=newUscc]').fill(sampleUscc(9101)); // taken by the city bureau: the API's refusal, in place
    await codeDialog.locator('button[type=submit]').click();
    await schoolPage.page.click('.el-message-box button:has-text("确定")');
    await expect.poll(() => codeDialog.locator('[data-test=problem]').textContent()).toBe('已有单位使用该代码。');
    await codeDialog.locator('input[name=newUscc]').fill(ownCode);
    await codeDialog.locator('button[type=submit]').click();
    const codeConfirm = schoolPage.page.locator('.el-message-box');
    expect(await codeConfirm.textContent()).toContain(`将本单位代码由 ${school.code} 更换为 ${ownCode}？单位账号的登录名随之改为 ${ownCode}`);
    await codeConfirm.locator('button:has-text("确定")').click();
    await schoolPage.page.waitForSelector('[data-test=code-done]');
    expect(await schoolPage.page.textContent('[data-test=own-code]')).toBe(ownCode);
    expect(await refusedSignIn(school.code, school.unitPassword)).toContain(`该单位的临时代码已更换为统一社会信用代码 ${ownCode}，请使用新代码登录。`);
    const schoolUnitAccount = await signIn(ownCode, school.unitPassword);
    expect(await schoolUnitAccount.page.textContent('[data-test=unit-name]')).toBe('测试市第一中学');

    await go(deptPage, '组织机构管理');
    await go(deptPage, '单位基础信息管理');
    await deptPage.page.click('.el-tabs__item:has-text("归口")');
    const inboxRow = deptPage.page.locator('[data-test=aff-inbox] tr:has-text("测试市第一中学")');
    await inboxRow.locator('button:has-text("同意")').click();
    await expect.poll(() => deptPage.page.textContent('[data-test=aff-inbox]')).toContain('暂无待审核的归口申请');

    // 5. The school administrator creates two operators; each initial password is shown once.
    await go(schoolPage, '用户管理');
    await accessible(schoolPage, 'users-empty');
    const operators: Array<{ name: string; idNumber: string; username: string; password: string }> = [];
    for (const name of ['王老师', '李老师']) {
      const p = samplePerson(name);
      await schoolPage.page.click('[data-test=new-operator]');
      const f = schoolPage.page.locator('[data-test=create-operator]');
      await f.locator('input[name=name]').fill(p.name);
      await f.locator('input[name=idNumber]').fill(p.idNumber);
      await f.locator('input[name=phone]').fill(p.phone);
      await f.locator('button[type=submit]').click();
      const once = schoolPage.page.locator('.el-dialog:has([data-test=once-username])');
      await once.waitFor();
      operators.push({ name, idNumber: p.idNumber, username: (await once.locator('[data-test=once-username]').textContent())!, password: (await once.locator('[data-test=secret]').textContent())! });
      await once.locator('button:has-text("关闭")').click();
      await once.waitFor({ state: 'hidden' });
    }
    // Masked personal data only (R25).
    const table = (await schoolPage.page.textContent('[data-test=operators]'))!;
    expect(table).toMatch(/\*{4}/);
    for (const o of operators) expect(table).not.toContain(o.idNumber);

    // 6. "Choose a role, add users" (R17) on the role screen.
    await go(schoolPage, '业务角色管理');
    await schoolPage.page.click('[data-test="role-title.applicant"]');
    await schoolPage.page.click('[data-test=add-members]');
    for (const o of operators) await schoolPage.page.click(`[data-test=pick-operators] label:has-text("${o.name}")`);
    await schoolPage.page.click('[data-test=confirm-members]');
    await expect.poll(() => schoolPage.page.textContent('[data-test=members]')).toContain('李老师');
    expect(await schoolPage.page.textContent('[data-test=members]')).toContain('王老师');
    await accessible(schoolPage, 'roles');

    // 7. Reset one password (a new initial password, shown once), offboard the other (R12, R20).
    await go(schoolPage, '用户管理');
    await schoolPage.page.click('[data-test="reset-王老师"]');
    await schoolPage.page.click('.el-message-box button:has-text("确定")');
    const resetDialog = schoolPage.page.locator('.el-dialog:has-text("已为 王老师 重置密码")');
    await resetDialog.waitFor();
    const newInitial = (await resetDialog.locator('[data-test=secret]').textContent())!;
    expect(newInitial).not.toBe(operators[0]!.password);
    await resetDialog.locator('button:has-text("关闭")').click();
    await schoolPage.page.click('[data-test="offboard-李老师"]');
    const confirm = schoolPage.page.locator('.el-message-box');
    expect(await confirm.textContent()).toContain('全部会话、授权和令牌立即失效');
    await confirm.locator('button:has-text("离职")').click();
    await schoolPage.page.waitForSelector('[data-test=notice]:has-text("李老师 已离职")');
    expect(await schoolPage.page.textContent('[data-test=operators]')).not.toContain('李老师');
    await accessible(schoolPage, 'users');

    // The clean-up lists (issue 8): 王老师 never signed in; the offboarded 李老师 is no longer listed.
    await go(schoolPage, '账号清理');
    await expect.poll(() => schoolPage.page.textContent('[data-test=cleanup]')).toContain('王老师');
    expect(await schoolPage.page.textContent('[data-test=cleanup]')).not.toContain('李老师');
    await accessible(schoolPage, 'cleanup');
    // A bulk action on the selected rows (POST /accounts/bulk): one result per account, the new initial password shown once.
    await schoolPage.page.click('[data-test=cleanup] tr:has-text("王老师") .el-checkbox');
    await schoolPage.page.click('[data-test=bulk] button[type=submit]');
    const bulkBox = schoolPage.page.locator('.el-message-box');
    expect(await bulkBox.textContent()).toContain('对选中的 1 个账号执行“重置密码”？');
    await bulkBox.locator('button:has-text("确定")').click();
    const bulkResults = schoolPage.page.locator('.el-dialog:has-text("批量处理结果")');
    await bulkResults.locator('tr:has-text("王老师")').waitFor();
    expect(await bulkResults.locator('tr:has-text("王老师")').textContent()).toContain('操作成功');
    const bulkPassword = (await bulkResults.locator('[data-test=secret]').textContent())!;
    expect(bulkPassword).not.toBe(newInitial);
    await accessible(schoolPage, 'cleanup-bulk');
    await bulkResults.locator('button:has-text("关闭")').click();
    // The effect, at the provider: the earlier initial password is refused now.
    expect(await refusedSignIn(operators[0]!.idNumber, newInitial)).toContain('用户名或密码错误。');

    // 8. The audit screen shows all of it (R25).
    await go(schoolPage, '审计日志');
    await schoolPage.page.waitForSelector('[data-test=events] .el-table__row');
    const audit = (await schoolPage.page.textContent('[data-test=events]'))!;
    for (const action of ['affiliation.request', 'affiliation.approve', 'account.create', 'role.grant', 'account.reset-password', 'account.offboard']) expect(audit).toContain(action);
    await accessible(schoolPage, 'audit');
    // The department's audit sees the approval; the filters narrow by action.
    await go(deptPage, '审计日志');
    await deptPage.page.fill('[data-test=audit-filters] input[aria-label="操作类型"]', 'affiliation.*');
    await deptPage.page.click('[data-test=audit-filters] button[type=submit]');
    await expect.poll(() => deptPage.page.textContent('[data-test=events]')).not.toContain('unit.create');
    expect(await deptPage.page.textContent('[data-test=events]')).toContain('affiliation.approve');

    // 9. The unit tree of the city: department, and the school below it once affiliated.
    await go(cityPage, '组织机构管理');
    // The city's own unit opens by itself once its children are loaded (default-expanded-keys); a click on its
    // arrow raced that opening and, when it came second, folded the tree again (the department then never showed).
    await cityPage.page.click('[data-test=unit-tree] .el-tree-node__content:has-text("测试市教育局")');
    await expect.poll(() => cityPage.page.textContent('[data-test=unit-title]')).toBe('测试市教育局');
    await accessible(cityPage, 'units-detail');
    // Disable the department (its accounts cannot sign in), then re-enable it.
    await cityPage.page.click('[data-test=unit-disable]');
    const disableBox = cityPage.page.locator('.el-message-box');
    expect(await disableBox.textContent()).toContain('停用“测试市教育局”？该单位全部账号的会话立即结束');
    await disableBox.locator('button:has-text("停用单位")').click();
    await expect.poll(() => cityPage.page.textContent('[data-test=unit-status]')).toBe('已停用');
    expect(await refusedSignIn(deptAdmin.phone, TEST_NEW_PASSWORD)).toContain('账号已停用');
    await accessible(cityPage, 'units-disabled');
    await cityPage.page.click('[data-test=unit-enable]');
    await cityPage.page.locator('.el-message-box button:has-text("重新启用")').click();
    await expect.poll(() => cityPage.page.textContent('[data-test=unit-status]')).toBe('正常');
    expect(await (await signIn(deptAdmin.phone, TEST_NEW_PASSWORD)).page.textContent('[data-test=unit-name]')).toBe('测试市教育局');

    for (const c of [province, cityPage, deptPage, schoolPage, schoolUnitAccount]) expect(c.violations, 'CSP violations or page errors').toEqual([]);
  }, 180_000);
});
