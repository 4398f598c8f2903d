import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

/**
 * Issue 5 item 1 — privilege escalation through password reset and every other action on an
 * account (R6, R7, R10): an actor acts on an account only when its own powers cover that account's.
 * Each test builds the units it changes (`f.child`), so any one runs alone.
 */
let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());

const call = (accountId: string, method: string, path: string, body?: unknown) => f.api(f.token(accountId), method, path, body);
const outcome = (res: { status: number; body: any }) => [res.status, res.body.error?.code ?? null, res.body.error?.details?.rule ?? null];
const POWER_EXCEEDED = [403, 'account.power_exceeded', 'R6'];

/** A scoped administrator added to an hrss unit by one of its scope-all administrators (R6). */
async function scopedAdmin(byAdminId: string, unitId: string, scope: string[]) {
  const made = await f.core.services.units.addHrssAdmin(await f.core.actor(byAdminId), unitId, samplePerson('分管管理员'), scope, f.core.meta);
  return made.accountId;
}

const auditCount = async (action: string, targetId: string) => {
  const [rows] = await f.core.base.db.sequelize.query('SELECT count(*)::int AS n FROM audit_events WHERE action = :action AND target_id = :targetId', {
    replacements: { action, targetId },
  });
  return (rows as Array<{ n: number }>)[0]!.n;
};

describe('issue 5 item 1 — R6/R10: a subsystem-scoped administrator never reaches an administrator or a unit account', () => {
  it('R6/R10: a title-scoped province administrator gets 403 resetting or unlocking a city administrator or a city unit account (the attack)', async () => {
    const city = await f.child(f.province.adminId, 'hrss', '被攻击市人社局');
    const scoped = await scopedAdmin(f.province.adminId, f.province.unitId, ['title']);
    for (const target of [city.adminId, city.unitAccountId]) {
      for (const path of ['reset-password', 'unlock']) {
        const res = await call(scoped, 'POST', `/accounts/${target}/${path}`);
        expect([path, ...outcome(res), res.body.initialPassword]).toEqual([path, ...POWER_EXCEEDED, undefined]);
      }
      expect(await auditCount('account.reset-password', target)).toBe(0);
    }
    // Nor any other way to take the city over: offboarding, re-scoping, replacing its administrator.
    expect(outcome(await call(scoped, 'POST', `/accounts/${city.adminId}/offboard`))).toEqual(POWER_EXCEEDED);
    expect(outcome(await call(scoped, 'PUT', `/accounts/${city.adminId}/scope`, { scope: ['title'] }))).toEqual([403, 'auth.forbidden', 'R6']);
    expect(outcome(await call(scoped, 'PUT', `/units/${city.unitId}/admin`, samplePerson()))).toEqual([403, 'auth.forbidden', 'R6']);
    // The city administrator is untouched: its token still works.
    expect((await call(city.adminId, 'GET', `/units/${city.unitId}`)).status).toBe(200);
  });

  it('R7/R10: a scope-all province administrator still resets them, and a unit account its own administrator', async () => {
    const city = await f.child(f.province.adminId, 'hrss', '照常重置市人社局');
    const byUnitAccount = await call(city.unitAccountId, 'POST', `/accounts/${city.adminId}/reset-password`);
    expect([byUnitAccount.status, byUnitAccount.body.initialPassword]).toEqual([200, expect.any(String)]);
    for (const target of [city.adminId, city.unitAccountId]) {
      const res = await call(f.province.adminId, 'POST', `/accounts/${target}/reset-password`);
      expect([res.status, res.body.initialPassword]).toEqual([200, expect.any(String)]);
    }
    // The unit account acts on nothing else of its unit (R7), and sees nothing below (R10).
    const op = await f.operator(city.adminId);
    const fresh = await f.app.mintToken(city.unitAccountId);
    expect(outcome(await f.api(fresh, 'POST', `/accounts/${op}/reset-password`))).toEqual([403, 'account.power_exceeded', 'R7']);
    const below = await f.child(city.adminId, 'employer', '市属医院');
    expect(outcome(await f.api(fresh, 'POST', `/accounts/${below.adminId}/reset-password`))).toEqual([404, 'account.not_found', null]);
  });

  it('R7/R10: the creating unit keeps its power over the administrator of a unit affiliated elsewhere, and only over it', async () => {
    const made = await call(f.county.adminId, 'POST', '/units', { kind: 'employer', category: 'institution', name: '改投单位', admin: samplePerson() });
    expect(made.status).toBe(201);
    const req = await call(made.body.admin.accountId, 'POST', '/affiliation-requests', { targetUnitId: f.city2.unitId });
    expect((await call(f.city2.adminId, 'POST', `/affiliation-requests/${req.body.id}/approve`, {})).status).toBe(200);
    const op = await f.operator(made.body.admin.accountId);
    expect(outcome(await call(f.county.adminId, 'POST', `/accounts/${op}/reset-password`))).toEqual([404, 'account.not_found', null]);
    expect(outcome(await call(f.county.adminId, 'POST', `/accounts/${made.body.unitAccount.id}/reset-password`))).toEqual([404, 'account.not_found', null]);
    const res = await call(f.county.adminId, 'POST', `/accounts/${made.body.admin.accountId}/reset-password`);
    expect([res.status, res.body.initialPassword]).toEqual([200, expect.any(String)]);
  });

  it('R10: outside the jurisdiction the answer stays 404, for scope-all and scoped administrators alike', async () => {
    const city = await f.child(f.province.adminId, 'hrss', '他市人社局');
    const scoped = await scopedAdmin(f.city2.adminId, f.city2.unitId, ['title']);
    for (const who of [f.city2.adminId, scoped]) {
      for (const target of [city.adminId, city.unitAccountId]) {
        expect(outcome(await call(who, 'POST', `/accounts/${target}/reset-password`))).toEqual([404, 'account.not_found', null]);
      }
    }
  });
});

