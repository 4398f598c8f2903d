import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { RESOURCES, type Subsystem } from '../directory/catalogue/modules.ts';
import { sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { getResourceServerInfo } from '../identity/resources.ts';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

/**
 * Issue 8 — keeping the account system clean (清理离职、离岗人员账号; 完善账号体系; 大量无效角色): the lists a
 * unit acts on, over its jurisdiction only (R10), and bulk actions on a selection, each account
 * checked and audited as the single action would be (R6, R10, R12, R17, R19, R25).
 */
let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());

const meta = { requestId: 'cleanup-test' };
let usccSeq = 9800;
const call = (accountId: string, method: string, path: string, body?: unknown) => f.api(f.token(accountId), method, path, body);
const ids = (items: Array<{ id: string }>) => items.map((i) => i.id);
const sql = async <T>(query: string, replacements: Record<string, unknown>) => (await f.core.base.db.sequelize.query(query, { replacements }))[0] as T[];

/** A unit created by `creatorAdminId`'s unit and affiliated to it (R4, R13), with its unit account and administrator. */
async function unitUnder(creatorAdminId: string, kind: 'hrss' | 'employer', name: string, extra: Record<string, unknown> = {}) {
  const { units, affiliation } = f.core.services;
  const creator = await f.core.actor(creatorAdminId);
  const made = await units.create(
    creator,
    { kind, ...(kind === 'employer' ? { category: 'institution' as const } : {}), name, uscc: sampleUscc(usccSeq++), responsibilities: '', admin: samplePerson(`${name}管理员`), ...extra },
    meta,
  );
  const req = await affiliation.request(await f.core.actor(made.admin.accountId), creator.unitId, meta);
  await affiliation.decide(creator, req.id, true, undefined, meta);
  return { unitId: made.unit.id, adminId: made.admin.accountId, unitAccountId: made.unitAccount.id };
}

async function operatorOf(adminId: string, roles?: string[]) {
  const person = samplePerson('经办人');
  const made = await f.core.services.accounts.createOperator(await f.core.actor(adminId), person, roles, meta);
  return { id: made.account.id, person };
}

/** A completed sign-in as the provider records it (issue 7), optionally moved `daysAgo` into the past. */
async function signedIn(accountId: string, daysAgo = 0) {
  await f.core.services.signIns.record({ accountId, method: 'password', amr: ['pwd'], meta });
  if (daysAgo) await sql('UPDATE accounts SET last_sign_in_at = clock_timestamp() - make_interval(days => :d) WHERE id = :id', { d: daysAgo, id: accountId });
}

/** R19 — three wrong passwords lock the person's password. */
async function lock(idNumber: string) {
  for (let i = 0; i < 3; i++) await f.core.services.credentials.verifyPassword({ username: idNumber, password: `wrong-${i}`, meta: { ip: '198.51.100.21' } });
}

/** Every item of a list, page by page (`limit` per page), checking that no item comes twice. */
async function all(actorId: string, path: string, limit = 200) {
  const items: any[] = [];
  let next: string | undefined;
  for (let pages = 0; pages < 50; pages++) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await call(actorId, 'GET', `${path}${sep}limit=${limit}${next ? `&next=${encodeURIComponent(next)}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    items.push(...res.body.items);
    next = res.body.next;
    if (!next) break;
  }
  expect(new Set(items.map((i) => i.id ?? i.unitId ?? i.code)).size).toBe(items.length);
  return items;
}

/** A real access token for a subsystem, minted by the provider as at its token endpoint (extraTokenClaims runs). */
async function subsystemToken(accountId: string, subsystem: Subsystem) {
  const provider = f.app.identity.provider;
  const client = (await provider.Client.find(subsystem))!;
  const resource = RESOURCES[subsystem];
  const info = await getResourceServerInfo({ oidc: { params: {} } } as never, resource, client);
  const grant = new provider.Grant({ accountId, clientId: client.clientId });
  grant.addOIDCScope('openid');
  grant.addResourceScope(resource, info.scope);
  const grantId = await grant.save();
  const token = new provider.AccessToken({ accountId, client, grantId, gty: 'authorization_code', scope: info.scope, resourceServer: new provider.ResourceServer(resource, info) });
  return decodeJwt(await token.save());
}

