import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';

let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());

const as = (accountId: string) => ({
  get: (path: string) => f.api(f.token(accountId), 'GET', `/role-change-requests${path}`),
  post: (path: string, body: unknown = {}) => f.api(f.token(accountId), 'POST', `/role-change-requests${path}`, body),
});
const county = () => as(f.county.adminId);
const city = () => as(f.city.adminId);
const province = () => as(f.province.adminId);

describe('role-change requests (R16)', () => {
  it('R16: county → city → province; the province accepts and the role changes as proposed', async () => {
    // A role of this test's own, so that no other test's proposal changes what it checks.
    const created = await f.api(f.token(f.province.adminId), 'POST', '/roles', { code: 'title.county-proposal', name: '县级提议', subsystem: 'title', modules: ['title:apply'] });
    expect(created.status).toBe(201);
    const made = await county().post('', { roleCode: 'title.county-proposal', proposal: { addModules: ['title:review'], comment: '县级需要审核模块' } });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ status: 'pending', roleCode: 'title.county-proposal', fromUnitId: f.county.unitId, currentReviewerUnitId: f.city.unitId });
    const id = made.body.id;

    // Not yet the province's business: not visible to it (R10 answers 404).
    expect((await province().get(`/${id}`)).status).toBe(404);
    expect((await county().post(`/${id}/forward`)).body.error.code).toBe('role_change.not_reviewer');
    expect((await city().post(`/${id}/accept`)).body.error.code).toBe('role_change.province_only');

    const forwarded = await city().post(`/${id}/forward`, { note: '同意，转省厅' });
    expect(forwarded.body).toMatchObject({ status: 'pending', currentReviewerUnitId: f.province.unitId });
    expect(forwarded.body.history.map((h: { action: string }) => h.action)).toEqual(['submitted', 'forwarded']);
    expect((await province().get('?box=review')).body.items.map((r: { id: string }) => r.id)).toContain(id);

    const accepted = await province().post(`/${id}/accept`, { note: '采纳' });
    expect(accepted.body).toMatchObject({ status: 'accepted', currentReviewerUnitId: null });
    const role = await f.api(f.token(f.province.adminId), 'GET', '/roles/title.county-proposal');
    expect(role.body.modules).toEqual(['title:apply', 'title:review']);
    const [events] = await f.core.base.db.sequelize.query(
      `SELECT action FROM audit_events WHERE target_id = :id OR details->>'roleChangeRequest' = :id ORDER BY seq`,
      { replacements: { id } },
    );
    expect((events as Array<{ action: string }>).map((e) => e.action)).toEqual([
      'role-change.create', 'role-change.forward', 'role.update', 'role-change.accept',
    ]);
    expect((await province().post(`/${id}/reject`, { reason: '再次' })).body.error.code).toBe('role_change.closed');
  });

  it('R16: any reviewing level may answer and close a request', async () => {
    const made = await county().post('', { roleCode: 'title.applicant', proposal: { name: '职称申报人', comment: '改名建议' } });
    const answered = await city().post(`/${made.body.id}/answer`, { reply: '保持现名' });
    expect(answered.body).toMatchObject({ status: 'answered', currentReviewerUnitId: null });
    expect(answered.body.history.at(-1)).toMatchObject({ action: 'answered', note: '保持现名', unitId: f.city.unitId });
  });

  it('R16: a city request goes straight to the province, which rejects with a reason and never forwards', async () => {
    const made = await city().post('', { proposal: { subsystem: 'talent', name: '人才服务-窗口', addModules: ['talent:green-card'], comment: '新增角色' } });
    expect(made.body).toMatchObject({ currentReviewerUnitId: f.province.unitId, roleCode: null });
    expect((await province().post(`/${made.body.id}/forward`)).body.error.code).toBe('role_change.province_decides');
    expect((await province().post(`/${made.body.id}/reject`, {})).status).toBe(400);
    expect((await province().post(`/${made.body.id}/reject`, { reason: '已有同类角色' })).body.status).toBe('rejected');
  });

  it('R16: the province hrss unit and operators do not propose (any unit\'s administrator does: role-change-filing); proposals use modules of the role’s subsystem', async () => {
    expect((await province().post('', { roleCode: 'title.reviewer', proposal: { comment: 'x' } })).status).toBe(403);
    expect((await as(f.employerOperator).post('', { roleCode: 'title.reviewer', proposal: { comment: 'x' } })).status).toBe(403);
    const bad = await county().post('', { roleCode: 'title.reviewer', proposal: { addModules: ['talent:postdoc'], comment: 'x' } });
    expect(bad.body.error).toMatchObject({ code: 'role.module_invalid', details: { invalid: ['talent:postdoc'] } });
    expect((await county().post('', { proposal: { comment: '新角色' } })).body.error.code).toBe('role_change.subsystem_required');
    expect((await county().post('', { roleCode: 'title.nonexistent', proposal: { comment: 'x' } })).status).toBe(404);
  });

  it('R16: each unit lists what it submitted or reviews; a sibling city sees nothing', async () => {
    // A county of this test's own: what it submitted is exactly what the test files.
    const own = await f.child(f.city.adminId, 'hrss', '列表县人社局');
    const filed: string[] = [];
    for (const comment of ['第一条', '第二条']) {
      filed.unshift((await as(own.adminId).post('', { roleCode: 'title.applicant', proposal: { comment } })).body.id);
    }
    const mine = await as(own.adminId).get('?box=submitted');
    expect(mine.body.items.map((r: { id: string }) => r.id)).toEqual(filed);
    expect(mine.body.items.every((r: { fromUnitId: string }) => r.fromUnitId === own.unitId)).toBe(true);
    expect((await city().get('?box=review')).body.items.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining(filed));
    const paged = await city().get('?limit=1');
    expect(paged.body.items).toHaveLength(1);
    expect((await city().get(`?limit=1&next=${paged.body.next}`)).body.items[0].id).not.toBe(paged.body.items[0].id);
    expect((await as(f.city2.adminId).get('')).body.items).toEqual([]);
  });
});
