import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { maskIdNumber, maskPhone } from '../directory/masking.ts';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

/**
 * Units and accounts through the admin API (R6, R7, R10, R11, R12, R25, unit disabling, bad input):
 * the real app over HTTP with provider-minted admin tokens, one fixture for the file. Tests that
 * change a unit's administrator or move accounts work on units of their own (`f.child`).
 */
let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());

const call = (accountId: string, method: string, path: string, body?: unknown) => f.api(f.token(accountId), method, path, body);
const get = (accountId: string, path: string) => call(accountId, 'GET', path);
const uuid = () => crypto.randomUUID();
let usccSeq = 8700;

describe('R7: the unit account (or the creating unit) changes a unit’s administrator', () => {
  it('R7: the unit account replaces its administrator; the old one is disabled and its token answers 401 at once', async () => {
    const u = await f.child(f.county.adminId, 'employer', '甲医院');
    const oldToken = await f.token(u.adminId);
    expect((await f.api(oldToken, 'GET', `/units/${u.unitId}`)).status).toBe(200);

    const next = samplePerson('新任管理员');
    const res = await call(u.unitAccountId, 'PUT', `/units/${u.unitId}/admin`, next);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ username: maskIdNumber(next.idNumber), initialPassword: expect.any(String) });
    expect(res.body.accountId).not.toBe(u.adminId);

    const refused = await f.api(oldToken, 'GET', `/units/${u.unitId}`);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('auth.account_inactive');
    expect((await get(f.county.adminId, `/accounts/${u.adminId}`)).body).toMatchObject({ status: 'disabled', endedAt: expect.any(String) });
    expect((await get(res.body.accountId, `/units/${u.unitId}`)).status).toBe(200);
    // R6: still exactly one active administrator.
    const admins = await get(f.county.adminId, `/accounts?unitId=${u.unitId}&kind=admin&status=active`);
    expect(admins.body.items.map((a: { id: string }) => a.id)).toEqual([res.body.accountId]);
  });

  it('R7: an administrator of the creating unit replaces it too, and the change is audited', async () => {
    const u = await f.child(f.county.adminId, 'employer', '乙医院');
    const oldToken = await f.token(u.adminId);
    const res = await call(f.county.adminId, 'PUT', `/units/${u.unitId}/admin`, samplePerson('县局指定管理员'));
    expect(res.status).toBe(200);
    expect((await f.api(oldToken, 'GET', '/accounts')).status).toBe(401);
    const events = await get(f.county.adminId, `/audit-events?action=unit.change-admin&unitId=${u.unitId}`);
    expect(events.body.items).toHaveLength(1);
    expect(events.body.items[0]).toMatchObject({
      actor: { accountId: f.county.adminId },
      target: { type: 'unit', id: u.unitId },
      details: { previous: [u.adminId], adminAccountId: res.body.accountId },
    });
  });

  it('R7/R10: the unit’s own administrator gets 403, an unrelated unit’s administrator and another unit account 404, an operator 403', async () => {
    const u = await f.child(f.county.adminId, 'employer', '丙医院');
    const put = (who: string) => call(who, 'PUT', `/units/${u.unitId}/admin`, samplePerson());
    const own = await put(u.adminId);
    expect(own.status).toBe(403);
    expect(own.body.error.code).toBe('unit.change_own_admin');
    for (const stranger of [f.city2.adminId, f.employer.unitAccountId]) {
      const res = await put(stranger);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('unit.not_found');
    }
    expect((await put(f.countyOperator)).status).toBe(403);
    // Nothing changed: the administrator still acts.
    expect((await get(u.adminId, `/units/${u.unitId}`)).status).toBe(200);
  });

  it('R7/R9: a unit account reads its own unit only and never administers (403 on units, accounts, roles)', async () => {
    const ua = f.employer.unitAccountId;
    expect((await get(ua, `/units/${f.employer.unitId}`)).body).toMatchObject({ id: f.employer.unitId, kind: 'employer' });
    expect((await get(ua, `/units/${f.county.unitId}`)).status).toBe(404);
    expect((await get(ua, '/units')).body.items.map((x: { id: string }) => x.id)).toEqual([f.employer.unitId]);
    const refusals: Array<[string, string, unknown?]> = [
      ['POST', '/units', { kind: 'employer', category: 'institution', name: '单位账号建的单位', admin: samplePerson() }],
      ['POST', '/accounts', samplePerson()],
      ['GET', '/roles'],
      ['GET', '/accounts'],
      ['POST', `/accounts/${f.employerOperator}/offboard`, {}],
      ['POST', `/units/${f.employer.unitId}/disable`],
    ];
    for (const [method, path, body] of refusals) {
      const res = await call(ua, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'auth.forbidden', details: { rule: 'R7' } });
    }
  });
});