const auditCount = async (action: string, targetIds: string[]) =>
  (await sql<{ n: number }>('SELECT count(*)::int AS n FROM audit_events WHERE action = :action AND target_id IN (:targetIds)', { action, targetIds }))[0]!.n;

describe('issue 8: clean-up lists of accounts (清理离职、离岗人员账号; 完善账号体系)', () => {
  // One county of the city, with an employer below it whose category predates issue 8.
  let county: Awaited<ReturnType<typeof unitUnder>>;
  let employer: Awaited<ReturnType<typeof unitUnder>>;
  let op: Record<'never' | 'recent' | 'dormant' | 'dormant2' | 'locked' | 'noPassword' | 'gone' | 'disabledRole', Awaited<ReturnType<typeof operatorOf>>>;

  beforeAll(async () => {
    county = await unitUnder(f.city.adminId, 'hrss', '清理测试县人社局', { adminDivision: '350102' });
    // A role the county defines and later disables: its holder has no active role any more.
    expect((await call(county.adminId, 'POST', '/roles', { code: 'title.cleanup-old', name: '旧角色', subsystem: 'title', modules: ['title:apply'] })).status).toBe(201);
    op = {
      never: await operatorOf(county.adminId),
      recent: await operatorOf(county.adminId, ['title.reviewer']),
      dormant: await operatorOf(county.adminId, ['title.reviewer']),
      dormant2: await operatorOf(county.adminId, ['title.reviewer']),
      locked: await operatorOf(county.adminId, ['title.reviewer']),
      noPassword: await operatorOf(county.adminId, ['title.reviewer']),
      gone: await operatorOf(county.adminId),
      disabledRole: await operatorOf(county.adminId, ['title.cleanup-old']),
    };
    expect((await call(county.adminId, 'PUT', '/roles/title.cleanup-old', { status: 'disabled' })).status).toBe(200);
    employer = await unitUnder(county.adminId, 'employer', '清理测试县某中学');
    for (const id of [county.unitAccountId, county.adminId, op.recent.id, op.locked.id, op.noPassword.id, op.gone.id, op.disabledRole.id]) await signedIn(id);
    await signedIn(op.dormant.id, 200);
    await signedIn(op.dormant2.id, 150);
    await lock(op.locked.person.idNumber);
    await f.core.services.accounts.offboard(await f.core.actor(county.adminId), op.gone.id, meta);
    // Data the schema allows to be absent: an employer categorised before issue 8, a person imported without a password.
    await sql('UPDATE units SET category = NULL WHERE id = :id', { id: employer.unitId });
    await sql('DELETE FROM credentials WHERE person_id = (SELECT person_id FROM accounts WHERE id = :id)', { id: op.noPassword.id });
  });

  const list = (question: string, query = '') => all(f.city.adminId, `/cleanup/accounts/${question}?unitId=${county.unitId}${query}`);

  it('never signed in: exactly the live accounts without a sign-in, oldest first, masked person data (R12, R25)', async () => {
    const items = await list('never-signed-in');
    expect(ids(items)).toEqual([op.never.id, ...ids(items).slice(1)]);
    expect(new Set(ids(items))).toEqual(new Set([op.never.id, employer.unitAccountId, employer.adminId]));
    const never = items.find((i) => i.id === op.never.id);
    expect(never).toMatchObject({ kind: 'operator', unitId: county.unitId, unitName: '清理测试县人社局', lastSignInAt: null, lastSignInMethod: null, lockedAt: null, roles: [] });
    expect(never.idNumber).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
    expect(never.phone).toMatch(/^\d{3}\*{4}\d{4}$/);
    expect(JSON.stringify(items)).not.toContain(op.never.person.idNumber);
    expect(ids(await list('never-signed-in', '&kind=operator'))).toEqual([op.never.id]);
  });

  it('not signed in for N days: default 90, `days` chosen, least recently active first, paged (R10)', async () => {
    const dormant = await list('dormant');
    expect(ids(dormant)).toEqual([op.dormant.id, op.dormant2.id]);
    expect(dormant[0]).toMatchObject({ lastSignInMethod: 'password' });
    expect(Date.now() - Date.parse(dormant[0].lastSignInAt)).toBeGreaterThan(199 * 86_400_000);
    expect(ids(await list('dormant', '&days=180'))).toEqual([op.dormant.id]);
    expect(ids(await list('dormant', '&days=300'))).toEqual([]);
    expect(ids(await all(f.city.adminId, `/cleanup/accounts/dormant?unitId=${county.unitId}`, 1))).toEqual([op.dormant.id, op.dormant2.id]);
    expect((await call(f.city.adminId, 'GET', '/cleanup/accounts/dormant?days=0')).status).toBe(400);
  });

  it('locked (R19): the account whose password three wrong guesses locked, until a reset', async () => {
    const locked = await list('locked');
    expect(ids(locked)).toEqual([op.locked.id]);
    expect(locked[0].lockedAt).toEqual(expect.any(String));
  });

  it('incomplete (完善账号体系): an employer without its category, a unit without its area code, a person without a password', async () => {
    const items = await list('incomplete');
    const missing = Object.fromEntries(items.map((i) => [i.id, [...i.missing].sort()]));
    expect(missing).toEqual({
      [employer.unitAccountId]: ['unit-area', 'unit-category'],
      [employer.adminId]: ['unit-area', 'unit-category'],
      [op.noPassword.id]: ['password'],
    });
  });

  it('operators with no active role (R17), a disabled role not counting; offboarded ones are cleaned already and never listed (R12)', async () => {
    expect(ids(await list('without-role'))).toEqual([op.never.id, op.disabledRole.id]);
    for (const q of ['never-signed-in', 'dormant', 'locked', 'incomplete', 'without-role']) expect(ids(await list(q))).not.toContain(op.gone.id);
  });

  it('R10: the whole jurisdiction by default, never a sibling city; a unit outside it is 404; operators may not list', async () => {
    const sibling = await operatorOf(f.city2.adminId);
    const cityWide = ids(await all(f.city.adminId, '/cleanup/accounts/never-signed-in?kind=operator'));
    expect(cityWide).toContain(op.never.id);
    expect(cityWide).toContain(f.employerOperator);
    expect(cityWide).not.toContain(sibling.id);
    expect(ids(await all(f.province.adminId, '/cleanup/accounts/never-signed-in?kind=operator'))).toEqual(expect.arrayContaining([op.never.id, sibling.id]));
    for (const unitId of [f.city2.unitId, '00000000-0000-4000-8000-000000000000']) {
      const outside = await call(f.city.adminId, 'GET', `/cleanup/accounts/never-signed-in?unitId=${unitId}`);
      expect(outside.status).toBe(404);
      expect(outside.body.error.code).toBe('unit.not_found');
    }
    // The county sees its own subtree only: nothing of the city around it.
    expect(ids(await all(county.adminId, '/cleanup/accounts/never-signed-in'))).not.toContain(f.employerOperator);
    // A unit the county created that is not affiliated yet is the county's, not the city's (R10): the subtree never widens a jurisdiction.
    const made = await f.core.services.units.create(
      await f.core.actor(county.adminId),
      { kind: 'employer', category: 'enterprise', name: '未归口企业', uscc: sampleUscc(usccSeq++), responsibilities: '', admin: samplePerson() },
      meta,
    );
    expect(ids(await all(county.adminId, '/cleanup/accounts/never-signed-in'))).toContain(made.admin.accountId);
    expect(ids(await all(f.city.adminId, `/cleanup/accounts/never-signed-in?unitId=${county.unitId}`))).not.toContain(made.admin.accountId);
    expect((await all(f.city.adminId, `/cleanup/units?unitId=${county.unitId}`)).map((u) => u.unitId)).not.toContain(made.unit.id);
    expect((await call(f.countyOperator, 'GET', '/cleanup/accounts/locked')).status).toBe(403);
  });

  it('counts per unit for the whole subtree: each unit with its accounts, never signed in, dormant, locked, operators without role; paged', async () => {
    const items = await all(f.city.adminId, `/cleanup/units?unitId=${county.unitId}`, 1);
    expect(items.map((u) => u.unitId).sort()).toEqual([county.unitId, employer.unitId].sort());
    const byUnit = Object.fromEntries(items.map((u) => [u.unitId, u]));
    expect(byUnit[county.unitId]).toMatchObject({ name: '清理测试县人社局', kind: 'hrss', accounts: 9, neverSignedIn: 1, dormant: 2, locked: 1, operatorsWithoutRole: 2 });
    expect(byUnit[employer.unitId]).toMatchObject({ kind: 'employer', parentUnitId: county.unitId, accounts: 2, neverSignedIn: 2, dormant: 0, locked: 0, operatorsWithoutRole: 0 });
    const first = await call(f.city.adminId, 'GET', `/cleanup/units?unitId=${county.unitId}&limit=1`);
    expect(first.body.totals).toEqual({ accounts: 11, neverSignedIn: 3, dormant: 2, locked: 1, operatorsWithoutRole: 2 });
    expect((await call(f.city.adminId, 'GET', `/cleanup/units?unitId=${county.unitId}&days=160`)).body.totals.dormant).toBe(1);
    const cityUnits = (await all(f.city.adminId, '/cleanup/units')).map((u) => u.unitId);
    expect(cityUnits).toEqual(expect.arrayContaining([f.city.unitId, f.county.unitId, f.employer.unitId, county.unitId]));
    expect(cityUnits).not.toContain(f.city2.unitId);
    expect((await call(f.city.adminId, 'GET', `/cleanup/units?unitId=${f.city2.unitId}`)).status).toBe(404);
  });
});

