import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());

const as = (accountId: string) => ({
  get: (path: string) => f.api(f.token(accountId), 'GET', path),
  post: (path: string, body: unknown = {}) => f.api(f.token(accountId), 'POST', path, body),
  put: (path: string, body: unknown) => f.api(f.token(accountId), 'PUT', path, body),
  del: (path: string) => f.api(f.token(accountId), 'DELETE', path),
});
const codes = (res: { body: { items: Array<{ code: string }> } }) => res.body.items.map((r) => r.code);
const auditCount = async (action: string, targetId: string) => {
  const [rows] = await f.core.base.db.sequelize.query('SELECT count(*)::int AS n FROM audit_events WHERE action = :action AND target_id = :targetId', {
    replacements: { action, targetId },
  });
  return (rows as Array<{ n: number }>)[0]!.n;
};

describe('role catalogue (R15)', () => {
  it('R15: the province hrss administrator adds to the provincial catalogue, audited', async () => {
    const res = await as(f.province.adminId).post('/roles', { code: 'talent.clerk', name: '人才服务-经办', subsystem: 'talent', modules: ['talent:postdoc', 'talent:overseas'] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ code: 'talent.clerk', ownerUnitId: null, provincial: true, grantable: true, status: 'active' });
    expect(await auditCount('role.create', res.body.id)).toBe(1);
  });

  it('R15: a role is built only from modules of its subsystem (400 role.module_invalid)', async () => {
    const res = await as(f.province.adminId).post('/roles', { code: 'title.mixed', name: '混合', subsystem: 'title', modules: ['title:apply', 'personnel:rewards', 'title:nope'] });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'role.module_invalid', details: { invalid: ['personnel:rewards', 'title:nope'] } });
  });

  it('R15: role codes are unique (409 role.code_taken)', async () => {
    const res = await as(f.city.adminId).post('/roles', { code: 'title.reviewer', name: '重复', subsystem: 'title', modules: ['title:apply'] });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('role.code_taken');
  });

  it('R15/R17: a city hrss role is grantable below the city and invisible to a sibling city', async () => {
    const made = await as(f.city.adminId).post('/roles', { code: 'title.city-verify', name: '市级核验', subsystem: 'title', modules: ['title:unit-verify'] });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ ownerUnitId: f.city.unitId, provincial: false });
    for (const below of [f.county.adminId, f.employer.adminId]) {
      const seen = await as(below).get('/roles?subsystem=title');
      expect(seen.body.items.find((r: { code: string }) => r.code === 'title.city-verify')).toMatchObject({ grantable: true });
      expect(codes(seen).every((c: string) => c.startsWith('title.'))).toBe(true);
    }
    expect(codes(await as(f.city2.adminId).get('/roles'))).not.toContain('title.city-verify');
    expect((await as(f.city2.adminId).get('/roles/title.city-verify')).status).toBe(404);
  });

  it('R15: only hrss administrators whose scope covers the subsystem define roles', async () => {
    const refused = await as(f.employer.adminId).post('/roles', { code: 'title.own', name: '自定义', subsystem: 'title', modules: ['title:apply'] });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'auth.forbidden', details: { rule: 'R15' } });

    const scoped = await f.core.services.units.addHrssAdmin(await f.core.actor(f.province.adminId), f.province.unitId, samplePerson('职称管理员'), ['title'], f.core.meta);
    expect((await as(scoped.accountId).post('/roles', { code: 'personnel.x', name: 'x', subsystem: 'personnel', modules: ['personnel:rewards'] })).status).toBe(403);
    expect((await as(scoped.accountId).post('/roles', { code: 'title.x', name: 'x', subsystem: 'title', modules: ['title:apply'] })).status).toBe(201);
  });

  it('R15: the provincial catalogue is edited by the province only; hrss units edit roles of their jurisdiction', async () => {
    const made = await as(f.city.adminId).post('/roles', { code: 'title.city-edit', name: '市级核验', subsystem: 'title', modules: ['title:unit-verify'] });
    expect(made.status).toBe(201);
    const byCity = await as(f.city.adminId).put('/roles/title.applicant', { name: '改名' });
    expect(byCity.status).toBe(403);
    const byProvince = await as(f.province.adminId).put('/roles/title.applicant', { modules: ['title:apply', 'title:continuing-education'] });
    expect(byProvince.status).toBe(200);
    expect(byProvince.body.modules).toEqual(['title:apply', 'title:continuing-education']);

    const byCounty = await as(f.county.adminId).put('/roles/title.city-edit', { name: '县改' });
    expect(byCounty.status).toBe(403);
    expect(byCounty.body.error.code).toBe('role.not_owner');
    const byOwner = await as(f.city.adminId).put('/roles/title.city-edit', { name: '市级单位核验' });
    expect(byOwner.body).toMatchObject({ name: '市级单位核验' });
    expect(await auditCount('role.update', byOwner.body.id)).toBe(1);
  });

  it('serves the module catalogue per subsystem', async () => {
    const res = await as(f.employer.adminId).get('/modules?subsystem=title');
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0].modules).toContainEqual({ code: 'title:unit-verify', name: '单位内部核验' });
  });

  it('R7/R9: unit accounts and operators may not read the catalogue', async () => {
    expect((await as(f.county.unitAccountId).get('/roles')).status).toBe(403);
    expect((await as(f.countyOperator).get('/roles')).status).toBe(403);
  });
});