describe('R6: several scoped administrators in hrss units only', () => {
  it('R6: an hrss unit gets a scoped administrator; a non-hrss unit answers 409 unit.single_admin', async () => {
    const p = samplePerson('职称管理员');
    const added = await call(f.province.adminId, 'POST', `/units/${f.city.unitId}/admins`, { ...p, scope: ['title'] });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ username: maskIdNumber(p.idNumber), initialPassword: expect.any(String) });
    expect((await get(f.province.adminId, `/accounts/${added.body.accountId}`)).body).toMatchObject({
      kind: 'admin',
      unitId: f.city.unitId,
      status: 'active',
      scope: ['title'],
    });
    const admins = await get(f.city.adminId, `/accounts?kind=admin&status=active`);
    expect(admins.body.items.map((a: { id: string }) => a.id).sort()).toEqual([f.city.adminId, added.body.accountId].sort());

    // Only an administrator with scope "all" adds administrators (the unit tree needs scope "all", R6).
    const scoped = await call(added.body.accountId, 'POST', `/units/${f.city.unitId}/admins`, { ...samplePerson(), scope: ['talent'] });
    expect(scoped.status).toBe(403);
    expect(scoped.body.error).toMatchObject({ code: 'auth.forbidden', details: { rule: 'R6' } });

    for (const who of [f.province.adminId, f.county.adminId]) {
      const single = await call(who, 'POST', `/units/${f.employer.unitId}/admins`, { ...samplePerson(), scope: ['all'] });
      expect(single.status).toBe(409);
      expect(single.body.error.code).toBe('unit.single_admin');
    }
    expect((await call(f.city2.adminId, 'POST', `/units/${f.city.unitId}/admins`, { ...samplePerson(), scope: ['all'] })).status).toBe(404);
  });
});

describe('R6/R7: administrator changes keep what they should', () => {
  it('R7: the creating unit keeps the power after the unit affiliated elsewhere', async () => {
    // Created by the county, unaffiliated; then confirmed under the city (outside the county's subtree).
    const made = await call(f.county.adminId, 'POST', '/units', { kind: 'employer', category: 'institution', name: '外挂单位', uscc: sampleUscc(usccSeq++), admin: samplePerson() });
    const req = await call(made.body.admin.accountId, 'POST', '/affiliation-requests', { targetUnitId: f.city2.unitId });
    expect((await call(f.city2.adminId, 'POST', `/affiliation-requests/${req.body.id}/approve`, {})).status).toBe(200);
    expect((await get(f.county.adminId, `/units/${made.body.unit.id}`)).status).toBe(404); // no longer in its jurisdiction (R10)
    const res = await call(f.county.adminId, 'PUT', `/units/${made.body.unit.id}/admin`, samplePerson('创建单位指定'));
    expect(res.status).toBe(200);
  });

  it('R6/R7: replacing an hrss unit\'s administrator keeps its scoped administrators', async () => {
    const county = await f.child(f.city.adminId, 'hrss', '另一县人社局');
    const scoped = await call(f.city.adminId, 'POST', `/units/${county.unitId}/admins`, { ...samplePerson('职称管理员'), scope: ['title'] });
    expect(scoped.status).toBe(201);
    const res = await call(f.city.adminId, 'PUT', `/units/${county.unitId}/admin`, samplePerson('新县局管理员'));
    expect(res.status).toBe(200);
    const admins = await get(f.city.adminId, `/accounts?unitId=${county.unitId}&kind=admin&status=active`);
    expect(admins.body.items.map((a: { id: string }) => a.id).sort()).toEqual([scoped.body.accountId, res.body.accountId].sort());
    expect((await get(f.city.adminId, `/accounts/${county.adminId}`)).body.status).toBe('disabled');
  });
});

