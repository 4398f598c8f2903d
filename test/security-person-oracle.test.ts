import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { PERSON_PROBE_LIMIT } from '../directory/persons/person-gate.ts';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

/**
 * Issue 5 item 4 — no existence oracle about persons outside the caller's jurisdiction (R10): every
 * path that finds or creates a person, or gives a phone, answers one uniform refusal about them,
 * audited and throttled per actor; persons inside keep their precise answers.
 */
let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());

const call = (accountId: string, method: string, path: string, body?: unknown) => f.api(f.token(accountId), method, path, body);
let usccSeq = 9600;

/** A person administering a unit created by `creatorAdminId`: known name, ID number and phone. */
async function knownAdmin(creatorAdminId: string, name: string) {
  const person = samplePerson(`${name}管理员`);
  const made = await f.core.services.units.create(await f.core.actor(creatorAdminId), { kind: 'employer', category: 'institution', name, uscc: sampleUscc(usccSeq++), admin: person }, f.core.meta);
  return { person, unitId: made.unit.id, adminId: made.admin.accountId };
}

/** An attacker of its own: the throttle counts per actor, so each test starts from zero. */
const attacker = async (name: string) => (await f.child(f.county.adminId, 'employer', name)).adminId;

const failures = async (actorId: string, reason: string) => {
  const [rows] = await f.core.base.db.sequelize.query(
    `SELECT action, result, reason, unit_id AS "unitId", details FROM audit_events WHERE actor_account_id = :actorId AND reason = :reason ORDER BY seq`,
    { replacements: { actorId, reason } },
  );
  return rows as Array<{ action: string; result: string; reason: string; unitId: string; details: Record<string, unknown> }>;
};

describe('issue 5 item 4 — R10: one answer about persons outside the jurisdiction', () => {
  it('R10: unknown ID + their phone, their ID + a wrong name, + a wrong phone, or everything right: identical 409 person.unavailable', async () => {
    const me = await attacker('探测单位甲');
    const outside = (await knownAdmin(f.city2.adminId, '外市单位')).person;
    const other = (await knownAdmin(f.city2.adminId, '外市单位二')).person;
    const attempts = {
      unknownIdTheirPhone: { ...samplePerson(outside.name), phone: outside.phone },
      theirIdWrongName: { ...outside, name: '猜错的名字', phone: samplePerson().phone },
      theirIdRightNameWrongPhone: { ...outside, phone: samplePerson().phone },
      theirIdRightNameAnotherPersonsPhone: { ...outside, phone: other.phone },
      theirIdAllMatching: outside,
    };
    const answers = [];
    for (const [what, body] of Object.entries(attempts)) {
      const res = await call(me, 'POST', '/accounts', body);
      answers.push({ what, status: res.status, body: res.body });
    }
    const [first] = answers;
    expect(first).toMatchObject({ status: 409, body: { error: { code: 'person.unavailable' } } });
    for (const a of answers) expect({ status: a.status, body: a.body }).toEqual({ status: first!.status, body: first!.body });
    // Nothing was made, and the events say what was tried without the raw data (R25).
    expect((await call(me, 'GET', '/accounts?kind=operator')).body.items).toEqual([]);
    const events = await failures(me, 'person_unavailable');
    expect(events).toHaveLength(Object.keys(attempts).length);
    expect(events[0]).toMatchObject({ action: 'account.create', result: 'failure', unitId: expect.any(String) });
    expect(Object.keys(events[0]!.details).sort()).toEqual(['idNumber', 'phone']);
    const text = JSON.stringify(events);
    for (const raw of [outside.idNumber, outside.phone, other.phone]) expect(text).not.toContain(raw);
  });

  it('R10: persons inside the jurisdiction keep their precise answers', async () => {
    const me = await attacker('本单位甲');
    const mine = samplePerson('本单位经办');
    expect((await call(me, 'POST', '/accounts', mine)).status).toBe(201);
    const cases: Array<[string, unknown, string]> = [
      ['wrong name', { ...mine, name: '别名' }, 'person.name_mismatch'],
      ['wrong phone', { ...mine, phone: samplePerson().phone }, 'person.phone_mismatch'],
      ['their phone, unknown ID', { ...samplePerson(), phone: mine.phone }, 'person.phone_in_use'],
    ];
    for (const [what, body, code] of cases) {
      const res = await call(me, 'POST', '/accounts', body);
      expect([what, res.status, res.body.error?.code]).toEqual([what, 409, code]);
    }
    // A unit above sees them too: the county gets the precise answer about its employer's operator.
    const above = await call(f.county.adminId, 'POST', '/accounts', { ...mine, name: '别名' });
    expect(above.body.error?.code).toBe('person.name_mismatch');
  });

  it('R10: the same answer on every path that finds a person or gives a phone: units, change-admin, hrss admins, phone changes', async () => {
    const outside = (await knownAdmin(f.city2.adminId, '外市单位三')).person;
    const county = await f.child(f.city.adminId, 'hrss', '探测县人社局');
    const employer = await f.child(county.adminId, 'employer', '探测县医院');
    const op = await f.operator(county.adminId);
    const paths: Array<[string, string, string, unknown]> = [
      ['unit creation', 'POST', '/units', { kind: 'employer', category: 'institution', name: '探测单位', admin: outside }],
      ['change-admin', 'PUT', `/units/${employer.unitId}/admin`, outside],
      ['add hrss admin', 'POST', `/units/${county.unitId}/admins`, { ...outside, scope: ['title'] }],
      ['phone change', 'PUT', `/accounts/${op}`, { phone: outside.phone }],
      ['operator creation', 'POST', '/accounts', outside],
    ];
    const bodies = [];
    for (const [what, method, path, body] of paths) {
      const res = await call(county.adminId, method, path, body);
      expect([what, res.status, res.body.error?.code]).toEqual([what, 409, 'person.unavailable']);
      bodies.push(res.body);
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect((await failures(county.adminId, 'person_unavailable')).map((e) => e.action)).toEqual([
      'unit.create',
      'unit.change-admin',
      'unit.add-admin',
      'account.update',
      'account.create',
    ]);
    // Nothing changed: the employer keeps its administrator, the operator its phone.
    expect((await call(employer.adminId, 'GET', `/units/${employer.unitId}`)).status).toBe(200);
  });

  it(`R10: past ${PERSON_PROBE_LIMIT} refusals an actor’s every person lookup answers 429 person.lookup_throttled (audited); others are unaffected`, async () => {
    const me = await attacker('探测单位乙');
    const outside = (await knownAdmin(f.city2.adminId, '外市单位四')).person;
    for (let i = 0; i < PERSON_PROBE_LIMIT; i++) {
      const res = await call(me, 'POST', '/accounts', { ...outside, name: `猜测${i}` });
      expect([i, res.status, res.body.error?.code]).toEqual([i, 409, 'person.unavailable']);
    }
    const tripped = await call(me, 'POST', '/accounts', outside);
    expect([tripped.status, tripped.body.error?.code]).toEqual([429, 'person.lookup_throttled']);
    // A new person is refused as well now, or the difference would still answer the question.
    const fresh = await call(me, 'POST', '/accounts', samplePerson());
    expect([fresh.status, fresh.body.error?.code]).toEqual([429, 'person.lookup_throttled']);
    expect(await failures(me, 'person_lookup_throttled')).toHaveLength(2);
    // Another administrator is not throttled by this one.
    expect((await call(f.county.adminId, 'POST', '/accounts', samplePerson())).status).toBe(201);
  });
});
