import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

/**
 * Issue 8 — 待办: requests waiting for the caller's unit in one inbox — affiliation (R13), migration
 * (R11), role change (R16) — each part only for whom may decide it.
 */
let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());

const call = (accountId: string, method: string, path: string, body?: unknown) => f.api(f.token(accountId), method, path, body);
const inbox = (accountId: string) => call(accountId, 'GET', '/inbox');

describe('issue 8: the inbox of requests waiting for a unit', () => {
  it('R13/R11/R16: the county bureau sees the affiliation asked of it, the migration into it and the role change at its step, with counts', async () => {
    const target = await f.child(f.county.adminId, 'employer', '待办接收单位');
    const before = (await inbox(f.county.adminId)).body.counts;

    // R13: a new unit asks the county bureau to confirm it.
    const made = await call(f.county.adminId, 'POST', '/units', { kind: 'employer', category: 'institution', name: '待归口学校', responsibilities: '', admin: samplePerson('待归口管理员') });
    const asked = await call(made.body.admin.accountId, 'POST', '/affiliation-requests', { targetUnitId: f.county.unitId });
    expect(asked.status).toBe(201);
    // R16: the employer files a role change; its first reviewer is the county hrss bureau.
    const filed = await call(f.employer.adminId, 'POST', '/role-change-requests', { roleCode: 'title.reviewer', proposal: { comment: '增加模块' } });
    expect(filed.status).toBe(201);
    // R11: an operator of another unit is to move into `target`: waits for target's administrator, not the county's.
    const op = await call(f.employer.adminId, 'POST', '/accounts', samplePerson('调动经办人'));
    const migrating = await call(f.employer.adminId, 'POST', `/accounts/${op.body.account.id}/migrate`, { toUnitId: target.unitId });
    expect(migrating.body.status).toBe('pending');

    const county = await inbox(f.county.adminId);
    expect(county.status).toBe(200);
    expect(county.body.counts).toEqual({
      affiliation: before.affiliation + 1,
      migration: before.migration,
      roleChange: before.roleChange + 1,
      total: before.total + 2,
    });
    expect(county.body.affiliation.map((r: { id: string }) => r.id)).toContain(asked.body.id);
    expect(county.body.roleChange.map((r: { id: string }) => r.id)).toContain(filed.body.id);

    const receiving = await inbox(target.adminId);
    expect(receiving.body.counts).toMatchObject({ migration: 1, affiliation: 0, roleChange: 0, total: 1 });
    expect(receiving.body.migration[0]).toMatchObject({ id: migrating.body.requestId, accountId: op.body.account.id, status: 'pending' });

    // Decided requests leave the inbox.
    expect((await call(target.adminId, 'POST', `/migrations/${migrating.body.requestId}/accept`, {})).status).toBe(200);
    expect((await inbox(target.adminId)).body.counts.total).toBe(0);
  });

  it('R13: an hrss operator holding the reviewer role sees affiliation requests of its jurisdiction, nothing else; an employer administrator has no role changes to decide', async () => {
    const reviewer = await f.operator(f.county.adminId, ['org.affiliation-reviewer']);
    const made = await call(f.county.adminId, 'POST', '/units', { kind: 'employer', category: 'institution', name: '审核待办单位', responsibilities: '', admin: samplePerson('审核待办管理员') });
    const asked = await call(made.body.admin.accountId, 'POST', '/affiliation-requests', { targetUnitId: f.county.unitId });
    const seen = await inbox(reviewer);
    expect(seen.status).toBe(200);
    expect(seen.body.affiliation.map((r: { id: string }) => r.id)).toContain(asked.body.id);
    expect(seen.body.counts).toMatchObject({ migration: 0, roleChange: 0 });
    expect((await inbox(f.employer.adminId)).body.counts.roleChange).toBe(0);
  });

  it('R9/R7: plain operators and unit accounts have no inbox', async () => {
    expect((await inbox(f.employerOperator)).status).toBe(403);
    const u = await f.child(f.county.adminId, 'employer', '无待办单位');
    expect((await inbox(u.unitAccountId)).status).toBe(403);
  });
});
