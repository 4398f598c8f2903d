import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

/**
 * Issue 8 — 临时社会信用代码 → the real one (R1–R3): a unit created without a USCC gets a derived,
 * temporary code (R2); when it obtains its own, its administrator (or one above it) replaces it.
 */
let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());

const call = (accountId: string, method: string, path: string, body?: unknown) => f.api(f.token(accountId), method, path, body);
let usccSeq = 9400;

/** A unit with a temporary code under the county bureau, and a sub-institution under it with one derived from it. */
async function temporaryUnit(name: string) {
  const made = await call(f.county.adminId, 'POST', '/units', { kind: 'employer', category: 'institution', name, responsibilities: '', admin: samplePerson(`${name}管理员`) });
  expect(made.body.unit.derived).toBe(true);
  const sub = await call(made.body.admin.accountId, 'POST', '/units', { kind: 'employer', category: 'institution', name: `${name}分院`, responsibilities: '', admin: samplePerson('分院管理员') });
  return { unit: made.body.unit, unitAccount: made.body.unitAccount, adminId: made.body.admin.accountId as string, sub: sub.body.unit };
}

const signIn = (username: string, password: string) => f.core.services.credentials.verifyPassword({ username, password, meta: { ip: '198.51.100.7' } });

describe('issue 8 (R1–R3): a temporary code becomes the real one', () => {
  it("R3: the unit's administrator replaces it; the unit account's sign-in name follows; units below keep their derived codes; audited", async () => {
    const t = await temporaryUnit('临时码医院');
    const real = sampleUscc(usccSeq++);
    const res = await call(t.adminId, 'PUT', `/units/${t.unit.id}/code`, { uscc: real.toLowerCase() });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: t.unit.id, uscc: real, derived: false });
    const account = await call(f.county.adminId, 'GET', `/accounts/${t.unitAccount.id}`);
    expect(account.body.username).toBe(real);
    // The sub-institution's code was derived from the old one and stays as it was: a code is not a path.
    expect((await call(t.adminId, 'GET', `/units/${t.sub.id}`)).body).toMatchObject({ uscc: t.sub.uscc, derived: true });
    expect(t.sub.uscc.startsWith(t.unit.uscc)).toBe(true);
    const events = await call(f.county.adminId, 'GET', `/audit-events?action=unit.code-replace&unitId=${t.unit.id}`);
    expect(events.body.items).toHaveLength(1);
    expect(events.body.items[0].details).toMatchObject({ from: t.unit.uscc, to: real });
  });

  it('R3: the old sign-in name stops working and says what the new one is; the new one signs in', async () => {
    const t = await temporaryUnit('改码学校');
    const real = sampleUscc(usccSeq++);
    expect((await signIn(t.unit.uscc, t.unitAccount.initialPassword)).ok).toBe(true);
    expect((await call(f.county.adminId, 'PUT', `/units/${t.unit.id}/code`, { uscc: real })).status).toBe(200);
    const old = await signIn(t.unit.uscc, t.unitAccount.initialPassword);
    expect(old).toMatchObject({ ok: false, reason: 'renamed', answer: 'renamed', newName: real });
    expect(await signIn(real, t.unitAccount.initialPassword)).toMatchObject({ ok: true, mustChange: true });
  });

  it('R1/R2/R3: only a temporary code is replaced, by a valid code no other unit has; a creator above may do it too', async () => {
    const t = await temporaryUnit('校验医院');
    const bad = await call(t.adminId, 'PUT', `/units/${t.unit.id}/code`, { uscc: '91350100M000100Y4O' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('unit.uscc_invalid');
    const taken = (await call(f.county.adminId, 'GET', `/units/${f.employer.unitId}`)).body.uscc;
    expect((await call(t.adminId, 'PUT', `/units/${t.unit.id}/code`, { uscc: taken })).body.error.code).toBe('unit.uscc_taken');
    const real = sampleUscc(usccSeq++);
    expect((await call(f.county.adminId, 'PUT', `/units/${t.unit.id}/code`, { uscc: real })).status).toBe(200);
    const again = await call(t.adminId, 'PUT', `/units/${t.unit.id}/code`, { uscc: sampleUscc(usccSeq++) });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('unit.code_not_temporary');
  });

  it('R10/R7: outside the jurisdiction it is 404; operators and unit accounts may not', async () => {
    const t = await temporaryUnit('越权医院');
    const real = sampleUscc(usccSeq++);
    expect((await call(f.city2.adminId, 'PUT', `/units/${t.unit.id}/code`, { uscc: real })).status).toBe(404);
    expect((await call(f.countyOperator, 'PUT', `/units/${t.unit.id}/code`, { uscc: real })).status).toBe(403);
    expect((await call(t.unitAccount.id, 'PUT', `/units/${t.unit.id}/code`, { uscc: real })).status).toBe(403);
    expect((await call(f.county.adminId, 'GET', `/units/${t.unit.id}`)).body.derived).toBe(true);
  });
});
