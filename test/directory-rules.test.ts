import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { openBootstrappedCore, samplePerson } from './support/core.ts';

let core: Awaited<ReturnType<typeof openBootstrappedCore>>;
beforeAll(async () => {
  core = await openBootstrappedCore();
});
afterAll(async () => core?.close());

const units = () => core.services.units;
const provinceAdmin = () => core.actor(core.root.admin.accountId);

describe('units', () => {
  it('R1: refuses a bad USCC with 400 naming the position', async () => {
    const err = await units()
      .create(await provinceAdmin(), { kind: 'employer', category: 'institution', name: '坏代码单位', uscc: '91350100M000100Y44', admin: samplePerson() }, core.meta)
      .catch((e) => e);
    expect(err).toMatchObject({ status: 400, code: 'unit.uscc_invalid', details: { position: 18 } });
  });

  it('R1: a province administrator accepts a pilot code failing its check only with an audited override', async () => {
    const made = await units().create(
      await provinceAdmin(),
      { kind: 'employer', category: 'institution', name: '试点单位', uscc: '91350211M00013FA1N', usccOverride: true, admin: samplePerson() },
      core.meta,
    );
    expect(made.unit).toMatchObject({ uscc: '91350211M00013FA1N', usccOverride: true });
    const [rows] = await core.base.db.sequelize.query(
      `SELECT details FROM audit_events WHERE action = 'unit.create' AND target_id = :id`,
      { replacements: { id: made.unit.id } },
    );
    expect((rows as Array<{ details: { usccOverride: boolean } }>)[0]!.details.usccOverride).toBe(true);
  });

  it('R1: a city administrator may not override the check', async () => {
    const city = await units().create(await provinceAdmin(), { kind: 'hrss', name: '某市人社局', uscc: sampleUscc(9001), admin: samplePerson() }, core.meta);
    const err = await units()
      .create(await core.actor(city.admin.accountId), { kind: 'employer', category: 'institution', name: '试点单位2', uscc: '91350211M00013FA1N', usccOverride: true, admin: samplePerson() }, core.meta)
      .catch((e) => e);
    expect(err).toMatchObject({ status: 403, code: 'unit.uscc_override_forbidden' });
  });

  it('R2: 20 concurrent creations under one parent get 20 distinct derived codes', async () => {
    const parent = await units().create(await provinceAdmin(), { kind: 'employer', category: 'institution', name: '母单位', uscc: sampleUscc(9002), admin: samplePerson() }, core.meta);
    const admin = await core.actor(parent.admin.accountId);
    const made = await Promise.all(
      Array.from({ length: 20 }, (_, i) => units().create(admin, { kind: 'employer', category: 'institution', name: `下属机构${i}`, admin: samplePerson() }, core.meta)),
    );
    const codes = made.map((m) => m.unit.uscc).sort();
    expect(new Set(codes).size).toBe(20);
    expect(codes[0]).toBe(`${sampleUscc(9002)}01`);
    expect(codes[19]).toBe(`${sampleUscc(9002)}20`);
    expect(made.every((m) => m.unit.derived)).toBe(true);
  });

  it('R2: the 99th derived code is the last; the 100th is 409 unit.derived_code_exhausted and takes nothing', async () => {
    const parent = await units().create(await provinceAdmin(), { kind: 'employer', category: 'institution', name: '满额母单位', uscc: sampleUscc(9008), admin: samplePerson() }, core.meta);
    await core.base.db.sequelize.query('UPDATE units SET next_derived_serial = 99 WHERE id = :id', { replacements: { id: parent.unit.id } });
    const admin = await core.actor(parent.admin.accountId);
    const last = await units().create(admin, { kind: 'employer', category: 'institution', name: '第99个', admin: samplePerson() }, core.meta);
    expect(last.unit.uscc).toBe(`${sampleUscc(9008)}99`);
    for (const name of ['第100个', '第101个']) {
      const err = await units().create(admin, { kind: 'employer', category: 'institution', name, admin: samplePerson() }, core.meta).catch((e) => e);
      expect(err).toMatchObject({ status: 409, code: 'unit.derived_code_exhausted' });
    }
    const [rows] = await core.base.db.sequelize.query('SELECT next_derived_serial AS n FROM units WHERE id = :id', { replacements: { id: parent.unit.id } });
    expect((rows as Array<{ n: number }>)[0]!.n).toBe(100);
  });

  it('R3: codes are unique across the platform (409)', async () => {
    await units().create(await provinceAdmin(), { kind: 'employer', category: 'institution', name: '唯一单位', uscc: sampleUscc(9003), admin: samplePerson() }, core.meta);
    const err = await units()
      .create(await provinceAdmin(), { kind: 'employer', category: 'institution', name: '重复单位', uscc: sampleUscc(9003), admin: samplePerson() }, core.meta)
      .catch((e) => e);
    expect(err).toMatchObject({ status: 409, code: 'unit.uscc_taken' });
  });

  it('R4: an employer may not create a competent department (403)', async () => {
    const emp = await units().create(await provinceAdmin(), { kind: 'employer', category: 'institution', name: '某企业', uscc: sampleUscc(9004), admin: samplePerson() }, core.meta);
    const err = await units()
      .create(await core.actor(emp.admin.accountId), { kind: 'competent', name: '越权部门', admin: samplePerson() }, core.meta)
      .catch((e) => e);
    expect(err).toMatchObject({ status: 403, code: 'unit.creation_not_allowed' });
  });

  it('R6: a second active administrator of a non-hrss unit is refused by the database', async () => {
    const emp = await units().create(await provinceAdmin(), { kind: 'employer', category: 'institution', name: '单管理员单位', uscc: sampleUscc(9005), admin: samplePerson() }, core.meta);
    const city = await units().create(await provinceAdmin(), { kind: 'hrss', name: '多管理员市局', uscc: sampleUscc(9017), admin: samplePerson() }, core.meta);
    // Another person (one of the province's), so that only the R6 index can object.
    const secondAdmin = (unitId: string, status = 'active') =>
      core.base.db.sequelize.query(
        `INSERT INTO accounts (kind, unit_id, unit_kind, person_id, status)
           SELECT 'admin', u.id, u.kind, a.person_id, :status FROM units u, accounts a WHERE u.id = :unitId AND a.id = :other`,
        { replacements: { unitId, status, other: core.root.admin.accountId } },
      );
    await expect(secondAdmin(emp.unit.id)).rejects.toMatchObject({
      name: 'SequelizeUniqueConstraintError',
      parent: { code: '23505', constraint: 'accounts_one_active_admin' },
    });
    // The same insert passes where R6 allows it: a disabled one, or in an hrss unit.
    await expect(secondAdmin(emp.unit.id, 'disabled')).resolves.toBeDefined();
    await expect(secondAdmin(city.unit.id)).resolves.toBeDefined();
  });

  it('R10: a unit outside the jurisdiction answers 404', async () => {
    const a = await units().create(await provinceAdmin(), { kind: 'hrss', name: '甲市人社局', uscc: sampleUscc(9006), admin: samplePerson() }, core.meta);
    const b = await units().create(await provinceAdmin(), { kind: 'hrss', name: '乙市人社局', uscc: sampleUscc(9007), admin: samplePerson() }, core.meta);
    const err = await units().get(await core.actor(a.admin.accountId), b.unit.id).catch((e) => e);
    expect(err).toMatchObject({ status: 404, code: 'unit.not_found' });
    // …while the creator sees the units it created that are not yet affiliated.
    expect((await units().get(await provinceAdmin(), b.unit.id)).id).toBe(b.unit.id);
  });
});