describe('issue 8: roles no one holds or uses (大量无效角色), per subsystem', () => {
  let county: Awaited<ReturnType<typeof unitUnder>>;
  let a: { id: string };
  let b: { id: string };

  beforeAll(async () => {
    county = await unitUnder(f.city.adminId, 'hrss', '角色清理县人社局', { adminDivision: '350103' });
    const made = await call(county.adminId, 'POST', '/roles', { code: 'title.county-check', name: '县级核验', subsystem: 'title', modules: ['title:unit-verify'] });
    expect(made.status).toBe(201);
    a = await operatorOf(county.adminId, ['title.reviewer', 'personnel.reviewer']);
    b = await operatorOf(county.adminId, ['title.county-check']);
    // Used its subsystem only long before this grant: the role itself was never used.
    const d = await operatorOf(county.adminId, ['allocation.reviewer']);
    await sql(`INSERT INTO subsystem_usage (account_id, subsystem, last_used_at) VALUES (:id, 'allocation', clock_timestamp() - interval '3 days')`, { id: d.id });
    const c = await operatorOf(county.adminId, ['talent.reviewer']);
    await f.core.services.accounts.offboard(await f.core.actor(county.adminId), c.id, meta);
  });

  const roles = (which: string, query = '') => all(f.city.adminId, `/cleanup/roles/${which}?unitId=${county.unitId}${query}`);
  const codes = (items: Array<{ code: string }>) => items.map((r) => r.code);

  it('without members: every active role the caller sees that no live account of the scope holds (an offboarded holder does not count, R12)', async () => {
    const visible = (await call(f.city.adminId, 'GET', '/roles?status=active')).body.items.map((r: { code: string }) => r.code).sort();
    const held = ['allocation.reviewer', 'personnel.reviewer', 'title.county-check', 'title.reviewer'];
    const unheld = codes(await roles('without-members'));
    expect(unheld).toEqual(visible.filter((c: string) => !held.includes(c)));
    expect(unheld).toContain('talent.reviewer');
    expect(codes(await roles('without-members', '&subsystem=talent'))).toEqual(visible.filter((c: string) => c.startsWith('talent.')));
    expect(codes(await all(f.city.adminId, `/cleanup/roles/without-members?unitId=${county.unitId}`, 2))).toEqual(unheld);
  });

  it('R10: a sibling city’s own roles never appear; the city sees its county’s role', async () => {
    expect((await call(f.city2.adminId, 'POST', '/roles', { code: 'title.city2-own', name: '另一市角色', subsystem: 'title', modules: ['title:apply'] })).status).toBe(201);
    expect(codes(await all(f.city.adminId, '/cleanup/roles/without-members'))).not.toContain('title.city2-own');
    expect(codes(await all(f.city2.adminId, '/cleanup/roles/without-members'))).toContain('title.city2-own');
    expect((await call(f.city.adminId, 'GET', `/cleanup/roles/unused?unitId=${f.city2.unitId}`)).status).toBe(404);
  });

  it('unused: held roles whose subsystem no holder got a token for since the grant — a token for the subsystem marks it used', async () => {
    expect(codes(await roles('unused'))).toEqual(['allocation.reviewer', 'personnel.reviewer', 'title.county-check', 'title.reviewer']);
    const claims = await subsystemToken(a.id, 'title'); // the provider's own token: extraTokenClaims records the use
    expect(claims.roles).toEqual(['title.reviewer']);
    const unused = await roles('unused');
    expect(codes(unused)).toEqual(['allocation.reviewer', 'personnel.reviewer', 'title.county-check']);
    expect(unused.find((r) => r.code === 'title.county-check')).toMatchObject({ subsystem: 'title', members: 1, provincial: false, ownerUnitId: county.unitId });
    expect(codes(await roles('unused', '&subsystem=title'))).toEqual(['title.county-check']);
    await subsystemToken(b.id, 'title');
    expect(codes(await roles('unused'))).toEqual(['allocation.reviewer', 'personnel.reviewer']);
  });

  it('the use is written at most once an hour per account and subsystem (one upsert off the hot path)', async () => {
    const read = async () => (await sql<{ at: Date }>(`SELECT last_used_at AS at FROM subsystem_usage WHERE account_id = :id AND subsystem = 'personnel'`, { id: a.id })).map((r) => new Date(r.at).getTime());
    expect(await read()).toEqual([]);
    await subsystemToken(a.id, 'personnel');
    const [first] = await read();
    expect(first).toEqual(expect.any(Number));
    await subsystemToken(a.id, 'personnel');
    expect(await read()).toEqual([first]);
  });
});

