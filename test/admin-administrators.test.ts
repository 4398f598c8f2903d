import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

/**
 * Issue 5 item 10 — R6: a unit replaces and retires its administrators. Retiring goes through
 * POST /accounts/{id}/offboard, re-scoping through PUT /accounts/{id}/scope; both follow the power
 * rule of item 1, are audited, and keep what R6 requires of the unit.
 */
let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());

const call = (accountId: string, method: string, path: string, body?: unknown) => f.api(f.token(accountId), method, path, body);
const outcome = (res: { status: number; body: any }) => [res.status, res.body.error?.code ?? null];

const addAdmin = async (byId: string, unitId: string, scope: string[]) => {
  const res = await call(byId, 'POST', `/units/${unitId}/admins`, { ...samplePerson('分管管理员'), scope });
  expect(res.status).toBe(201);
  return res.body.accountId as string;
};

const events = async (action: string, targetId: string) => {
  const [rows] = await f.core.base.db.sequelize.query(
    'SELECT actor_account_id AS "actorId", details FROM audit_events WHERE action = :action AND target_id = :targetId ORDER BY seq',
    { replacements: { action, targetId } },
  );
  return rows as Array<{ actorId: string; details: Record<string, unknown> }>;
};

const activeAdmins = async (byId: string, unitId: string) =>
  (await call(byId, 'GET', `/accounts?unitId=${unitId}&kind=admin&status=active`)).body.items.map((a: { id: string }) => a.id).sort();

describe('issue 5 item 10 — R6: retiring administrators', () => {
  it('R6: an hrss unit retires a scoped administrator: its token dies at once and the event is written', async () => {
    const city = await f.child(f.province.adminId, 'hrss', '退休分管市人社局');
    const scoped = await addAdmin(city.adminId, city.unitId, ['title']);
    const token = await f.token(scoped);
    expect((await f.api(token, 'GET', `/units/${city.unitId}`)).status).toBe(200);

    const res = await call(city.adminId, 'POST', `/accounts/${scoped}/offboard`, {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: scoped, kind: 'admin', status: 'offboarded', endedAt: expect.any(String) });
    const dead = await f.api(token, 'GET', `/units/${city.unitId}`);
    expect([dead.status, dead.body.error?.code]).toEqual([401, 'auth.account_inactive']);
    expect(await events('account.offboard', scoped)).toEqual([{ actorId: city.adminId, details: { kind: 'admin' } }]);
    expect(await activeAdmins(city.adminId, city.unitId)).toEqual([city.adminId]);
    expect(outcome(await call(city.adminId, 'POST', `/accounts/${scoped}/offboard`, {}))).toEqual([409, 'account.already_offboarded']);
  });

  it('R6: a non-hrss unit’s only administrator is not retired: 409 unit.last_admin pointing to change-admin', async () => {
    const employer = await f.child(f.county.adminId, 'employer', '唯一管理员医院');
    const res = await call(f.county.adminId, 'POST', `/accounts/${employer.adminId}/offboard`, {});
    expect(outcome(res)).toEqual([409, 'unit.last_admin']);
    expect(res.body.error.message).toContain('PUT /units/{id}/admin');
    expect(res.body.error.details).toMatchObject({ rule: 'R6', unitId: employer.unitId });
    expect((await call(employer.adminId, 'GET', `/units/${employer.unitId}`)).status).toBe(200);
    // Replacing it is the way (R7), and the replaced one is disabled.
    expect((await call(f.county.adminId, 'PUT', `/units/${employer.unitId}/admin`, samplePerson('接任'))).status).toBe(200);
  });

  it('R6: an hrss unit keeps at least one administrator with scope all', async () => {
    const city = await f.child(f.province.adminId, 'hrss', '保留全权市人社局');
    expect(outcome(await call(f.province.adminId, 'POST', `/accounts/${city.adminId}/offboard`, {}))).toEqual([409, 'unit.last_admin']);
    const second = await addAdmin(city.unitAccountId, city.unitId, ['all']);
    expect((await call(f.province.adminId, 'POST', `/accounts/${city.adminId}/offboard`, {})).status).toBe(200);
    expect(outcome(await call(f.province.adminId, 'POST', `/accounts/${second}/offboard`, {}))).toEqual([409, 'unit.last_admin']);
    expect(await activeAdmins(f.province.adminId, city.unitId)).toEqual([second]);
  });

  it('R6: two retirements racing leave one scope-all administrator (one 200, one 409)', async () => {
    const city = await f.child(f.province.adminId, 'hrss', '并发退休市人社局');
    const second = await addAdmin(city.unitAccountId, city.unitId, ['all']);
    const token = await f.token(f.province.adminId);
    const answers = await Promise.all([city.adminId, second].map((id) => f.api(token, 'POST', `/accounts/${id}/offboard`, {})));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await activeAdmins(f.province.adminId, city.unitId)).toHaveLength(1);
  });

  it('R6/item 1: who may retire whom — the unit above or a scope-all peer; never a scoped one, nor oneself, nor a unit account', async () => {
    const city = await f.child(f.province.adminId, 'hrss', '退休权限市人社局');
    const scoped = await addAdmin(city.adminId, city.unitId, ['title']);
    const other = await addAdmin(city.adminId, city.unitId, ['talent']);
    expect(outcome(await call(scoped, 'POST', `/accounts/${other}/offboard`, {}))).toEqual([403, 'account.power_exceeded']);
    expect(outcome(await call(scoped, 'POST', `/accounts/${city.adminId}/offboard`, {}))).toEqual([403, 'account.power_exceeded']);
    expect(outcome(await call(city.adminId, 'POST', `/accounts/${city.adminId}/offboard`, {}))).toEqual([403, 'account.power_exceeded']);
    expect(outcome(await call(f.city2.adminId, 'POST', `/accounts/${other}/offboard`, {}))).toEqual([404, 'account.not_found']);
    expect(outcome(await call(f.province.adminId, 'POST', `/accounts/${city.unitAccountId}/offboard`, {}))).toEqual([409, 'account.not_offboardable']);
    expect((await call(f.province.adminId, 'POST', `/accounts/${other}/offboard`, {})).status).toBe(200);
  });
});