describe('affiliation', () => {
  it('R13/R14: approval confirms the unit below, its path follows, and cycles are refused', async () => {
    const city = await units().create(await provinceAdmin(), { kind: 'hrss', name: '丙市人社局', uscc: sampleUscc(9010), admin: samplePerson() }, core.meta);
    const cityAdmin = await core.actor(city.admin.accountId);
    const req = await core.services.affiliation.request(cityAdmin, core.root.unit.id, core.meta);
    expect(req.status).toBe('pending');
    const dup = await core.services.affiliation.request(cityAdmin, core.root.unit.id, core.meta).catch((e) => e);
    expect(dup).toMatchObject({ status: 409, code: 'affiliation.pending_exists' });
    await core.services.affiliation.decide(await provinceAdmin(), req.id, true, undefined, core.meta);
    const unit = await units().get(await provinceAdmin(), city.unit.id);
    expect(unit).toMatchObject({ affiliation: 'confirmed', parentUnitId: core.root.unit.id, path: [core.root.unit.id, city.unit.id] });

    const county = await units().create(cityAdmin, { kind: 'hrss', name: '丁县人社局', uscc: sampleUscc(9011), admin: samplePerson() }, core.meta);
    const countyReq = await core.services.affiliation.request(await core.actor(county.admin.accountId), city.unit.id, core.meta);
    await core.services.affiliation.decide(cityAdmin, countyReq.id, true, undefined, core.meta);
    // The province now sees the county through confirmed affiliation.
    expect((await units().get(await provinceAdmin(), county.unit.id)).path).toEqual([core.root.unit.id, city.unit.id, county.unit.id]);
    // A city cannot affiliate below its own county.
    const cycle = await core.services.affiliation.request(cityAdmin, county.unit.id, core.meta).catch((e) => e);
    expect(cycle).toMatchObject({ status: 409, code: 'affiliation.cycle' });
  });

  it('R13: concurrent approvals never make a cycle (A below B and B below A at once: one wins, the other is 409)', async () => {
    // Each approval alone is acyclic; racing on stale paths, both used to commit (real PostgreSQL).
    for (let i = 0; i < 6; i++) {
      const a = await units().create(await provinceAdmin(), { kind: 'employer', category: 'institution', name: `甲${i}`, uscc: sampleUscc(9100 + 2 * i), admin: samplePerson() }, core.meta);
      const b = await units().create(await provinceAdmin(), { kind: 'employer', category: 'institution', name: `乙${i}`, uscc: sampleUscc(9101 + 2 * i), admin: samplePerson() }, core.meta);
      const [aAdmin, bAdmin] = [await core.actor(a.admin.accountId), await core.actor(b.admin.accountId)];
      const aUnderB = await core.services.affiliation.request(aAdmin, b.unit.id, core.meta);
      const bUnderA = await core.services.affiliation.request(bAdmin, a.unit.id, core.meta);
      const settled = await Promise.allSettled([
        core.services.affiliation.decide(bAdmin, aUnderB.id, true, undefined, core.meta),
        core.services.affiliation.decide(aAdmin, bUnderA.id, true, undefined, core.meta),
      ]);
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      expect(settled.find((s) => s.status === 'rejected')).toMatchObject({ reason: { status: 409, code: 'affiliation.cycle' } });
      const [rows] = await core.base.db.sequelize.query('SELECT id, path FROM units WHERE id IN (:ids)', { replacements: { ids: [a.unit.id, b.unit.id] } });
      for (const u of rows as Array<{ id: string; path: string[] }>) {
        expect(u.path.at(-1)).toBe(u.id);
        expect(new Set(u.path).size).toBe(u.path.length);
      }
    }
  });

  it('R13: only the upper unit decides; others get 404', async () => {
    const emp = await units().create(await provinceAdmin(), { kind: 'employer', category: 'institution', name: '戊单位', uscc: sampleUscc(9012), admin: samplePerson() }, core.meta);
    const other = await units().create(await provinceAdmin(), { kind: 'employer', category: 'institution', name: '己单位', uscc: sampleUscc(9013), admin: samplePerson() }, core.meta);
    const req = await core.services.affiliation.request(await core.actor(emp.admin.accountId), core.root.unit.id, core.meta);
    const err = await core.services.affiliation.decide(await core.actor(other.admin.accountId), req.id, true, undefined, core.meta).catch((e) => e);
    expect(err).toMatchObject({ status: 404 });
    const rejected = await core.services.affiliation.decide(await provinceAdmin(), req.id, false, '材料不全', core.meta);
    expect(rejected.status).toBe('rejected');
  });
});

