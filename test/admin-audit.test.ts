import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
  // An event about no unit at all (e.g. a sign-in attempt with an unknown name).
  await f.core.base.db.transaction((tx) => f.core.base.audit.record(tx, { action: 'signin.password', result: 'failure', reason: 'unknown_name' }));
});
afterAll(async () => f?.close());

const get = (accountId: string, query = '') => f.api(f.token(accountId), 'GET', `/audit-events${query}`);
type Event = { seq: number; action: string; unitId: string | null; actor: { accountId: string | null } };
const all = async (accountId: string, query = '') => {
  const items: Event[] = [];
  let next: string | undefined;
  do {
    const res = await get(accountId, `?limit=200${query}${next ? `&next=${next}` : ''}`);
    expect(res.status).toBe(200);
    items.push(...res.body.items);
    next = res.body.next;
  } while (next);
  return items;
};

describe('audit events (R10, R25)', () => {
  it('R10/R25: an administrator reads only the events of its jurisdiction', async () => {
    const county = await all(f.county.adminId);
    expect(county.length).toBeGreaterThan(0);
    expect(new Set(county.map((e) => e.unitId))).toEqual(new Set([f.county.unitId, f.employer.unitId]));

    const city = await all(f.city.adminId);
    expect(city.map((e) => e.unitId)).not.toContain(f.city2.unitId);
    expect(city.map((e) => e.unitId)).toContain(f.employer.unitId);
    expect(city.some((e) => e.unitId === null)).toBe(false);

    const province = await all(f.province.adminId);
    expect(province.map((e) => e.unitId)).toEqual(expect.arrayContaining([f.city2.unitId, f.employer.unitId, null]));
  });

  it('R25: an event keeps the affiliation path its unit had when it happened (who may read it later)', async () => {
    const { sequelize } = f.core.base.db;
    const event = await f.core.base.db.transaction((tx) => f.core.base.audit.record(tx, { action: 'unit.update', unitId: f.employer.unitId }));
    const [rows] = await sequelize.query('SELECT unit_path FROM audit_events WHERE seq = :seq', { replacements: { seq: event.seq } });
    expect((rows as Array<{ unit_path: string[] }>)[0]!.unit_path).toEqual([f.province.unitId, f.city.unitId, f.county.unitId, f.employer.unitId]);
    const none = await f.core.base.db.transaction((tx) => f.core.base.audit.record(tx, { action: 'signin.password', result: 'failure' }));
    const [empty] = await sequelize.query('SELECT unit_path FROM audit_events WHERE seq = :seq', { replacements: { seq: none.seq } });
    expect((empty as Array<{ unit_path: string[] }>)[0]!.unit_path).toEqual([]);
  });

  it('R10: a unit outside the jurisdiction is not found (404); a unit inside narrows to its subtree', async () => {
    expect((await get(f.city.adminId, `?unitId=${f.city2.unitId}`)).status).toBe(404);
    const employer = await all(f.city.adminId, `&unitId=${f.employer.unitId}`);
    expect(employer.length).toBeGreaterThan(0);
    expect(employer.every((e) => e.unitId === f.employer.unitId)).toBe(true);
  });

  it('filters by action (exact or prefix*), actor and time, newest first with an opaque cursor', async () => {
    const accounts = await all(f.province.adminId, '&action=account.*');
    expect(accounts.length).toBeGreaterThan(0);
    expect(accounts.every((e) => e.action.startsWith('account.'))).toBe(true);
    const byActor = await all(f.province.adminId, `&actor=${f.employer.adminId}`);
    expect(byActor.length).toBeGreaterThan(0);
    expect(byActor.every((e) => e.actor.accountId === f.employer.adminId)).toBe(true);
    expect(await all(f.province.adminId, '&from=2999-01-01')).toEqual([]);
    expect((await all(f.province.adminId, '&to=2000-01-01T00:00:00Z'))).toEqual([]);

    const first = await get(f.province.adminId, '?limit=3');
    expect(first.body.items.map((e: Event) => e.seq)).toEqual([...first.body.items.map((e: Event) => e.seq)].sort((a, b) => b - a));
    const second = await get(f.province.adminId, `?limit=3&next=${first.body.next}`);
    expect(second.body.items[0].seq).toBeLessThan(first.body.items[2].seq);
    expect((await get(f.province.adminId, '?next=garbage')).body.error.code).toBe('request.cursor_invalid');
  });

  it('R25: exports the same query as NDJSON or CSV, and audits the export', async () => {
    const listed = await all(f.county.adminId);
    const ndjson = await f.app.raw('/admin/v1/audit-events/export', { headers: { authorization: `Bearer ${await f.token(f.county.adminId)}` } });
    expect(ndjson.status).toBe(200);
    expect(ndjson.headers.get('content-type')).toContain('application/x-ndjson');
    expect(ndjson.headers.get('content-disposition')).toMatch(/attachment; filename="audit-events-.*\.ndjson"/);
    const lines = (await ndjson.text()).trim().split('\n').map((l) => JSON.parse(l) as Event);
    // The export's own audit event comes first (newest), then exactly what the listing showed.
    expect(lines[0]!.action).toBe('audit.export');
    expect(lines.slice(1).map((e) => e.seq)).toEqual(listed.map((e) => e.seq));

    const csv = await f.app.raw('/admin/v1/audit-events/export?format=csv&action=unit.*', { headers: { authorization: `Bearer ${await f.token(f.county.adminId)}` } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const rows = (await csv.text()).trim().split('\r\n');
    expect(rows[0]).toMatch(/^seq,id,at,actorAccountId,/);
    expect(rows.length).toBe(1 + listed.filter((e) => e.action.startsWith('unit.')).length);

    const exportEvent = (await get(f.county.adminId, '?action=audit.export&limit=1')).body.items[0];
    expect(exportEvent.details).toEqual({ format: 'csv', filter: { action: 'unit.*' } });
    const dated = await f.app.raw('/admin/v1/audit-events/export?from=2020-01-01', { headers: { authorization: `Bearer ${await f.token(f.county.adminId)}` } });
    await dated.text();
    expect(await f.core.base.audit.verifyChain()).toMatchObject({ ok: true });
  });

  it('R9/R7: operators and unit accounts may not read the trail', async () => {
    expect((await get(f.countyOperator)).status).toBe(403);
    expect((await get(f.county.unitAccountId)).status).toBe(403);
  });
});

describe("issue 8: an account's history (R25, R10)", () => {
  it("R25: GET /accounts/{id}/history and ?subject= show the account's sign-in attempts (failed and locked included) and the changes made to it — nobody else's", async () => {
    const person = samplePerson('历史经办人');
    const made = await f.core.services.accounts.createOperator(await f.core.actor(f.employer.adminId), person, undefined, f.core.meta);
    const op = made.account.id;
    const other = await f.operator(f.employer.adminId);
    for (let i = 0; i < 4; i++) {
      await f.core.services.credentials.verifyPassword({ username: person.idNumber, password: `wrong-${i}`, meta: { ip: '203.0.113.9' } });
    }
    await f.api(f.token(f.employer.adminId), 'POST', `/accounts/${op}/reset-password`, {});
    await f.api(f.token(f.employer.adminId), 'POST', `/accounts/${other}/reset-password`, {});

    const history = await f.api(f.token(f.employer.adminId), 'GET', `/accounts/${op}/history`);
    expect(history.status).toBe(200);
    const items = history.body.items as Array<Event & { target: { type: string; id: string }; reason: string | null }>;
    expect(items.map((e) => e.action)).toEqual(expect.arrayContaining(['account.reset-password', 'account.create', 'signin.password']));
    const reasons = items.filter((e) => e.action === 'signin.password').map((e) => e.reason);
    expect(reasons.filter((r) => r === 'wrong_password')).toHaveLength(3);
    expect(reasons).toContain('locked');
    // Only events about this account or its person: the other operator's reset is not there.
    expect(items.some((e) => e.target.id === other)).toBe(false);
    expect(items.every((e) => e.target.id === op || e.target.type === 'person')).toBe(true);
    const filtered = await get(f.employer.adminId, `?subject=${op}`);
    expect(filtered.body.items.map((e: Event) => e.seq)).toEqual(items.map((e) => e.seq));
  });

  it('R10: an account outside the jurisdiction is 404 for its history and for ?subject=', async () => {
    const op = await f.operator(f.employer.adminId);
    expect((await f.api(f.token(f.city2.adminId), 'GET', `/accounts/${op}/history`)).status).toBe(404);
    expect((await get(f.city2.adminId, `?subject=${op}`)).status).toBe(404);
  });
});