describe('issue 5 item 10 — R6: re-scoping hrss administrators', () => {
  it('R6: a scope-all administrator re-scopes its scoped administrator; the new scope applies at once and is audited', async () => {
    const city = await f.child(f.province.adminId, 'hrss', '调整分管市人社局');
    const scoped = await addAdmin(city.adminId, city.unitId, ['title']);
    const op = await f.operator(city.adminId, ['talent.reviewer']);
    expect(outcome(await call(scoped, 'POST', `/accounts/${op}/reset-password`))).toEqual([403, 'account.power_exceeded']);

    const res = await call(city.adminId, 'PUT', `/accounts/${scoped}/scope`, { scope: ['title', 'talent', 'title'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: scoped, kind: 'admin', scope: ['talent', 'title'] });
    expect((await call(scoped, 'POST', `/accounts/${op}/reset-password`)).status).toBe(200);
    expect(await events('account.rescope', scoped)).toEqual([{ actorId: city.adminId, details: { before: ['title'], after: ['talent', 'title'] } }]);
    // The same scope again changes nothing and writes nothing.
    expect((await call(city.adminId, 'PUT', `/accounts/${scoped}/scope`, { scope: ['title', 'talent'] })).status).toBe(200);
    expect(await events('account.rescope', scoped)).toHaveLength(1);
  });

  it('R6/item 1: scope all is given only by the unit account or the unit above; a scoped administrator re-scopes nobody', async () => {
    const city = await f.child(f.province.adminId, 'hrss', '授予全权市人社局');
    const scoped = await addAdmin(city.adminId, city.unitId, ['title']);
    const other = await addAdmin(city.adminId, city.unitId, ['talent']);
    expect(outcome(await call(city.adminId, 'PUT', `/accounts/${scoped}/scope`, { scope: ['all'] }))).toEqual([403, 'account.power_exceeded']);
    expect(outcome(await call(scoped, 'PUT', `/accounts/${other}/scope`, { scope: ['title'] }))).toEqual([403, 'auth.forbidden']);
    expect(outcome(await call(city.adminId, 'PUT', `/accounts/${city.adminId}/scope`, { scope: ['title'] }))).toEqual([403, 'account.power_exceeded']);
    expect(outcome(await call(f.city2.adminId, 'PUT', `/accounts/${scoped}/scope`, { scope: ['title'] }))).toEqual([404, 'account.not_found']);

    const byUnitAccount = await call(city.unitAccountId, 'PUT', `/accounts/${scoped}/scope`, { scope: ['all', 'title'] });
    expect([byUnitAccount.status, byUnitAccount.body.scope]).toEqual([200, ['all']]);
    // Now an equal: the first scope-all administrator no longer acts on it; the unit above does.
    expect(outcome(await call(city.adminId, 'PUT', `/accounts/${scoped}/scope`, { scope: ['title'] }))).toEqual([403, 'account.power_exceeded']);
    expect((await call(f.province.adminId, 'PUT', `/accounts/${other}/scope`, { scope: ['all'] })).status).toBe(200);
  });

  it('R6: the last scope-all administrator keeps its scope (409 unit.last_admin); non-hrss administrators have none (409)', async () => {
    const city = await f.child(f.province.adminId, 'hrss', '末位全权市人社局');
    expect(outcome(await call(f.province.adminId, 'PUT', `/accounts/${city.adminId}/scope`, { scope: ['title'] }))).toEqual([409, 'unit.last_admin']);
    const second = await addAdmin(city.unitAccountId, city.unitId, ['all']);
    expect((await call(f.province.adminId, 'PUT', `/accounts/${city.adminId}/scope`, { scope: ['title'] })).body.scope).toEqual(['title']);
    expect(outcome(await call(f.province.adminId, 'PUT', `/accounts/${second}/scope`, { scope: ['personnel'] }))).toEqual([409, 'unit.last_admin']);

    const employer = await f.child(f.county.adminId, 'employer', '无分管医院');
    expect(outcome(await call(f.county.adminId, 'PUT', `/accounts/${employer.adminId}/scope`, { scope: ['title'] }))).toEqual([409, 'account.not_hrss_admin']);
    expect(outcome(await call(f.county.adminId, 'PUT', `/accounts/${f.countyOperator}/scope`, { scope: ['title'] }))).toEqual([409, 'account.not_hrss_admin']);
  });
});
