import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { maskPhone } from '../directory/masking.ts';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

/**
 * R10 beyond the unit and account lookups: what one person's shared password and phone reach, what
 * a tree shows, and which role codes a unit may even learn of.
 */
let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());

const call = (accountId: string, method: string, path: string, body?: unknown) => f.api(f.token(accountId), method, path, body);
let usccSeq = 9400;

/** A unit made by `creatorAdminId` through the service, with an administrator whose person is known. */
async function unitWithKnownAdmin(creatorAdminId: string, kind: 'hrss' | 'employer', name: string) {
  const person = samplePerson(`${name}管理员`);
  const made = await f.core.services.units.create(await f.core.actor(creatorAdminId), { kind, ...(kind === 'employer' ? { category: 'institution' as const } : {}), name, uscc: sampleUscc(usccSeq++), admin: person }, f.core.meta);
  return { unitId: made.unit.id, adminId: made.admin.accountId, person };
}

const events = async (action: string, targetId: string) => {
  const [rows] = await f.core.base.db.sequelize.query('SELECT count(*)::int AS n FROM audit_events WHERE action = :action AND target_id = :targetId', {
    replacements: { action, targetId },
  });
  return (rows as Array<{ n: number }>)[0]!.n;
};

describe('R10: one person, one password and one phone — changed only by who governs all their accounts', () => {
  it('an administrator who makes a stranger its operator cannot reset their password nor re-point their phone', async () => {
    // The victim administers a city; the attacker administers an employer elsewhere and knows the
    // victim's name, ID number and phone — enough to make them an operator of its own unit.
    const stranger = await unitWithKnownAdmin(f.province.adminId, 'hrss', '被冒用市人社局');
    // Issue 5 item 4: a person out of the employer's sight is no longer found at all (R10)…
    const refused = await call(f.employer.adminId, 'POST', '/accounts', stranger.person);
    expect([refused.status, refused.body.error?.code]).toEqual([409, 'person.unavailable']);
    // …so the person here was the employer's operator first and became a city administrator later.
    const person = samplePerson('先经办后管理员');
    const planted = await call(f.employer.adminId, 'POST', '/accounts', person);
    expect([planted.status, planted.body.initialPassword]).toEqual([201, expect.any(String)]);
    const opId: string = planted.body.account.id;
    const made = await f.core.services.units.create(await f.core.actor(f.province.adminId), { kind: 'hrss', name: '后任市人社局', uscc: sampleUscc(usccSeq++), admin: person }, f.core.meta);
    const victim = { adminId: made.admin.accountId, person };

    const reset = await call(f.employer.adminId, 'POST', `/accounts/${opId}/reset-password`);
    expect([reset.status, reset.body.error?.code, reset.body.initialPassword]).toEqual([403, 'account.person_not_governed', undefined]);
    const unlock = await call(f.employer.adminId, 'POST', `/accounts/${opId}/unlock`);
    expect(unlock.status).toBe(403);
    expect(await events('account.reset-password', opId)).toBe(0);

    const phone = samplePerson().phone;
    const repoint = await call(f.employer.adminId, 'PUT', `/accounts/${opId}`, { phone });
    expect([repoint.status, repoint.body.error?.code]).toEqual([403, 'account.person_not_governed']);
    expect((await call(f.province.adminId, 'GET', `/accounts/${victim.adminId}`)).body.phone).toBe(maskPhone(victim.person.phone));

    // Its own (harmless) changes still work: the operator account is the employer's to offboard.
    expect((await call(f.employer.adminId, 'POST', `/accounts/${opId}/offboard`)).status).toBe(200);

    // The same through a unit the attacker creates with the victim as its administrator: the new
    // unit account (whose password the attacker was shown) may reset its administrator — not this one.
    const sub = await call(f.employer.adminId, 'POST', '/units', { kind: 'employer', category: 'institution', name: '冒用下属机构', admin: victim.person });
    expect([sub.status, sub.body.admin.initialPassword]).toEqual([201, null]);
    const byUnitAccount = await call(sub.body.unitAccount.id, 'POST', `/accounts/${sub.body.admin.accountId}/reset-password`);
    expect([byUnitAccount.status, byUnitAccount.body.error?.code]).toEqual([403, 'account.person_not_governed']);
  });

  it('a scoped hrss administrator cannot reach its unit’s scope-all administrator through an operator account (R6)', async () => {
    const hrss = await unitWithKnownAdmin(f.province.adminId, 'hrss', '多管理员市人社局');
    const scoped = await f.core.services.units.addHrssAdmin(await f.core.actor(hrss.adminId), hrss.unitId, samplePerson('职称管理员'), ['title'], f.core.meta);
    const op = await call(hrss.adminId, 'POST', '/accounts', hrss.person); // the scope-all administrator is also an operator
    expect(op.status).toBe(201);
    const reset = await call(scoped.accountId, 'POST', `/accounts/${op.body.account.id}/reset-password`);
    expect([reset.status, reset.body.error?.code]).toEqual([403, 'account.person_not_governed']);
  });

  it('the units above all of a person’s accounts still reset them', async () => {
    const emp = await unitWithKnownAdmin(f.province.adminId, 'employer', '兼任经办单位');
    const op = await call(emp.adminId, 'POST', '/accounts', emp.person); // its administrator is also its operator
    expect(op.status).toBe(201);
    // The creating unit resets the administrator, whose person also holds the operator account below it.
    const byCreator = await call(f.province.adminId, 'POST', `/accounts/${emp.adminId}/reset-password`);
    expect(byCreator.status).toBe(200);
    expect(byCreator.body.initialPassword).toEqual(expect.any(String));
    // The reset ended every sign-in of that person (its old token is dead); with a new sign-in, the
    // administrator resetting its own operator account reaches only itself.
    expect((await call(emp.adminId, 'GET', '/units')).status).toBe(401);
    const fresh = await f.app.mintToken(emp.adminId);
    expect((await f.api(fresh, 'POST', `/accounts/${op.body.account.id}/reset-password`)).status).toBe(200);
    // A plain operator of the caller's unit, as before.
    expect((await call(f.county.adminId, 'POST', `/accounts/${f.countyOperator}/reset-password`)).status).toBe(200);
  });
});