describe('R11: operator migration', () => {
  it('R11: the old unit asks, the new unit accepts: same id, new unit, roles gone, old tokens dead', async () => {
    const from = await f.child(f.county.adminId, 'employer', '调出医院');
    const to = await f.child(f.county.adminId, 'employer', '调入医院');
    const made = await call(from.adminId, 'POST', '/accounts', { ...samplePerson('调动人员'), roles: ['title.reviewer'] });
    expect(made.status).toBe(201);
    const opId: string = made.body.account.id;
    const opToken = await f.token(opId);
    expect((await f.api(opToken, 'GET', '/roles')).status).toBe(403); // authenticated, not authorized (R9)

    const asked = await call(from.adminId, 'POST', `/accounts/${opId}/migrate`, { toUnitId: to.unitId });
    expect(asked.status).toBe(200);
    expect(asked.body).toEqual({ status: 'pending', requestId: expect.any(String) });
    // Pending: nothing moved yet, and one pending request per account.
    expect((await get(from.adminId, `/accounts/${opId}`)).body).toMatchObject({ unitId: from.unitId, roles: ['title.reviewer'] });
    expect((await f.api(opToken, 'GET', '/roles')).status).toBe(403);
    const again = await call(from.adminId, 'POST', `/accounts/${opId}/migrate`, { toUnitId: to.unitId });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('migration.pending_exists');

    // The new unit finds it in its list of migrations (R11).
    const inbox = await get(to.adminId, '/migrations?status=pending');
    expect(inbox.body.items).toEqual([expect.objectContaining({ id: asked.body.requestId, accountId: opId, fromUnitId: from.unitId, toUnitId: to.unitId })]);
    const accepted = await call(to.adminId, 'POST', `/migrations/${asked.body.requestId}/accept`, {});
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ id: asked.body.requestId, status: 'accepted' });

    expect((await get(to.adminId, `/accounts/${opId}`)).body).toMatchObject({ id: opId, kind: 'operator', unitId: to.unitId, status: 'active', roles: [] });
    expect((await get(from.adminId, `/accounts/${opId}`)).status).toBe(404);
    const dead = await f.api(opToken, 'GET', '/roles');
    expect(dead.status).toBe(401);
    expect(dead.body.error.code).toBe('auth.account_inactive');
    const twice = await call(to.adminId, 'POST', `/migrations/${asked.body.requestId}/accept`, {});
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('migration.decided');

    const events = await get(to.adminId, '/audit-events?action=account.migrate');
    expect(events.body.items[0]).toMatchObject({
      actor: { accountId: to.adminId },
      target: { type: 'account', id: opId },
      unitId: to.unitId,
      details: { fromUnitId: from.unitId, toUnitId: to.unitId, removedRoles: ['title.reviewer'] },
    });
  });

  it('R11: only the new unit’s administrator decides; a rejection leaves the account where it was', async () => {
    const from = await f.child(f.county.adminId, 'employer', '丁医院');
    const to = await f.child(f.county.adminId, 'employer', '戊医院');
    const opId = await f.operator(from.adminId);
    const asked = await call(from.adminId, 'POST', `/accounts/${opId}/migrate`, { toUnitId: to.unitId });
    expect(asked.body.status).toBe('pending');
    for (const who of [from.adminId, f.county.adminId, f.city2.adminId]) {
      const res = await call(who, 'POST', `/migrations/${asked.body.requestId}/accept`, {});
      expect(res.status, who).toBe(404);
      expect(res.body.error.code).toBe('migration.not_found');
    }
    const rejected = await call(to.adminId, 'POST', `/migrations/${asked.body.requestId}/reject`, { reason: '编制已满' });
    expect(rejected.body).toEqual({ id: asked.body.requestId, status: 'rejected' });
    expect((await get(from.adminId, `/accounts/${opId}`)).body).toMatchObject({ unitId: from.unitId, status: 'active' });
    expect((await call(to.adminId, 'POST', `/migrations/${asked.body.requestId}/accept`, {})).status).toBe(409);
    const reject = (await get(to.adminId, '/audit-events?action=account.migrate-reject')).body.items[0];
    expect(reject).toMatchObject({ target: { id: opId }, reason: '编制已满' });
    // The request is closed: a new one may be made.
    expect((await call(from.adminId, 'POST', `/accounts/${opId}/migrate`, { toUnitId: to.unitId })).body.status).toBe('pending');
  });

  it('R11: an administrator of a common upper unit migrates at once', async () => {
    const from = await f.child(f.county.adminId, 'employer', '己医院');
    const to = await f.child(f.county.adminId, 'employer', '庚医院');
    const opId = await f.operator(from.adminId, ['title.reviewer']);
    const res = await call(f.county.adminId, 'POST', `/accounts/${opId}/migrate`, { toUnitId: to.unitId });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'accepted', account: { id: opId, unitId: to.unitId, roles: [] } });
    expect(res.body.requestId).toBeUndefined();
  });

  it('R11/R10: refusals — not an operator, outside the jurisdiction, not one’s own, same or unknown unit', async () => {
    const from = await f.child(f.county.adminId, 'employer', '辛医院');
    const opId = await f.operator(from.adminId);
    const migrate = (who: string, id: string, toUnitId: string) => call(who, 'POST', `/accounts/${id}/migrate`, { toUnitId });
    const cases: Array<[string, () => ReturnType<typeof migrate>, number, string]> = [
      ['an administrator account', () => migrate(f.county.adminId, from.adminId, f.employer.unitId), 409, 'account.not_migratable'],
      ['an account outside the jurisdiction', () => migrate(f.city2.adminId, opId, f.city2.unitId), 404, 'account.not_found'],
      ['another unit’s operator to a unit outside the jurisdiction', () => migrate(f.city.adminId, opId, f.city2.unitId), 403, 'account.not_own_operator'],
      ['to its own unit', () => migrate(from.adminId, opId, from.unitId), 409, 'account.same_unit'],
      ['to an unknown unit', () => migrate(from.adminId, opId, uuid()), 404, 'unit.not_found'],
      ['by an operator', () => migrate(f.countyOperator, opId, f.employer.unitId), 403, 'auth.forbidden'],
    ];
    for (const [what, send, status, code] of cases) {
      const res = await send();
      expect([what, res.status, res.body.error?.code]).toEqual([what, status, code]);
    }
    expect((await get(from.adminId, `/accounts/${opId}`)).body.unitId).toBe(from.unitId);
  });
});

describe('R12: offboarding', () => {
  it('R12: only the operator’s own unit offboards it, once (409 after); its token answers 401 and the account stays readable', async () => {
    const opId = await f.operator(f.employer.adminId);
    const opToken = await f.token(opId);
    expect((await f.api(opToken, 'GET', '/roles')).status).toBe(403);
    const offboard = (who: string, id = opId) => call(who, 'POST', `/accounts/${id}/offboard`, {});

    const outside = await offboard(f.city2.adminId);
    expect([outside.status, outside.body.error.code]).toEqual([404, 'account.not_found']);
    const above = await offboard(f.county.adminId);
    expect([above.status, above.body.error.code]).toEqual([403, 'account.not_own_operator']);
    const anAdmin = await offboard(f.employer.adminId, f.employer.adminId);
    expect([anAdmin.status, anAdmin.body.error.code]).toEqual([403, 'account.power_exceeded']); // itself (issue 5 item 1)

    const done = await offboard(f.employer.adminId);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: opId, status: 'offboarded', endedAt: expect.any(String), roles: [] });
    expect((await f.api(opToken, 'GET', '/roles')).status).toBe(401);
    const twice = await offboard(f.employer.adminId);
    expect([twice.status, twice.body.error.code]).toEqual([409, 'account.already_offboarded']);

    expect((await get(f.employer.adminId, `/accounts/${opId}`)).body.status).toBe('offboarded');
    const listed = await get(f.employer.adminId, '/accounts?status=offboarded');
    expect(listed.body.items.map((a: { id: string }) => a.id)).toContain(opId);
    const events = await get(f.employer.adminId, '/audit-events?action=account.offboard');
    expect(events.body.items.filter((e: { target: { id: string } }) => e.target.id === opId)).toHaveLength(1);
    // Further changes are refused: a password reset of an offboarded account is a conflict.
    expect((await call(f.employer.adminId, 'POST', `/accounts/${opId}/reset-password`)).status).toBe(409);
  });
});