describe('accounts', () => {
  it('R8: refuses a bad ID number or phone with 400 and a code naming it', async () => {
    const admin = await provinceAdmin();
    const { parsePersonInput } = await import('../directory/persons/person-rules.ts');
    const good = samplePerson();
    const badCheck = good.idNumber.slice(0, 17) + (good.idNumber.endsWith('0') ? '1' : '0');
    expect(() => parsePersonInput({ ...good, idNumber: badCheck })).toThrowError(
      expect.objectContaining({ status: 400, code: 'person.id_number_invalid' }),
    );
    expect(() => parsePersonInput({ ...samplePerson(), phone: '12800000000' })).toThrowError(expect.objectContaining({ status: 400, code: 'person.phone_invalid' }));
    // Unit creation uses that check: refused before anything is written (no unit, no person).
    const refused = await units()
      .create(admin, { kind: 'employer', category: 'institution', name: '坏身份证单位', uscc: sampleUscc(9018), admin: { ...good, idNumber: badCheck } }, core.meta)
      .catch((e) => e);
    expect(refused).toMatchObject({ status: 400, code: 'person.id_number_invalid' });
    const [rows] = await core.base.db.sequelize.query(`SELECT count(*)::int AS n FROM units WHERE uscc = :uscc`, { replacements: { uscc: sampleUscc(9018) } });
    expect((rows as Array<{ n: number }>)[0]!.n).toBe(0);
    const [persons] = await core.base.db.sequelize.query(`SELECT count(*)::int AS n FROM persons WHERE id_number_hash IN (:hashes)`, {
      replacements: { hashes: [core.base.pii.lookupHash(good.idNumber), core.base.pii.lookupHash(badCheck)] },
    });
    expect((persons as Array<{ n: number }>)[0]!.n).toBe(0);
  });

  it('R9: a person may hold an administrator and an operator account; IDs and phones are masked (R25)', async () => {
    const person = samplePerson('双账号');
    const emp = await units().create(await provinceAdmin(), { kind: 'employer', category: 'institution', name: '庚单位', uscc: sampleUscc(9014), admin: person }, core.meta);
    const op = await core.services.accounts.createOperator(await core.actor(emp.admin.accountId), person, undefined, core.meta);
    expect(op.initialPassword).toBeNull(); // one person, one password
    expect(op.account.idNumber).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
    expect(op.account.phone).toMatch(/^\d{3}\*{4}\d{4}$/);
    expect(JSON.stringify(op)).not.toContain(person.idNumber);
  });

  it('R10: an administrator manages only its own unit\'s operators (403), and never outside (404)', async () => {
    const emp = await units().create(await provinceAdmin(), { kind: 'employer', category: 'institution', name: '辛单位', uscc: sampleUscc(9015), admin: samplePerson() }, core.meta);
    const op = await core.services.accounts.createOperator(await core.actor(emp.admin.accountId), samplePerson(), undefined, core.meta);
    const err = await core.services.accounts.resetPassword(await provinceAdmin(), op.account.id, core.meta).catch((e) => e);
    expect(err).toMatchObject({ status: 403 });
    const stranger = await units().create(await provinceAdmin(), { kind: 'employer', category: 'institution', name: '壬单位', uscc: sampleUscc(9016), admin: samplePerson() }, core.meta);
    const hidden = await core.services.accounts.get(await core.actor(stranger.admin.accountId), op.account.id).catch((e) => e);
    expect(hidden).toMatchObject({ status: 404 });
  });
});

