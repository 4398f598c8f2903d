import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { AccountModel, AffiliationRequestModel } from '../directory/models/index.ts';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

/**
 * SPEC §5: bad input is a 400 and a conflict a 409, never a 500 — for what the route schemas let
 * through: tampered page cursors, dates PostgreSQL refuses, NUL characters, and requests that race
 * past a service's check into a unique constraint (simulated by hiding the check's answer).
 */
let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());
afterEach(() => {
  vi.restoreAllMocks();
});

const call = (accountId: string, method: string, path: string, body?: unknown) => f.api(f.token(accountId), method, path, body);
const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
let usccSeq = 8900;

/** A unit created by the province, not yet affiliated, with an administrator whose person is known. */
async function unitOfProvince(kind: 'hrss' | 'employer' = 'employer') {
  const person = samplePerson('单位管理员');
  const made = await f.core.services.units.create(
    await f.core.actor(f.province.adminId),
    { kind, ...(kind === 'employer' ? { category: 'institution' as const } : {}), name: `测试单位${usccSeq}`, uscc: sampleUscc(usccSeq++), admin: person },
    f.core.meta,
  );
  return { unitId: made.unit.id, adminId: made.admin.accountId, person };
}

describe('tampered page cursors are 400 request.cursor_invalid', () => {
  const lists = ['/units', '/accounts', '/affiliation-requests', '/migrations', '/role-change-requests'];
  const u = '00000000-0000-4000-8000-000000000000';
  const tampered = [['x', 'y'], [5, 6], ['a'], ['2026-01-01T00:00:00.000Z', 'not-a-uuid']];
  // Lists keyed by time: dates JavaScript reads but PostgreSQL refuses, or anything else.
  const timed = [['not-a-date', u], ['0000-01-01T00:00:00.000Z', u], ['2026-01-01', u]];

  it('on every keyset-paged list', async () => {
    for (const list of lists) {
      for (const key of list === '/units' ? tampered : [...tampered, ...timed]) {
        const res = await call(f.province.adminId, 'GET', `${list}?next=${cursor(key)}`);
        expect([list, key, res.status, res.body.error?.code]).toEqual([list, key, 400, 'request.cursor_invalid']);
      }
    }
    for (const key of [['abc'], [-1], [1.5], [1e300]]) {
      const res = await call(f.province.adminId, 'GET', `/audit-events?next=${cursor(key)}`);
      expect([key, res.status, res.body.error?.code]).toEqual([key, 400, 'request.cursor_invalid']);
    }
  });

  it('while real cursors walk every item exactly once (R11 migrations list)', async () => {
    const from = await f.child(f.county.adminId, 'employer', '翻页调出单位');
    const to = await f.child(f.county.adminId, 'employer', '翻页调入单位');
    const asked: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call(from.adminId, 'POST', `/accounts/${await f.operator(from.adminId)}/migrate`, { toUnitId: to.unitId });
      asked.push(res.body.requestId);
    }
    const seen: string[] = [];
    let next: string | undefined;
    do {
      const page = await call(to.adminId, 'GET', `/migrations?limit=1${next ? `&next=${next}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((m: { id: string }) => m.id));
      next = page.body.next;
    } while (next && seen.length < 10);
    expect(seen).toEqual(asked);
  });
});

describe('audit filters take only dates PostgreSQL can hold', () => {
  it('refuses the year 0, also when an offset reaches it (400 request.invalid), and accepts the year 1', async () => {
    for (const q of ['from=0000-01-01', 'to=0001-01-01T00:30:00%2B01:00']) {
      const res = await call(f.province.adminId, 'GET', `/audit-events?${q}`);
      expect([q, res.status, res.body.error?.code]).toEqual([q, 400, 'request.invalid']);
    }
    expect((await call(f.province.adminId, 'GET', '/audit-events?from=0001-01-01&limit=1')).status).toBe(200);
    const exported = await f.app.raw('/admin/v1/audit-events/export?from=0000-01-01', { headers: { authorization: `Bearer ${await f.token(f.province.adminId)}` } });
    expect(exported.status).toBe(400);
  });
});