describe('disabling a unit', () => {
  it('disabling a unit below ends its accounts’ tokens (401); enabling lets them sign in again', async () => {
    const u = await f.child(f.county.adminId, 'employer', '壬医院');
    const opId = await f.operator(u.adminId);
    const adminToken = await f.token(u.adminId);
    const unitToken = await f.token(u.unitAccountId);
    const opToken = await f.token(opId);
    expect((await f.api(adminToken, 'GET', '/accounts')).status).toBe(200);

    const disabled = await call(f.county.adminId, 'POST', `/units/${u.unitId}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id: u.unitId, status: 'disabled' });
    for (const token of [adminToken, unitToken, opToken]) {
      const res = await f.api(token, 'GET', `/units/${u.unitId}`);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('auth.account_inactive');
    }
    // A token minted now (a new sign-in) is refused too while the unit is disabled.
    expect((await f.api(f.app.mintToken(u.adminId), 'GET', '/accounts')).status).toBe(401);
    const listed = await get(f.county.adminId, '/units?status=disabled');
    expect(listed.body.items.map((x: { id: string }) => x.id)).toContain(u.unitId);

    const enabled = await call(f.county.adminId, 'POST', `/units/${u.unitId}/enable`);
    expect(enabled.body.status).toBe('active');
    // The old sessions stay ended; a new sign-in works again.
    expect((await f.api(adminToken, 'GET', '/accounts')).status).toBe(401);
    expect((await f.api(f.app.mintToken(u.adminId), 'GET', '/accounts')).status).toBe(200);
    const events = await get(f.county.adminId, `/audit-events?unitId=${u.unitId}&action=unit.*`);
    expect(events.body.items.map((e: { action: string }) => e.action).slice(0, 2)).toEqual(['unit.enable', 'unit.disable']);
  });

  it('a unit cannot disable itself (403); outside the jurisdiction 404; unit accounts and operators 403', async () => {
    const own = await call(f.county.adminId, 'POST', `/units/${f.county.unitId}/disable`);
    expect([own.status, own.body.error.code]).toEqual([403, 'unit.disable_own']);
    const ownEmployer = await call(f.employer.adminId, 'POST', `/units/${f.employer.unitId}/disable`);
    expect([ownEmployer.status, ownEmployer.body.error.code]).toEqual([403, 'unit.disable_own']);
    const outside = await call(f.city2.adminId, 'POST', `/units/${f.employer.unitId}/disable`);
    expect([outside.status, outside.body.error.code]).toEqual([404, 'unit.not_found']);
    const above = await call(f.county.adminId, 'POST', `/units/${f.city.unitId}/disable`);
    expect(above.status).toBe(404);
    expect((await call(f.countyOperator, 'POST', `/units/${f.employer.unitId}/disable`)).status).toBe(403);
    expect((await get(f.county.adminId, `/units/${f.employer.unitId}`)).body.status).toBe('active');
  });
});

describe('R10: reads are checked against the jurisdiction', () => {
  it('R10: accounts of a unit outside the jurisdiction are not found (404); a sub-unit’s are listed and filtered', async () => {
    for (const unitId of [f.city2.unitId, f.city.unitId, uuid()]) {
      const res = await get(f.county.adminId, `/accounts?unitId=${unitId}`);
      expect([res.status, res.body.error?.code]).toEqual([404, 'unit.not_found']);
    }
    for (const id of [f.city2.adminId, f.city.adminId, f.province.adminId]) {
      expect((await get(f.county.adminId, `/accounts/${id}`)).status).toBe(404);
    }

    const below = await get(f.county.adminId, `/accounts?unitId=${f.employer.unitId}`);
    expect(below.status).toBe(200);
    const ids = below.body.items.map((a: { id: string }) => a.id);
    expect(ids).toEqual(expect.arrayContaining([f.employer.adminId, f.employer.unitAccountId, f.employerOperator]));
    expect(below.body.items.every((a: { unitId: string }) => a.unitId === f.employer.unitId)).toBe(true);
    const operators = await get(f.county.adminId, `/accounts?unitId=${f.employer.unitId}&kind=operator`);
    expect(operators.body.items.length).toBeGreaterThan(0);
    expect(operators.body.items.every((a: { kind: string }) => a.kind === 'operator')).toBe(true);
    expect((await get(f.province.adminId, `/accounts?unitId=${f.employer.unitId}`)).body.items.length).toBe(below.body.items.length);

    // Default: the caller's own unit; pages follow an opaque cursor.
    const own = await get(f.county.adminId, '/accounts?limit=1');
    expect(own.body.items[0].unitId).toBe(f.county.unitId);
    const second = await get(f.county.adminId, `/accounts?limit=1&next=${own.body.next}`);
    expect(second.body.items[0].id).not.toBe(own.body.items[0].id);
  });

  it('R10/R14: the tree nests confirmed children; unaffiliated units created below are listed but not in the tree', async () => {
    const tree = await get(f.province.adminId, `/units/${f.province.unitId}/tree`);
    expect(tree.status).toBe(200);
    type Node = { id: string; children: Node[] };
    const find = (n: Node, id: string): Node | undefined => (n.id === id ? n : n.children.map((c) => find(c, id)).find(Boolean));
    expect(tree.body.children.map((c: Node) => c.id)).toEqual(expect.arrayContaining([f.city.unitId, f.city2.unitId]));
    const city = tree.body.children.find((c: Node) => c.id === f.city.unitId);
    expect(city.children.map((c: Node) => c.id)).toContain(f.county.unitId);
    const county = find(tree.body, f.county.unitId)!;
    expect(county.children.map((c) => c.id)).toContain(f.employer.unitId);
    expect(find(tree.body, f.employer.unitId)!.children).toEqual([]);
    // Issue 11: a small tree is whole, and says so; every node says whether it has children.
    expect(tree.body).toMatchObject({ hasChildren: true, truncated: false, incomplete: false });
    expect(find(tree.body, f.employer.unitId)).toMatchObject({ hasChildren: false, truncated: false });

    const created = await call(f.county.adminId, 'POST', '/units', { kind: 'employer', category: 'institution', name: '未归口单位', uscc: sampleUscc(usccSeq++), admin: samplePerson() });
    expect(created.status).toBe(201);
    const countyTree = await get(f.county.adminId, `/units/${f.county.unitId}/tree`);
    expect(find(countyTree.body, created.body.unit.id)).toBeUndefined();
    const listed = await get(f.county.adminId, `/units?parentId=${f.county.unitId}`);
    expect(listed.body.items.map((u: { id: string }) => u.id)).toEqual(expect.arrayContaining([f.employer.unitId, created.body.unit.id]));
    // Issue 11: the county's whole list (its confirmed subtree read from its level's index, merged with the
    // units it created that nobody confirmed yet), one unit per page: each unit once, none of the city around it.
    const paged: string[] = [];
    for (let next: string | undefined, first = true; first || next; first = false) {
      const page = await get(f.county.adminId, `/units?limit=1${next ? `&next=${next}` : ''}`);
      paged.push(...page.body.items.map((u: { id: string }) => u.id));
      next = page.body.next;
    }
    expect(paged).toEqual(expect.arrayContaining([f.county.unitId, f.employer.unitId, created.body.unit.id]));
    expect(new Set(paged).size).toBe(paged.length);
    expect(paged).not.toContain(f.city.unitId);

    const shallow = await get(f.province.adminId, `/units/${f.province.unitId}/tree?depth=1`);
    expect(shallow.body.children.find((c: Node) => c.id === f.city.unitId).children).toEqual([]);
    expect((await get(f.city2.adminId, `/units/${f.city.unitId}/tree`)).status).toBe(404);
  });

  it('R10: GET /units?q= filters by name or code, inside the jurisdiction only', async () => {
    const names = async (who: string, q: string) => {
      const res = await get(who, `/units?q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(200);
      return res.body.items.map((u: { name: string }) => u.name).sort();
    };
    expect(await names(f.county.adminId, '某县')).toEqual(['某县人社局', '某县医院']);
    expect(await names(f.county.adminId, '另一市')).toEqual([]);
    expect(await names(f.province.adminId, '另一市')).toEqual(['另一市人社局']);
    const employer = (await get(f.county.adminId, `/units/${f.employer.unitId}`)).body;
    expect(await names(f.county.adminId, employer.uscc.slice(8))).toEqual(['某县医院']);
    expect(await names(f.province.adminId, '%')).toEqual([]);
    expect(await names(f.province.adminId, '_')).toEqual([]);
  });
});

