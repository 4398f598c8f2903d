import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { can } from '../directory/authz/policy.ts';
import type { Actor } from '../directory/actor.ts';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

/**
 * R16 (issue 5 item 11) — every unit files role-change requests with the hrss bureau of its level
 * (the nearest hrss unit on its confirmed affiliation chain); they travel county → city → province;
 * an accepted proposal for a new role creates it. Each test sets up the units and codes it uses.
 */
let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());

const rcr = (accountId: string) => ({
  get: (path = '') => f.api(f.token(accountId), 'GET', `/role-change-requests${path}`),
  post: (path: string, body: unknown = {}) => f.api(f.token(accountId), 'POST', `/role-change-requests${path}`, body),
});
let seq = 0;
/** A role code nobody else in the file uses. */
const freshCode = (subsystem = 'title') => `${subsystem}.proposed-${++seq}-${Date.now().toString(36)}`;

describe('R16: any unit files a role-change request with the hrss bureau of its level', () => {
  it('R16: an employer proposes a new role; county forwards, city forwards, the province accepts and GET /roles/{code} shows it', async () => {
    const employer = await f.child(f.county.adminId, 'employer', '提议医院');
    const code = freshCode();
    const filed = await rcr(employer.adminId).post('', {
      proposal: { subsystem: 'title', code, name: '职称-院内初审', addModules: ['title:apply', 'title:unit-verify'], comment: '建议新增院内初审角色' },
    });
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({ status: 'pending', fromUnitId: employer.unitId, currentReviewerUnitId: f.county.unitId, roleCode: null });
    const id: string = filed.body.id;

    // The filer reads its own request at every stage, but never reviews it.
    expect((await rcr(employer.adminId).get(`/${id}`)).body.currentReviewerUnitId).toBe(f.county.unitId);
    const notHrss = await rcr(employer.adminId).post(`/${id}/forward`);
    expect([notHrss.status, notHrss.body.error.code, notHrss.body.error.details.rule]).toEqual([403, 'auth.forbidden', 'R15']);

    expect((await rcr(f.county.adminId).post(`/${id}/forward`, { note: '县局同意' })).body.currentReviewerUnitId).toBe(f.city.unitId);
    expect((await rcr(f.city.adminId).post(`/${id}/forward`, { note: '市局同意' })).body.currentReviewerUnitId).toBe(f.province.unitId);
    expect((await rcr(employer.adminId).get(`/${id}`)).body.currentReviewerUnitId).toBe(f.province.unitId);

    const accepted = await rcr(f.province.adminId).post(`/${id}/accept`, { note: '采纳' });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'accepted', currentReviewerUnitId: null, roleCode: code });
    expect(accepted.body.history.map((h: { action: string; unitId: string }) => [h.action, h.unitId])).toEqual([
      ['submitted', employer.unitId],
      ['forwarded', f.county.unitId],
      ['forwarded', f.city.unitId],
      ['accepted', f.province.unitId],
    ]);

    const role = await f.api(f.token(f.province.adminId), 'GET', `/roles/${code}`);
    expect(role.status).toBe(200);
    expect(role.body).toMatchObject({ code, name: '职称-院内初审', subsystem: 'title', modules: ['title:apply', 'title:unit-verify'], provincial: true, status: 'active' });
    // The new role is in the provincial catalogue: the filing employer may grant it (R17).
    expect((await f.api(f.token(employer.adminId), 'GET', `/roles/${code}`)).body.grantable).toBe(true);
    expect((await rcr(employer.adminId).get(`/${id}`)).body).toMatchObject({ status: 'accepted', roleCode: code });
    const [events] = await f.core.base.db.sequelize.query(
      `SELECT action FROM audit_events WHERE target_id = :id OR details->>'roleChangeRequest' = :id ORDER BY seq`,
      { replacements: { id } },
    );
    expect((events as Array<{ action: string }>).map((e) => e.action)).toEqual([
      'role-change.create', 'role-change.forward', 'role-change.forward', 'role.create', 'role-change.accept',
    ]);
  });

  it('R16: a competent department, a sub-institution and a city-level employer file with the nearest hrss unit on their chain', async () => {
    const competent = await f.child(f.county.adminId, 'competent', '县卫健局');
    const underCompetent = await f.child(competent.adminId, 'employer', '卫健局下属医院');
    const sub = await f.child(underCompetent.adminId, 'employer', '医院分院');
    const cityEmployer = await f.child(f.city.adminId, 'employer', '市直医院');
    const cases: Array<[string, string]> = [
      [competent.adminId, f.county.unitId],
      [underCompetent.adminId, f.county.unitId],
      [sub.adminId, f.county.unitId],
      [cityEmployer.adminId, f.city.unitId],
    ];
    for (const [adminId, reviewer] of cases) {
      const res = await rcr(adminId).post('', { roleCode: 'title.reviewer', proposal: { addModules: ['title:review'], comment: '需要评审模块' } });
      expect([res.status, res.body.currentReviewerUnitId]).toEqual([201, reviewer]);
      expect((await rcr(adminId).get('?box=submitted')).body.items.map((r: { id: string }) => r.id)).toEqual([res.body.id]);
    }
  });

  it('R16: a unit not yet affiliated has no hrss bureau on its chain: 409 role_change.no_reviewer telling it to affiliate first', async () => {
    const made = await f.core.services.units.create(
      await f.core.actor(f.county.adminId),
      { kind: 'employer', category: 'institution', name: '未归口医院', uscc: sampleUscc(8600), responsibilities: '', admin: samplePerson() },
      f.core.meta,
    );
    const res = await rcr(made.admin.accountId).post('', { roleCode: 'title.reviewer', proposal: { comment: 'x' } });
    expect([res.status, res.body.error.code]).toEqual([409, 'role_change.no_reviewer']);
    expect(res.body.error.message).toMatch(/请先发起归口/); // zh-CN by default: it says to affiliate first
  });

  it('R16: the filer reads only its own requests; a sibling unit and a sibling city see nothing', async () => {
    const a = await f.child(f.county.adminId, 'employer', '甲提议单位');
    const b = await f.child(f.county.adminId, 'employer', '乙提议单位');
    const filed = await rcr(a.adminId).post('', { roleCode: 'title.applicant', proposal: { name: '申报人', comment: '改名' } });
    expect(filed.status).toBe(201);
    for (const stranger of [b.adminId, f.city2.adminId]) {
      expect((await rcr(stranger).get(`/${filed.body.id}`)).status).toBe(404);
      expect((await rcr(stranger).get('')).body.items.map((r: { id: string }) => r.id)).not.toContain(filed.body.id);
    }
    expect((await rcr(a.adminId).get('')).body.items.map((r: { id: string }) => r.id)).toEqual([filed.body.id]);
  });

  it('R16/R7/R9: the province hrss unit edits its catalogue itself (403 R16); operators (R9) and unit accounts (R7) never file', async () => {
    const body = { roleCode: 'title.reviewer', proposal: { comment: 'x' } };
    const province = await rcr(f.province.adminId).post('', body);
    expect([province.status, province.body.error.details.rule]).toEqual([403, 'R16']);
    expect((await rcr(f.employerOperator).post('', body)).body.error.details.rule).toBe('R9');
    expect((await rcr(f.employer.unitAccountId).post('', body)).body.error.details.rule).toBe('R7');
  });

  it('R16/R15: scope still binds hrss administrators (filing and reviewing); other administrators propose for any subsystem', async () => {
    const countyTitle = await f.core.services.units.addHrssAdmin(await f.core.actor(f.city.adminId), f.county.unitId, samplePerson('县职称管理员'), ['title'], f.core.meta);
    const outside = await rcr(countyTitle.accountId).post('', { roleCode: 'personnel.clerk', proposal: { comment: 'x' } });
    expect([outside.status, outside.body.error.details.rule]).toEqual([403, 'R15']);
    expect((await rcr(countyTitle.accountId).post('', { roleCode: 'title.reviewer', proposal: { comment: '职称' } })).status).toBe(201);

    const employer = await f.child(f.county.adminId, 'employer', '人事提议单位');
    const personnel = await rcr(employer.adminId).post('', { roleCode: 'personnel.clerk', proposal: { comment: '人事' } });
    expect(personnel.status).toBe(201);
    const refused = await rcr(countyTitle.accountId).post(`/${personnel.body.id}/forward`);
    expect([refused.status, refused.body.error.details.rule]).toEqual([403, 'R15']);
    expect((await rcr(f.county.adminId).post(`/${personnel.body.id}/forward`)).body.currentReviewerUnitId).toBe(f.city.unitId);

    // Pure table: a non-hrss administrator has no scope (null) and so covers every subsystem.
    const employerAdmin: Actor = { accountId: 'a', kind: 'admin', unitId: 'u', unitKind: 'employer', unitLevel: null, scope: null, roles: [], personId: 'p' };
    expect(['personnel', 'title', 'talent', 'allocation'].every((s) => can(employerAdmin, 'role-change.create', { subsystem: s }))).toBe(true);
  });

  it('R16: accepting a new-role proposal needs a code (400 role_change.code_required), a free one (409 role.code_taken); the request stays pending until it works', async () => {
    const employer = await f.child(f.county.adminId, 'employer', '无代码提议医院');
    const provincial = await f.child(f.province.adminId, 'employer', '省直单位');
    // A province-level employer's bureau is the province itself: no forwarding needed.
    const filed = await rcr(provincial.adminId).post('', { proposal: { subsystem: 'talent', name: '人才-窗口', addModules: ['talent:green-card'], comment: '新增' } });
    expect(filed.body.currentReviewerUnitId).toBe(f.province.unitId);
    const id = filed.body.id;
    const province = rcr(f.province.adminId);

    const noCode = await province.post(`/${id}/accept`, {});
    expect([noCode.status, noCode.body.error.code]).toEqual([400, 'role_change.code_required']);
    const taken = await province.post(`/${id}/accept`, { roleCode: 'title.reviewer' });
    expect([taken.status, taken.body.error.code]).toEqual([409, 'role.code_taken']);
    expect((await province.get(`/${id}`)).body).toMatchObject({ status: 'pending', currentReviewerUnitId: f.province.unitId });

    // A code is proposed only for a new role.
    const mixed = await rcr(provincial.adminId).post('', { roleCode: 'title.reviewer', proposal: { code: freshCode(), comment: 'x' } });
    expect([mixed.status, mixed.body.error.code]).toEqual([400, 'role_change.code_for_new_role']);

    const code = freshCode('talent');
    const accepted = await province.post(`/${id}/accept`, { roleCode: code });
    expect(accepted.body).toMatchObject({ status: 'accepted', roleCode: code });
    expect((await f.api(f.token(employer.adminId), 'GET', `/roles/${code}`)).body).toMatchObject({ modules: ['talent:green-card'], subsystem: 'talent', provincial: true });

    // `apply: false` closes a proposal without creating anything.
    const other = await rcr(provincial.adminId).post('', { proposal: { subsystem: 'talent', code: freshCode('talent'), name: '不建', addModules: ['talent:postdoc'], comment: 'x' } });
    expect(other.status).toBe(201);
    expect((await province.post(`/${other.body.id}/accept`, { apply: false })).body).toMatchObject({ status: 'accepted', roleCode: null });
    expect((await f.api(f.token(f.province.adminId), 'GET', `/roles/${other.body.proposal.code}`)).status).toBe(404);
  });
});