describe('text holding a NUL character is 400, never a 500 nor stored altered', () => {
  it('in bodies, queries, nested person data and on updates', async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/units', { kind: 'employer', category: 'institution', name: '空\u0000字符', admin: samplePerson() }, 'body:name'],
      ['POST', '/units', { kind: 'employer', category: 'institution', name: '空字符', admin: { ...samplePerson(), name: '张\u0000三' } }, 'body:admin.name'],
      ['PUT', `/units/${f.county.unitId}`, { responsibilities: '职责\u0000' }, 'body:responsibilities'],
      ['POST', '/clients', { name: 'partner\u0000', resources: ['urn:partner:nul'] }, 'body:name'],
      ['POST', '/roles', { code: 'title.nul-role', name: '角色\u0000', subsystem: 'title', modules: ['title:apply'] }, 'body:name'],
      ['GET', '/units?q=%00', undefined, 'query:q'],
    ];
    for (const [method, path, body, where] of cases) {
      const res = await call(f.province.adminId, method, path, body);
      const issues = res.body.error?.details?.issues?.map((i: { in: string; path: string }) => `${i.in}:${i.path}`);
      expect([method, path, res.status, res.body.error?.code]).toEqual([method, path, 400, 'request.invalid']);
      expect(issues).toContain(where);
    }
    const [rows] = await f.core.base.db.sequelize.query(`SELECT count(*)::int AS n FROM units WHERE name LIKE '空%'`);
    expect((rows as Array<{ n: number }>)[0]!.n).toBe(0);
  });
});

describe('races into a unique constraint are 409 with the check’s own code, never 500', () => {
  it('R13: two concurrent affiliation requests of one unit — one is pending, the other 409', async () => {
    const a = await unitOfProvince();
    const answers = await Promise.all([1, 2].map(() => call(a.adminId, 'POST', '/affiliation-requests', { targetUnitId: f.province.unitId })));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(answers.find((r) => r.status === 409)!.body.error.code).toBe('affiliation.pending_exists');
  });

  it('R13: one pending request per unit — past the check, affiliation_one_pending answers', async () => {
    const a = await unitOfProvince();
    expect((await call(a.adminId, 'POST', '/affiliation-requests', { targetUnitId: f.province.unitId })).status).toBe(201);
    vi.spyOn(AffiliationRequestModel, 'findOne').mockResolvedValueOnce(null);
    const res = await call(a.adminId, 'POST', '/affiliation-requests', { targetUnitId: f.province.unitId });
    expect([res.status, res.body.error?.code]).toEqual([409, 'affiliation.pending_exists']);
  });

  it('R8: a person created twice at once — persons.id_number_hash answers person.exists (also inside unit creation)', async () => {
    const person = samplePerson('并发人员');
    expect((await call(f.county.adminId, 'POST', '/accounts', person)).status).toBe(201);
    const hide = () => {
      vi.spyOn(f.core.services.persons, 'findByIdNumber').mockResolvedValueOnce(null);
      vi.spyOn(f.core.services.persons, 'findByPhone').mockResolvedValueOnce(null);
    };
    hide();
    const op = await call(f.employer.adminId, 'POST', '/accounts', person);
    expect([op.status, op.body.error?.code]).toEqual([409, 'person.exists']);
    hide();
    // Before: every unique violation in unit creation was reported as a taken unit code.
    const unit = await call(f.province.adminId, 'POST', '/units', { kind: 'employer', category: 'institution', name: '并发单位', uscc: sampleUscc(usccSeq++), admin: person });
    expect([unit.status, unit.body.error?.code]).toEqual([409, 'person.exists']);
  });

  it('R9: one active account per person, unit and kind — past the check, the partial index answers account.exists', async () => {
    const person = samplePerson('重复经办');
    expect((await call(f.county.adminId, 'POST', '/accounts', person)).status).toBe(201);
    vi.spyOn(AccountModel, 'findOne').mockResolvedValueOnce(null);
    const res = await call(f.county.adminId, 'POST', '/accounts', person);
    expect([res.status, res.body.error?.code]).toEqual([409, 'account.exists']);
  });

  it('R8: a phone taken at the same moment — persons.phone_hash answers person.phone_in_use', async () => {
    const other = samplePerson('号码持有人');
    expect((await call(f.county.adminId, 'POST', '/accounts', other)).status).toBe(201);
    vi.spyOn(f.core.services.persons, 'findByPhone').mockResolvedValueOnce(null);
    const res = await call(f.county.adminId, 'PUT', `/accounts/${f.countyOperator}`, { phone: other.phone });
    expect([res.status, res.body.error?.code]).toEqual([409, 'person.phone_in_use']);
  });
});

describe('the audit trail says what changed', () => {
  it('R25: an operator update names only the fields given', async () => {
    const id = await f.operator(f.county.adminId);
    expect((await call(f.county.adminId, 'PUT', `/accounts/${id}`, { name: '改名经办' })).status).toBe(200);
    const [rows] = await f.core.base.db.sequelize.query(`SELECT details FROM audit_events WHERE action = 'account.update' AND target_id = :id`, {
      replacements: { id },
    });
    expect((rows as Array<{ details: unknown }>).map((r) => r.details)).toEqual([{ changed: ['name'] }]);
  });
});