describe('R25: audit of the jurisdiction, personal data masked', () => {
  it('R25/R10: the county reads only its jurisdiction’s events; ID numbers and phones are masked in answers and events', async () => {
    const p = samplePerson('脱敏测试');
    const created = await call(f.county.adminId, 'POST', '/accounts', p);
    expect(created.status).toBe(201);
    expect(created.body.account).toMatchObject({ idNumber: maskIdNumber(p.idNumber), phone: maskPhone(p.phone), username: maskIdNumber(p.idNumber) });
    const newPhone = samplePerson().phone;
    const updated = await call(f.county.adminId, 'PUT', `/accounts/${created.body.account.id}`, { phone: newPhone });
    expect(updated.body.phone).toBe(maskPhone(newPhone));
    const u = await f.child(f.county.adminId, 'employer', '癸医院');
    const q = samplePerson('新管理员');
    const replaced = await call(u.unitAccountId, 'PUT', `/units/${u.unitId}/admin`, q);
    // A change elsewhere, which the county must not see.
    const elsewhere = samplePerson('外市经办');
    const foreign = await call(f.city2.adminId, 'POST', '/accounts', elsewhere);
    expect(foreign.status).toBe(201);

    const answers = [created.body, updated.body, replaced.body, foreign.body];
    answers.push((await get(f.county.adminId, '/accounts?limit=200')).body, (await get(f.county.adminId, `/accounts/${replaced.body.accountId}`)).body);
    const events: Array<{ unitId: string | null; target: { id: string | null } }> = [];
    let next: string | undefined;
    do {
      const page = await get(f.county.adminId, `/audit-events?limit=200${next ? `&next=${next}` : ''}`);
      events.push(...page.body.items);
      next = page.body.next;
    } while (next);

    const jurisdiction = new Set((await get(f.county.adminId, '/units?limit=200')).body.items.map((x: { id: string }) => x.id));
    expect(jurisdiction.has(f.county.unitId) && jurisdiction.has(u.unitId) && !jurisdiction.has(f.city2.unitId)).toBe(true);
    expect(events.every((e) => e.unitId !== null && jurisdiction.has(e.unitId))).toBe(true);
    const targets = events.map((e) => e.target.id);
    expect(targets).toEqual(expect.arrayContaining([created.body.account.id, u.unitId]));
    expect(targets).not.toContain(foreign.body.account.id);

    const text = JSON.stringify([answers, events]);
    for (const raw of [p.idNumber, p.phone, newPhone, q.idNumber, q.phone, elsewhere.idNumber, elsewhere.phone]) {
      expect(text).not.toContain(raw);
    }
    // At rest: the persons table holds ciphertext and lookup hashes, never the plain values.
    const [rows] = await f.core.base.db.sequelize.query(`SELECT row_to_json(p)::text AS t FROM persons p`);
    const stored = (rows as Array<{ t: string }>).map((r) => r.t).join('\n');
    for (const raw of [p.idNumber, p.phone, newPhone, q.idNumber]) expect(stored).not.toContain(raw);
  });
});