describe('audit', () => {
  it('R25: every change wrote a chained event and the database refuses UPDATE and DELETE', async () => {
    const made = await units().create(await provinceAdmin(), { kind: 'employer', category: 'institution', name: '审计单位', uscc: sampleUscc(9019), admin: samplePerson() }, core.meta);
    const [rows] = await core.base.db.sequelize.query(`SELECT action FROM audit_events WHERE target_id = :id`, { replacements: { id: made.unit.id } });
    expect((rows as Array<{ action: string }>).map((r) => r.action)).toEqual(['unit.create']);
    expect(await core.base.audit.verifyChain()).toMatchObject({ ok: true });
    // The server's role has no such right (issue 5 item 2); the owner meets the append-only trigger.
    await expect(core.base.db.sequelize.query(`UPDATE audit_events SET action = 'x'`)).rejects.toThrow(/permission denied for table audit_events/);
    await expect(core.base.db.sequelize.query(`DELETE FROM audit_events`)).rejects.toThrow(/permission denied for table audit_events/);
    expect(await core.base.audit.verifyChain()).toMatchObject({ ok: true });
  });

  it('R25: the chain verifier finds an event altered behind the trigger\'s back', async () => {
    // A superuser can bypass triggers; the hash chain is what still tells. (The pool runs as the
    // restricted server role; ROLE NONE is the login role, a superuser here.)
    const setReason = (seq: number, reason: string | null) =>
      core.base.db.sequelize.transaction(async (tx) => {
        await core.base.db.sequelize.query(`SET LOCAL ROLE NONE`, { transaction: tx });
        await core.base.db.sequelize.query(`SET LOCAL session_replication_role = replica`, { transaction: tx });
        await core.base.db.sequelize.query(`UPDATE audit_events SET reason = :reason WHERE seq = :seq`, { replacements: { seq, reason }, transaction: tx });
      });
    const [[first]] = (await core.base.db.sequelize.query(`SELECT seq, reason FROM audit_events ORDER BY seq LIMIT 1`)) as [Array<{ seq: number; reason: string | null }>, unknown];
    expect(await core.base.audit.verifyChain()).toMatchObject({ ok: true });
    await setReason(first!.seq, 'forged');
    try {
      expect(await core.base.audit.verifyChain()).toMatchObject({ ok: false, brokenAt: first!.seq, problem: 'hash mismatch' });
    } finally {
      // Put it back, so that the rest of the file (in any order) sees an intact chain.
      await setReason(first!.seq, first!.reason);
    }
    expect(await core.base.audit.verifyChain()).toMatchObject({ ok: true });
  });
});