describe('granting roles (R9, R17)', () => {
  it('R17: choose a role, add users — operators of the caller’s own unit', async () => {
    const op = await f.operator(f.employer.adminId);
    const res = await as(f.employer.adminId).post('/roles/title.reviewer/members', { accountIds: [op] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ code: 'title.reviewer', accountIds: [op] });
    expect((await f.core.actor(op)).roles).toContain('title.reviewer');
    expect(await auditCount('role.grant', op)).toBe(1);
    // A role of the city above is grantable too (R17).
    expect((await as(f.city.adminId).post('/roles', { code: 'title.city-grant', name: '市级核验', subsystem: 'title', modules: ['title:unit-verify'] })).status).toBe(201);
    const city = await as(f.employer.adminId).post('/roles/title.city-grant/members', { accountIds: [op] });
    expect(city.status).toBe(200);
    expect((await f.core.actor(op)).roles).toEqual(['title.city-grant', 'title.reviewer']);
  });

  it('R9: unit and administrator accounts never receive roles (403 role.separation_of_duties)', async () => {
    for (const id of [f.employer.adminId, f.employer.unitAccountId]) {
      const res = await as(f.employer.adminId).post('/roles/title.reviewer/members', { accountIds: [id] });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('role.separation_of_duties');
    }
  });

  it('R10: an operator of a unit below the caller is refused (403 account.not_own_operator, as on PUT /accounts/{id}/roles); outside the jurisdiction it is not found (404)', async () => {
    const below = await as(f.county.adminId).post('/roles/title.reviewer/members', { accountIds: [f.employerOperator] });
    expect([below.status, below.body.error.code]).toEqual([403, 'account.not_own_operator']);
    const perAccount = await as(f.county.adminId).put(`/accounts/${f.employerOperator}/roles`, { roles: ['title.reviewer'] });
    expect([perAccount.status, perAccount.body.error.code]).toEqual([403, 'account.not_own_operator']);
    const outside = await as(f.city2.adminId).post('/roles/title.reviewer/members', { accountIds: [f.employerOperator] });
    expect([outside.status, outside.body.error.code]).toEqual([404, 'account.not_found']);
    const removal = await as(f.city2.adminId).del(`/roles/title.reviewer/members/${f.employerOperator}`);
    expect([removal.status, removal.body.error.code]).toEqual([404, 'account.not_found']);
  });

  it('R10/R17: a role of a unit not above the caller’s is out of sight (404); org roles only in hrss units (403 role.not_grantable)', async () => {
    await as(f.city2.adminId).post('/roles', { code: 'title.city2-verify', name: '另一市核验', subsystem: 'title', modules: ['title:unit-verify'] });
    const foreign = await as(f.employer.adminId).post('/roles/title.city2-verify/members', { accountIds: [f.employerOperator] });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('role.not_found');
    const org = await as(f.employer.adminId).post('/roles/org.affiliation-reviewer/members', { accountIds: [f.employerOperator] });
    expect(org.body.error.code).toBe('role.not_grantable');
    expect((await as(f.county.adminId).post('/roles/org.affiliation-reviewer/members', { accountIds: [f.countyOperator] })).status).toBe(200);
  });

  it('R25: a refused grant leaves nothing behind — grants and their audit events share one transaction', async () => {
    const fresh = await f.operator(f.employer.adminId);
    const res = await as(f.employer.adminId).post('/roles/personnel.clerk/members', { accountIds: [fresh, f.employer.adminId] });
    expect(res.status).toBe(403);
    expect((await f.core.actor(fresh)).roles).toEqual([]);
    expect(await auditCount('role.grant', fresh)).toBe(0);
  });

  it('R17: removes a member; disabled roles cannot be granted (409)', async () => {
    expect((await as(f.city.adminId).post('/roles', { code: 'title.city-revoke', name: '市级核验', subsystem: 'title', modules: ['title:unit-verify'] })).status).toBe(201);
    const op = await f.operator(f.employer.adminId, ['title.city-revoke']);
    const res = await as(f.employer.adminId).del(`/roles/title.city-revoke/members/${op}`);
    expect(res.status).toBe(200);
    expect(res.body.accountIds).toEqual([]);
    expect((await f.core.actor(op)).roles).toEqual([]);
    expect(await auditCount('role.revoke', op)).toBe(1);
    expect((await as(f.province.adminId).post('/roles', { code: 'talent.retired', name: '停用角色', subsystem: 'talent', modules: ['talent:postdoc'] })).status).toBe(201);
    expect((await as(f.province.adminId).put('/roles/talent.retired', { status: 'disabled' })).body.status).toBe('disabled');
    const disabled = await as(f.employer.adminId).post('/roles/talent.retired/members', { accountIds: [op] });
    expect(disabled.status).toBe(409);
    expect(disabled.body.error.code).toBe('role.disabled');
  });

  it('R17: sets an operator’s roles per account (setAccountRoles), one audited change', async () => {
    const id = await f.operator(f.employer.adminId, ['title.applicant']);
    const res = await as(f.employer.adminId).put(`/accounts/${id}/roles`, { roles: ['title.reviewer', 'personnel.clerk'] });
    expect(res.status).toBe(200);
    expect((await f.core.actor(id)).roles).toEqual(['personnel.clerk', 'title.reviewer']);
    expect(await auditCount('account.set-roles', id)).toBe(2);
    const unknown = await as(f.employer.adminId).put(`/accounts/${id}/roles`, { roles: ['title.nonexistent'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('role.unknown');
  });

  it('R15/R17: an hrss administrator grants only roles of subsystems in its scope', async () => {
    const scoped = await f.core.services.units.addHrssAdmin(await f.core.actor(f.city.adminId), f.county.unitId, samplePerson('县职称管理员'), ['title'], f.core.meta);
    const op = await f.operator(f.county.adminId);
    expect((await as(scoped.accountId).post('/roles/personnel.clerk/members', { accountIds: [op] })).status).toBe(403);
    expect((await as(scoped.accountId).post('/roles/title.expert/members', { accountIds: [op] })).status).toBe(200);
  });
});