describe('bad input is 400, never 500 (SPEC §5)', () => {
  interface Case {
    route: string;
    path: string;
    body?: unknown;
    /** `in:path` of issues the answer must list. */
    issues: string[];
  }
  const u = '00000000-0000-4000-8000-000000000000';
  const person = { name: ['张三'], idNumber: 110105194912310020, phone: { n: 1 } };
  const personIssues = ['body:name', 'body:idNumber', 'body:phone'];
  const cases: Case[] = [
    { route: 'POST /units', path: '/units', body: { kind: 5, level: 'galaxy', name: [], uscc: 91350100, usccOverride: 'yes', adminDivision: 350100, admin: 'x' }, issues: ['body:kind', 'body:level', 'body:name', 'body:uscc', 'body:usccOverride', 'body:adminDivision', 'body:admin'] },
    { route: 'PUT /units/:id', path: '/units/not-a-uuid', body: { name: 5, adminDivision: '35010', responsibilities: [] }, issues: ['params:id', 'body:name', 'body:adminDivision', 'body:responsibilities'] },
    { route: 'PUT /units/:id/admin', path: '/units/123/admin', body: person, issues: ['params:id', ...personIssues] },
    { route: 'POST /units/:id/admins', path: `/units/${u}/admins`, body: { ...person, scope: 'all' }, issues: [...personIssues, 'body:scope'] },
    { route: 'POST /units/:id/disable', path: '/units/x/disable', issues: ['params:id'] },
    { route: 'PUT /units/:id/code', path: '/units/x/code', body: { uscc: 91350100, usccOverride: 'yes' }, issues: ['params:id', 'body:uscc', 'body:usccOverride'] },
    { route: 'POST /units/:id/enable', path: '/units/x/enable', issues: ['params:id'] },
    { route: 'POST /affiliation-requests', path: '/affiliation-requests', body: { targetUnitId: 42 }, issues: ['body:targetUnitId'] },
    { route: 'POST /affiliation-requests/:id/approve', path: '/affiliation-requests/1/approve', body: {}, issues: ['params:id'] },
    { route: 'POST /affiliation-requests/:id/reject', path: `/affiliation-requests/${u}/reject`, body: { reason: ['不'] }, issues: ['body:reason'] },
    { route: 'POST /accounts', path: '/accounts', body: { ...person, roles: 'title.reviewer' }, issues: [...personIssues, 'body:roles'] },
    { route: 'PUT /accounts/:id', path: '/accounts/zz', body: { name: {}, phone: 13900000000 }, issues: ['params:id', 'body:name', 'body:phone'] },
    { route: 'PUT /accounts/:id/roles', path: `/accounts/${u}/roles`, body: { roles: 'title.reviewer' }, issues: ['body:roles'] },
    { route: 'POST /accounts/:id/reset-password', path: '/accounts/%20/reset-password', issues: ['params:id'] },
    { route: 'POST /accounts/:id/unlock', path: '/accounts/1e3/unlock', issues: ['params:id'] },
    { route: 'POST /accounts/:id/offboard', path: '/accounts/null/offboard', issues: ['params:id'] },
    { route: 'PUT /accounts/:id/scope', path: '/accounts/x/scope', body: { scope: 'all' }, issues: ['params:id', 'body:scope'] },
    { route: 'POST /accounts/bulk', path: '/accounts/bulk', body: { action: 'offboard', accountIds: ['not-a-uuid', 5] }, issues: ['body:accountIds.0', 'body:accountIds.1'] },
    { route: 'POST /accounts/:id/migrate', path: `/accounts/${u}/migrate`, body: { toUnitId: ['x'] }, issues: ['body:toUnitId'] },
    { route: 'POST /migrations/:id/accept', path: '/migrations/abc/accept', body: { reason: 1 }, issues: ['params:id', 'body:reason'] },
    { route: 'POST /migrations/:id/reject', path: `/migrations/${u}/reject`, body: { reason: ['x'] }, issues: ['body:reason'] },
    { route: 'POST /roles', path: '/roles', body: { code: 'Title Reviewer', name: 1, subsystem: 'hr', modules: 'title:apply' }, issues: ['body:code', 'body:name', 'body:subsystem', 'body:modules'] },
    { route: 'PUT /roles/:code', path: '/roles/NOT%20A%20CODE', body: { modules: 'title:apply', status: 'gone' }, issues: ['params:code', 'body:modules', 'body:status'] },
    { route: 'POST /roles/:code/members', path: '/roles/title.reviewer/members', body: { accountIds: ['not-a-uuid', 5] }, issues: ['body:accountIds.0', 'body:accountIds.1'] },
    { route: 'POST /role-change-requests', path: '/role-change-requests', body: { roleCode: 5, proposal: 'more modules' }, issues: ['body:roleCode', 'body:proposal'] },
    { route: 'POST /role-change-requests/:id/forward', path: `/role-change-requests/${u}/forward`, body: { note: 5 }, issues: ['body:note'] },
    { route: 'POST /role-change-requests/:id/answer', path: `/role-change-requests/${u}/answer`, body: { reply: [] }, issues: ['body:reply'] },
    { route: 'POST /role-change-requests/:id/accept', path: '/role-change-requests/x/accept', body: { apply: 'yes' }, issues: ['params:id', 'body:apply'] },
    { route: 'POST /role-change-requests/:id/reject', path: `/role-change-requests/${u}/reject`, body: { reason: '' }, issues: ['body:reason'] },
    { route: 'POST /clients', path: '/clients', body: { name: [], resources: 'urn:x', introspection: 'true', grantTypes: ['password'] }, issues: ['body:name', 'body:resources', 'body:introspection', 'body:grantTypes.0'] },
    { route: 'POST /clients/:id/rotate-secret', path: `/clients/${'x'.repeat(101)}/rotate-secret`, issues: ['params:id'] },
    { route: 'POST /clients/:id/disable', path: `/clients/${'x'.repeat(101)}/disable`, issues: ['params:id'] },
    { route: 'POST /imports', path: '/imports', body: { dryRun: 'yes', units: { name: 5, content: 'not base64!' }, grants: 'x' }, issues: ['body:dryRun', 'body:units.name', 'body:units.content', 'body:grants'] },
  ];

  /** Every POST and PUT route of the admin API, with whether it reads a body. */
  const writeRoutes = () =>
    f.app.adminApi.router.stack
      .filter((l) => l.stack.some((m) => 'guardConfig' in m))
      .flatMap((l) => {
        const config = (l.stack.find((m) => 'guardConfig' in m) as unknown as { guardConfig: { body?: unknown } }).guardConfig;
        return l.methods
          .filter((m) => m === 'POST' || m === 'PUT')
          .map((m) => ({ route: `${m} ${String(l.path).replace('/admin/v1', '')}`, hasBody: config.body !== undefined }));
      });

  it('the table covers every POST and PUT route', () => {
    expect(cases.map((c) => c.route).sort()).toEqual(writeRoutes().map((r) => r.route).sort());
  });

  it('every POST and PUT route answers wrong types with 400 request.invalid naming each field', async () => {
    for (const c of cases) {
      const [method] = c.route.split(' ');
      const res = await call(f.province.adminId, method!, c.path, c.body);
      const where = res.body.error?.details?.issues?.map((i: { in: string; path: string }) => `${i.in}:${i.path}`);
      expect([c.route, res.status, res.body.error?.code]).toEqual([c.route, 400, 'request.invalid']);
      expect(where, c.route).toEqual(expect.arrayContaining(c.issues));
    }
  });

  it('R8/R1 through HTTP: valid types but an invalid ID number, phone or USCC are 400 with their own codes', async () => {
    const good = samplePerson();
    const badId = good.idNumber.slice(0, 17) + (good.idNumber.endsWith('0') ? '1' : '0');
    const answers = [
      [await call(f.county.adminId, 'POST', '/accounts', { ...good, idNumber: badId }), 'person.id_number_invalid'],
      [await call(f.county.adminId, 'POST', '/accounts', { ...samplePerson(), phone: '12800000000' }), 'person.phone_invalid'],
      [await call(f.county.adminId, 'PUT', `/accounts/${f.countyOperator}`, { phone: '1390000' }), 'person.phone_invalid'],
      [await call(f.county.adminId, 'POST', '/units', { kind: 'employer', category: 'institution', name: '坏码单位', uscc: '91350100M000100Y4O', admin: samplePerson() }), 'unit.uscc_invalid'],
      [await call(f.county.adminId, 'PUT', `/units/${f.employer.unitId}/admin`, { ...samplePerson(), idNumber: '110105194912310021' }), 'person.id_number_invalid'],
    ] as const;
    for (const [res, code] of answers) expect([res.status, res.body.error.code]).toEqual([400, code]);
    expect(JSON.stringify(answers.map(([res]) => res.body))).not.toContain(badId);
  });

  it('junk JSON documents (array, null, number, string, truncated) are 400 on every POST and PUT route', async () => {
    const headers = { authorization: `Bearer ${await f.token(f.province.adminId)}`, 'content-type': 'application/json' };
    for (const { route, hasBody } of writeRoutes()) {
      const [method, pattern] = route.split(' ') as [string, string];
      const path = pattern.replace(':id', uuid()).replace(':code', 'no.such-role');
      for (const junk of ['[]', 'null', '5', '"x"', '{"a":', '[{"name":1}]']) {
        const res = await f.app.raw(`/admin/v1${path}`, { method, headers, body: junk });
        const body = await res.json();
        // An array is a JSON document: the route's body schema refuses it; a route without a body
        // ignores it and answers about the unknown id instead.
        const expected = junk.startsWith('[') && !hasBody ? 404 : 400;
        expect([route, junk, res.status, typeof body.error?.code]).toEqual([route, junk, expected, 'string']);
        expect(res.status).toBeLessThan(500);
      }
    }
  });

  it('well-formed requests about unknown things answer 404 (or a 4xx naming the problem), never 500', async () => {
    const province = f.province.adminId;
    const unknown: Array<[string, string, unknown?, number?]> = [
      ['PUT', `/units/${uuid()}`, { name: '无此单位' }],
      ['PUT', `/units/${uuid()}/admin`, samplePerson()],
      ['POST', `/units/${uuid()}/admins`, { ...samplePerson(), scope: ['all'] }],
      ['POST', `/units/${uuid()}/disable`],
      ['POST', `/units/${uuid()}/enable`],
      ['GET', `/units/${uuid()}/tree`],
      ['POST', '/affiliation-requests', { targetUnitId: uuid() }],
      ['POST', `/affiliation-requests/${uuid()}/approve`, {}],
      ['POST', `/affiliation-requests/${uuid()}/reject`, { reason: '无' }],
      ['PUT', `/accounts/${uuid()}`, { name: '无此人' }],
      ['PUT', `/accounts/${uuid()}/roles`, { roles: [] }],
      ['POST', `/accounts/${uuid()}/reset-password`],
      ['POST', `/accounts/${uuid()}/unlock`],
      ['POST', `/accounts/${uuid()}/offboard`],
      ['PUT', `/accounts/${uuid()}/scope`, { scope: ['title'] }],
      ['POST', `/accounts/${uuid()}/migrate`, { toUnitId: f.employer.unitId }],
      ['POST', `/migrations/${uuid()}/accept`, {}],
      ['POST', `/migrations/${uuid()}/reject`, { reason: '无' }],
      ['PUT', '/roles/no.such-role', { name: '无此角色' }],
      ['POST', '/roles/no.such-role/members', { accountIds: [uuid()] }],
      ['POST', `/role-change-requests/${uuid()}/forward`, {}],
      ['POST', `/role-change-requests/${uuid()}/answer`, { reply: '无' }],
      ['POST', `/role-change-requests/${uuid()}/accept`, {}],
      ['POST', `/role-change-requests/${uuid()}/reject`, { reason: '无' }],
      ['POST', '/clients/no-such-client/rotate-secret'],
      ['POST', '/clients/no-such-client/disable'],
    ];
    for (const [method, path, body, status = 404] of unknown) {
      const res = await call(province, method, path, body);
      expect([method, path, res.status, typeof res.body.error?.code]).toEqual([method, path, status, 'string']);
    }
  });
});