describe('issue 5 item 1 — R6: a scoped administrator acts on its unit’s operators only when their roles lie in its scope', () => {
  it('R6: resets an operator holding only roles of its subsystems; 403 for one holding a role outside them or an org role', async () => {
    const city = await f.child(f.province.adminId, 'hrss', '职称分管市人社局');
    const scoped = await scopedAdmin(city.adminId, city.unitId, ['title']);
    const plain = await f.operator(city.adminId);
    const inScope = await f.operator(city.adminId, ['title.reviewer']);
    const mixed = await f.operator(city.adminId, ['title.reviewer', 'personnel.clerk']);
    const reviewer = await f.operator(city.adminId, ['org.affiliation-reviewer']);
    for (const ok of [plain, inScope]) {
      const res = await call(scoped, 'POST', `/accounts/${ok}/reset-password`);
      expect([res.status, res.body.initialPassword]).toEqual([200, expect.any(String)]);
    }
    for (const refused of [mixed, reviewer]) {
      const res = await call(scoped, 'POST', `/accounts/${refused}/reset-password`);
      expect(outcome(res)).toEqual(POWER_EXCEEDED);
      expect(await auditCount('account.reset-password', refused)).toBe(0);
    }
  });

  it('R6: the same rule for update, roles (per account and per role), offboarding and migration', async () => {
    const city = await f.child(f.province.adminId, 'hrss', '分管变更市人社局');
    const scoped = await scopedAdmin(city.adminId, city.unitId, ['title']);
    const mixed = await f.operator(city.adminId, ['title.reviewer', 'personnel.clerk']);
    const inScope = await f.operator(city.adminId, ['title.reviewer']);
    const to = await f.child(city.adminId, 'employer', '调入单位');
    const refusals: Array<[string, string, string, unknown?]> = [
      ['update', 'PUT', `/accounts/${mixed}`, { name: '改名' }],
      ['update phone', 'PUT', `/accounts/${mixed}`, { phone: samplePerson().phone }],
      ['set roles', 'PUT', `/accounts/${mixed}/roles`, { roles: ['title.reviewer'] }],
      ['grant in scope', 'POST', '/roles/title.expert/members', { accountIds: [mixed] }],
      ['revoke in scope', 'DELETE', `/roles/title.reviewer/members/${mixed}`],
      ['offboard', 'POST', `/accounts/${mixed}/offboard`, {}],
      ['migrate', 'POST', `/accounts/${mixed}/migrate`, { toUnitId: to.unitId }],
      // An operator inside the scope may not be given a role outside it.
      ['add out-of-scope role', 'PUT', `/accounts/${inScope}/roles`, { roles: ['title.reviewer', 'personnel.clerk'] }],
    ];
    for (const [what, method, path, body] of refusals) {
      const res = await call(scoped, method, path, body);
      expect([what, res.status, res.body.error?.code]).toEqual([what, 403, expect.stringMatching(/^(account\.power_exceeded|auth\.forbidden)$/)]);
    }
    // The account-level refusals name the power rule; nothing changed.
    expect(outcome(await call(scoped, 'PUT', `/accounts/${mixed}`, { name: '改名' }))).toEqual(POWER_EXCEEDED);
    expect(outcome(await call(scoped, 'POST', '/roles/title.expert/members', { accountIds: [mixed] }))).toEqual(POWER_EXCEEDED);
    const after = (await call(city.adminId, 'GET', `/accounts/${mixed}`)).body;
    expect(after).toMatchObject({ status: 'active', unitId: city.unitId, roles: ['personnel.clerk', 'title.reviewer'] });
    // Within the scope, the same changes work.
    expect((await call(scoped, 'PUT', `/accounts/${inScope}/roles`, { roles: ['title.expert', 'title.reviewer'] })).status).toBe(200);
    expect((await call(scoped, 'POST', `/accounts/${inScope}/offboard`, {})).status).toBe(200);
  });
});

describe('issue 5 item 1 — R6: administrators of one hrss unit', () => {
  it('R6: a scope-all administrator acts on its unit’s scoped administrators; never the reverse, nor on another scope-all one', async () => {
    const city = await f.child(f.province.adminId, 'hrss', '多管理员市人社局');
    const scoped = await scopedAdmin(city.adminId, city.unitId, ['title']);
    const peer = await scopedAdmin(city.adminId, city.unitId, ['talent']);
    expect(outcome(await call(scoped, 'POST', `/accounts/${city.adminId}/reset-password`))).toEqual(POWER_EXCEEDED);
    expect(outcome(await call(scoped, 'POST', `/accounts/${peer}/reset-password`))).toEqual(POWER_EXCEEDED);
    expect((await call(city.adminId, 'POST', `/accounts/${scoped}/reset-password`)).status).toBe(200);

    // A second scope-all administrator is an equal: only the unit account or the unit above names or resets one.
    const sameUnit = await call(city.adminId, 'POST', `/units/${city.unitId}/admins`, { ...samplePerson(), scope: ['all'] });
    expect(outcome(sameUnit)).toEqual([403, 'account.power_exceeded', 'R7']);
    const second = await call(city.unitAccountId, 'POST', `/units/${city.unitId}/admins`, { ...samplePerson('第二管理员'), scope: ['all'] });
    expect(second.status).toBe(201);
    expect(outcome(await call(city.adminId, 'POST', `/accounts/${second.body.accountId}/reset-password`))).toEqual([403, 'account.power_exceeded', 'R7']);
    expect((await call(f.province.adminId, 'POST', `/accounts/${second.body.accountId}/reset-password`)).status).toBe(200);
  });
});
