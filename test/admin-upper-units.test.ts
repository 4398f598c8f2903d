import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { UPPER_LOOKUP_LIMIT } from '../directory/units/upper-unit-lookup.ts';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

/**
 * Issue 8 — 主管部门更改 → 查询主管部门 → 选择 (R13): a unit finds the upper unit it will ask for
 * affiliation anywhere in the province, by name (the characters in order), code or area, and learns
 * nothing but what the choice needs.
 */
let f: AdminFixture;
let health: { unitId: string; adminId: string };
let newcomer: { unitId: string; adminId: string; unitAccountId: string };
beforeAll(async () => {
  f = await openAdminFixture();
  health = await f.child(f.city.adminId, 'competent', '某市卫生健康委员会');
  const put = (id: string, adminDivision: string) => f.api(f.token(f.province.adminId), 'PUT', `/units/${id}`, { adminDivision });
  await put(f.city.unitId, '320100');
  await put(health.unitId, '320100');
  await put(f.city2.unitId, '320200');
  await put(f.county.unitId, '320102');
  // A new employer created by the county bureau, not yet affiliated: it must find its upper unit.
  const made = await f.api(f.token(f.county.adminId), 'POST', '/units', {
    kind: 'employer', category: 'institution', name: '某市第一人民医院', uscc: sampleUscc(9301), responsibilities: '', admin: samplePerson('医院管理员'),
  });
  newcomer = { unitId: made.body.unit.id, adminId: made.body.admin.accountId, unitAccountId: made.body.unitAccount.id };
});
afterAll(async () => f?.close());

const lookup = (accountId: string, query: string) => f.api(f.token(accountId), 'GET', `/upper-units${query}`);

describe('issue 8 (R13): finding the upper unit', () => {
  it('R13: fuzzy on Chinese names — the typed characters in order find the unit; the answer holds only what a choice needs', async () => {
    const res = await lookup(newcomer.adminId, `?q=${encodeURIComponent('市卫健委')}`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((u: { name: string }) => u.name)).toEqual(['某市卫生健康委员会']);
    const [unit] = res.body.items;
    expect(Object.keys(unit).sort()).toEqual(['area', 'code', 'id', 'kind', 'level', 'name']);
    expect(unit).toEqual({ id: health.unitId, name: '某市卫生健康委员会', code: expect.stringMatching(/^[0-9A-Z]{18}$/), kind: 'competent', level: null, area: '320100' });
    // Nothing about administrators, accounts or subordinates anywhere in the body.
    expect(JSON.stringify(res.body)).not.toMatch(/admin|account|children|path|responsib/i);
  });

  it('R13: exact and prefix matches come before scattered ones; a code prefix finds the unit too', async () => {
    const names = (await lookup(newcomer.adminId, `?q=${encodeURIComponent('某市人社局')}`)).body.items.map((u: { name: string }) => u.name);
    expect(names[0]).toBe('某市人社局');
    const code = (await f.api(f.token(f.province.adminId), 'GET', `/units/${f.city2.unitId}`)).body.uscc as string;
    const byCode = await lookup(newcomer.adminId, `?q=${code.slice(0, 12)}`);
    expect(byCode.body.items.map((u: { id: string }) => u.id)).toContain(f.city2.unitId);
  });

  it('R13: only units the caller may be affiliated to — a county bureau sees city bureaus only, never itself or a unit below it', async () => {
    const county = (await lookup(f.county.adminId, '?limit=200')).body.items;
    expect(county.length).toBeGreaterThan(0);
    expect(county.every((u: { kind: string; level: string }) => u.kind === 'hrss' && u.level === 'city')).toBe(true);
    const city = (await lookup(f.city.adminId, '?limit=200')).body.items.map((u: { id: string }) => u.id);
    expect(city).toEqual([f.province.unitId]);
    const employer = (await lookup(newcomer.adminId, '?limit=200')).body.items as Array<{ kind: string; id: string }>;
    expect(new Set(employer.map((u) => u.kind))).toEqual(new Set(['hrss', 'competent']));
    expect(employer.map((u) => u.id)).not.toContain(f.employer.unitId);
  });

  it('R13: by area (an administrative-division prefix) and by kind', async () => {
    const area = (await lookup(newcomer.adminId, '?area=3201&limit=200')).body.items.map((u: { id: string }) => u.id);
    expect(new Set(area)).toEqual(new Set([f.city.unitId, health.unitId, f.county.unitId]));
    const hrss = (await lookup(newcomer.adminId, '?area=3201&kind=hrss')).body.items.map((u: { id: string }) => u.id);
    expect(new Set(hrss)).toEqual(new Set([f.city.unitId, f.county.unitId]));
    expect((await lookup(newcomer.adminId, '?area=32010')).status).toBe(400);
  });

  it('R13: paged with a stable cursor; a tampered cursor is a 400', async () => {
    const first = await lookup(newcomer.adminId, '?limit=1');
    expect(first.body.items).toHaveLength(1);
    const second = await lookup(newcomer.adminId, `?limit=1&next=${first.body.next}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expect((await lookup(newcomer.adminId, '?next=WzEsMl0')).body.error.code).toBe('request.cursor_invalid');
  });

  it('R9/R7: operators and unit accounts may not look up (only administrators ask for affiliation)', async () => {
    expect((await lookup(f.countyOperator, '')).status).toBe(403);
    expect((await lookup(newcomer.unitAccountId, '')).status).toBe(403);
  });

  it('R25: every lookup is audited; past the limit per minute the administrator is told to wait (429, Retry-After)', async () => {
    const u = await f.child(f.county.adminId, 'employer', '某县第二中学');
    for (let i = 0; i < UPPER_LOOKUP_LIMIT; i++) expect((await lookup(u.adminId, '?q=%E4%BA%BA')).status).toBe(200);
    const refused = await lookup(u.adminId, '?q=%E4%BA%BA');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('unit.lookup_throttled');
    expect(refused.headers.get('retry-after')).toBe('60');
    const events = await f.api(f.token(f.county.adminId), 'GET', `/audit-events?action=unit.lookup-upper&unitId=${u.unitId}&limit=200`);
    expect(events.body.items.filter((e: { result: string }) => e.result === 'success')).toHaveLength(UPPER_LOOKUP_LIMIT);
    expect(events.body.items.filter((e: { reason: string }) => e.reason === 'throttled')).toHaveLength(1);
    expect(events.body.items[0].details).toMatchObject({ q: '人' });
  });
});