describe('R25: only real changes are audited', () => {
  const eventsAbout = async (targetId: string) => {
    const [rows] = await f.core.base.db.sequelize.query('SELECT action FROM audit_events WHERE target_id = :targetId ORDER BY seq', { replacements: { targetId } });
    return (rows as Array<{ action: string }>).map((r) => r.action);
  };

  it('R25: an update that changes nothing (no field, or the stored values again) writes no event', async () => {
    const u = await f.child(f.county.adminId, 'employer', '空更新医院');
    const stored = (await get(f.county.adminId, `/units/${u.unitId}`)).body;
    const before = await eventsAbout(u.unitId);
    expect((await call(f.county.adminId, 'PUT', `/units/${u.unitId}`, {})).status).toBe(200);
    const same = { name: stored.name, adminDivision: stored.adminDivision, responsibilities: stored.responsibilities };
    const again = await call(f.county.adminId, 'PUT', `/units/${u.unitId}`, same);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject(same);
    expect(await eventsAbout(u.unitId)).toEqual(before);
    expect((await call(f.county.adminId, 'PUT', `/units/${u.unitId}`, { ...same, responsibilities: '医疗服务' })).status).toBe(200);
    expect(await eventsAbout(u.unitId)).toEqual([...before, 'unit.update']);
    const [event] = (await get(f.county.adminId, `/audit-events?action=unit.update&unitId=${u.unitId}`)).body.items;
    expect(event.details).toEqual({ changes: { responsibilities: '医疗服务' } });
  });

  it('R25: an account update with the stored name and phone writes no event; a real change writes one', async () => {
    const p = samplePerson('原名经办');
    const made = await call(f.county.adminId, 'POST', '/accounts', p);
    expect(made.status).toBe(201);
    const id: string = made.body.account.id;
    const before = await eventsAbout(id);
    expect((await call(f.county.adminId, 'PUT', `/accounts/${id}`, {})).status).toBe(200);
    // The phone typed differently (+86, spaces) is still the same number.
    const same = await call(f.county.adminId, 'PUT', `/accounts/${id}`, { name: p.name, phone: `+86 ${p.phone.slice(0, 3)} ${p.phone.slice(3)}` });
    expect(same.body).toMatchObject({ name: p.name, phone: maskPhone(p.phone) });
    expect(await eventsAbout(id)).toEqual(before);
    const renamed = await call(f.county.adminId, 'PUT', `/accounts/${id}`, { name: '新名经办', phone: p.phone });
    expect(renamed.body.name).toBe('新名经办');
    expect(await eventsAbout(id)).toEqual([...before, 'account.update']);
    const [event] = (await get(f.county.adminId, `/audit-events?action=account.update`)).body.items;
    expect(event).toMatchObject({ target: { id }, details: { changed: ['name'] } });
  });
});