describe('issue 8: bulk actions on a selection, each account checked alone (R6, R10, R12, R17, R19, R25)', () => {
  let county: Awaited<ReturnType<typeof unitUnder>>;
  let below: Awaited<ReturnType<typeof unitUnder>>;

  beforeAll(async () => {
    county = await unitUnder(f.city.adminId, 'hrss', '批量测试县人社局', { adminDivision: '350104' });
    below = await unitUnder(county.adminId, 'employer', '批量测试县某小学');
  });

  const bulk = (body: unknown, actorId = county.adminId) => call(actorId, 'POST', '/accounts/bulk', body);

  it('offboard: allowed ones end; outside the jurisdiction 404, beyond the power 403, already offboarded 409 — one audit event per changed account', async () => {
    const [op1, op2, gone] = [await operatorOf(county.adminId), await operatorOf(county.adminId), await operatorOf(county.adminId)];
    await f.core.services.accounts.offboard(await f.core.actor(county.adminId), gone.id, meta);
    const outside = await operatorOf(f.city2.adminId);
    const belowOp = await operatorOf(below.adminId);
    const unknown = '00000000-0000-4000-8000-0000000000aa';
    const selection = [op1.id, outside.id, belowOp.id, county.adminId, gone.id, unknown, op2.id];
    const res = await bulk({ action: 'offboard', accountIds: selection });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { accountId: string; ok: boolean; status: number; code?: string }) => [r.accountId, r.ok, r.status, r.code])).toEqual([
      [op1.id, true, 200, undefined],
      [outside.id, false, 404, 'account.not_found'],
      [belowOp.id, false, 403, 'account.not_own_operator'],
      [county.adminId, false, 403, 'account.power_exceeded'],
      [gone.id, false, 409, 'account.already_offboarded'],
      [unknown, false, 404, 'account.not_found'],
      [op2.id, true, 200, undefined],
    ]);
    expect(res.body.results[1].message).toBe('账号不存在，或不在您的管辖范围内。');
    expect(res.body.results[1].details).toBeUndefined(); // nothing about an account out of sight
    expect(await auditCount('account.offboard', [op1.id, op2.id])).toBe(2);
    expect(await auditCount('account.offboard', [outside.id, belowOp.id, county.adminId, unknown])).toBe(0);
    expect(await auditCount('account.offboard', [gone.id])).toBe(1); // the earlier single offboard only
    for (const id of [op1.id, op2.id]) expect((await call(county.adminId, 'GET', `/accounts/${id}`)).body.status).toBe('offboarded');
    for (const id of [outside.id, belowOp.id]) expect((await call(f.province.adminId, 'GET', `/accounts/${id}`)).body.status).toBe('active');
  });

  it('reset-password: each allowed account gets its own initial password (shown once) and is unlocked (R19, R20); English messages on request', async () => {
    const locked = await operatorOf(county.adminId);
    await lock(locked.person.idNumber);
    expect(ids(await all(county.adminId, '/cleanup/accounts/locked'))).toEqual([locked.id]);
    const other = await operatorOf(county.adminId);
    const outside = await operatorOf(f.city2.adminId);
    const res = await f.app.raw('/admin/v1/accounts/bulk', {
      method: 'POST',
      headers: { authorization: `Bearer ${await f.token(county.adminId)}`, 'content-type': 'application/json', 'accept-language': 'en' },
      body: JSON.stringify({ action: 'reset-password', accountIds: [locked.id, outside.id, other.id] }),
    });
    const body = (await res.json()) as { results: Array<Record<string, unknown>> };
    expect(res.status).toBe(200);
    expect(body.results).toEqual([
      { accountId: locked.id, ok: true, status: 200, initialPassword: expect.any(String) },
      { accountId: outside.id, ok: false, status: 404, code: 'account.not_found', message: 'Account not found' },
      { accountId: other.id, ok: true, status: 200, initialPassword: expect.any(String) },
    ]);
    expect(body.results[0]!.initialPassword).not.toBe(body.results[2]!.initialPassword);
    expect(await auditCount('account.reset-password', [locked.id, other.id])).toBe(2);
    expect(await auditCount('account.reset-password', [outside.id])).toBe(0);
    expect(ids(await all(county.adminId, '/cleanup/accounts/locked'))).toEqual([]);
  });

  it('grant-role and revoke-role (R9, R17): operators of the caller’s unit only, one audit event per changed account', async () => {
    const [p, q] = [await operatorOf(county.adminId), await operatorOf(county.adminId)];
    const outside = await operatorOf(f.city2.adminId);
    const granted = await bulk({ action: 'grant-role', roleCode: 'title.reviewer', accountIds: [p.id, county.adminId, outside.id, q.id] });
    expect(granted.body.results.map((r: { ok: boolean; status: number; code?: string }) => [r.ok, r.status, r.code])).toEqual([
      [true, 200, undefined],
      [false, 403, 'role.separation_of_duties'],
      [false, 404, 'account.not_found'],
      [true, 200, undefined],
    ]);
    expect(await auditCount('role.grant', [p.id, q.id])).toBe(2);
    expect(ids(await all(county.adminId, '/cleanup/accounts/without-role'))).not.toEqual(expect.arrayContaining([p.id]));
    const revoked = await bulk({ action: 'revoke-role', roleCode: 'title.reviewer', accountIds: [p.id] });
    expect(revoked.body.results).toEqual([{ accountId: p.id, ok: true, status: 200 }]);
    expect(await auditCount('role.revoke', [p.id])).toBe(1);
    expect(ids(await all(county.adminId, '/cleanup/accounts/without-role'))).toContain(p.id);
    const unknownRole = await bulk({ action: 'grant-role', roleCode: 'title.no-such-role', accountIds: [q.id] });
    expect(unknownRole.body.results[0]).toMatchObject({ ok: false, status: 404, code: 'role.not_found' });
  });

  it('bad requests are 400 (no role for a role action, too many accounts); operators are refused as a whole (R9)', async () => {
    const op = await operatorOf(county.adminId);
    expect((await bulk({ action: 'grant-role', accountIds: [op.id] })).body.error.code).toBe('request.invalid');
    expect((await bulk({ action: 'archive', accountIds: [op.id] })).status).toBe(400);
    const many = Array.from({ length: 201 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    expect((await bulk({ action: 'offboard', accountIds: many })).status).toBe(400);
    const refused = await bulk({ action: 'offboard', accountIds: [op.id] }, f.countyOperator);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('auth.forbidden');
    expect((await call(county.adminId, 'GET', `/accounts/${op.id}`)).body.status).toBe('active');
  });

  it('OpenAPI documents every clean-up route and the bulk action', async () => {
    const doc = (await f.app.raw('/admin/v1/openapi.json').then((r) => r.json())) as { paths: Record<string, Record<string, unknown>> };
    for (const path of ['never-signed-in', 'dormant', 'locked', 'incomplete', 'without-role']) expect(doc.paths[`/admin/v1/cleanup/accounts/${path}`]?.get).toBeDefined();
    for (const path of ['/cleanup/roles/without-members', '/cleanup/roles/unused', '/cleanup/units']) expect(doc.paths[`/admin/v1${path}`]?.get).toBeDefined();
    expect(doc.paths['/admin/v1/accounts/bulk']?.post).toBeDefined();
  });
});