describe('R10: the tree shows only units of the caller’s jurisdiction', () => {
  it('below a created, not yet affiliated unit lie units that are not the creator’s', async () => {
    const made = await unitWithKnownAdmin(f.province.adminId, 'employer', '未归口母单位');
    const sub = await unitWithKnownAdmin(made.adminId, 'employer', '已归口下属机构');
    const req = await call(sub.adminId, 'POST', '/affiliation-requests', { targetUnitId: made.unitId });
    expect((await call(made.adminId, 'POST', `/affiliation-requests/${req.body.id}/approve`, {})).status).toBe(200);

    expect((await call(made.adminId, 'GET', `/units/${made.unitId}/tree`)).body.children.map((c: { id: string }) => c.id)).toEqual([sub.unitId]);
    expect((await call(f.province.adminId, 'GET', `/units/${sub.unitId}`)).status).toBe(404);
    const tree = await call(f.province.adminId, 'GET', `/units/${made.unitId}/tree`);
    expect([tree.status, tree.body.children]).toEqual([200, []]);
  });
});

describe('R10/R17: role codes out of sight are unknown, as on /roles/{code}', () => {
  it('setting or creating with another city’s role answers 400 role.unknown, like a code that does not exist', async () => {
    const created = await call(f.city2.adminId, 'POST', '/roles', { code: 'title.city2-only', name: '另一市专用', subsystem: 'title', modules: ['title:review'] });
    expect(created.status).toBe(201);
    for (const code of ['title.city2-only', 'title.no-such-role']) {
      const set = await call(f.county.adminId, 'PUT', `/accounts/${f.countyOperator}/roles`, { roles: [code] });
      expect([code, set.status, set.body.error?.code, set.body.error?.details]).toEqual([code, 400, 'role.unknown', { codes: [code] }]);
      const made = await call(f.county.adminId, 'POST', '/accounts', { ...samplePerson(), roles: [code] });
      expect([code, made.status, made.body.error?.code]).toEqual([code, 400, 'role.unknown']);
    }
    // A role the unit sees (defined below it) but may not grant is still named as such.
    await call(f.county.adminId, 'POST', '/roles', { code: 'title.county-only', name: '县专用', subsystem: 'title', modules: ['title:review'] });
    const cityOp = await f.operator(f.city.adminId);
    const below = await call(f.city.adminId, 'PUT', `/accounts/${cityOp}/roles`, { roles: ['title.county-only'] });
    expect([below.status, below.body.error?.code]).toEqual([403, 'role.not_grantable']);
  });
});
