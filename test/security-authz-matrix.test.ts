import { randomUUID as uuid } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES } from '../directory/catalogue/modules.ts';
import { getResourceServerInfo } from '../identity/resources.ts';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

/**
 * Issue 12 suite 1 — the authorization matrix: every admin route (read from the router itself, so a
 * new route without a row here fails the first test) × every kind of caller × every relation of the
 * target to the caller's unit. The callers sit in a county hrss bureau; its parent is a city bureau,
 * its subordinate an employer, its sibling another county of the same city, and a second city is
 * another jurisdiction altogether (R10).
 *
 * Expectations come from the two tables below (SPEC R6, R7, R9, R10, R12 and directory/authz/policy.ts):
 * - a token that is missing, expired, for another resource, or of an offboarded account: 401 (R12);
 * - a caller kind the action's row refuses: 403 (R7, R9; R6 for a scoped administrator and scope-`all` actions);
 * - a target outside the caller's jurisdiction: exactly the answer for an id that does not exist
 *   (never 2xx, and never a 403 that a missing id would not get: that would reveal existence, R10);
 * - a read inside the jurisdiction by an allowed caller: 2xx. Allowed writes on real targets are not
 *   sent (they would change the fixture the other cells rely on); their per-account rules are the
 *   table of directory/authz/account-power.test.ts.
 */

type Actor = 'unit' | 'admin' | 'scoped' | 'operator' | 'reviewer' | 'offboarded' | 'foreign' | 'expired' | 'anonymous';
type Kind = 'unit' | 'admin' | 'scoped' | 'operator' | 'reviewer';
type Target = 'own' | 'sub' | 'sibling' | 'parent' | 'otherCity';
const ACTORS: Actor[] = ['unit', 'admin', 'scoped', 'operator', 'reviewer', 'offboarded', 'foreign', 'expired', 'anonymous'];
const TARGETS: Target[] = ['own', 'sub', 'sibling', 'parent', 'otherCity'];

/**
 * Which caller kinds pass each action's row for a county hrss bureau (policy.ts, R6/R7/R9/R13/R15/R16):
 * the unit account reads its unit and replaces or resets its administrator (R7); operators do no
 * administration (R9), except that an hrss operator holding the affiliation-review role lists and
 * decides affiliation requests and sees the inbox (R13, the `reviewer` caller); a scoped
 * administrator loses every unit-tree action (R6: scope `all`); client registry is the province's.
 */
const ALLOWED: Record<string, readonly Kind[]> = {
  'unit.read': ['unit', 'admin', 'scoped'],
  'unit.create': ['admin'],
  'unit.update': ['admin'],
  'unit.change-admin': ['unit', 'admin'],
  'unit.disable': ['admin'],
  'account.read': ['admin', 'scoped'],
  'account.create-operator': ['admin', 'scoped'],
  'account.update': ['admin', 'scoped'],
  'account.set-roles': ['admin', 'scoped'],
  'account.reset-password': ['unit', 'admin', 'scoped'],
  'account.offboard': ['admin', 'scoped'],
  'account.migrate': ['admin', 'scoped'],
  'affiliation.create': ['admin'],
  'affiliation.list': ['admin', 'scoped', 'reviewer'],
  'affiliation.decide': ['admin', 'reviewer'],
  'role.read': ['admin', 'scoped'],
  'role.create': ['admin', 'scoped'],
  'role.update': ['admin', 'scoped'],
  'role.members': ['admin', 'scoped'],
  'role-change.create': ['admin', 'scoped'],
  'role-change.read': ['admin', 'scoped'],
  'role-change.decide': ['admin', 'scoped'],
  'client.read': [],
  'client.manage': [],
  'audit.read': ['admin', 'scoped'],
  'inbox.read': ['admin', 'scoped', 'reviewer'],
  'cleanup.read': ['admin', 'scoped'],
  // Issue 8: only the province's scope-all administrators import (none of the matrix's callers).
  'import.run': [],
};

interface Ids {
  unit: string;
  account: string;
}
interface RouteRow {
  action: string;
  /** What the path's (or body's) id names: a unit, an account, or nothing of the matrix (a random id). */
  target: 'unit' | 'account' | 'none';
  body?: (t: Ids) => unknown;
}

const person = () => samplePerson('矩阵人员');
/** Every route of the admin API: its action and a valid body (invalid ones would be 400 before any rule). */
const ROUTES: Record<string, RouteRow> = {
  'POST /units': { action: 'unit.create', target: 'none', body: () => ({ kind: 'employer', category: 'institution', name: '矩阵单位', admin: person() }) },
  'GET /units': { action: 'unit.read', target: 'none' },
  'GET /units/:id': { action: 'unit.read', target: 'unit' },
  'GET /units/:id/tree': { action: 'unit.read', target: 'unit' },
  'PUT /units/:id': { action: 'unit.update', target: 'unit', body: () => ({ name: '改名单位' }) },
  'PUT /units/:id/code': { action: 'unit.update', target: 'unit', body: () => ({ uscc: '91350100M000100Y43' }) },
  'PUT /units/:id/admin': { action: 'unit.change-admin', target: 'unit', body: () => person() },
  'POST /units/:id/admins': { action: 'unit.change-admin', target: 'unit', body: () => ({ ...person(), scope: ['title'] }) },
  'POST /units/:id/disable': { action: 'unit.disable', target: 'unit' },
  'POST /units/:id/enable': { action: 'unit.disable', target: 'unit' },
  'GET /upper-units': { action: 'affiliation.create', target: 'none' },
  'POST /affiliation-requests': { action: 'affiliation.create', target: 'none', body: (t) => ({ targetUnitId: t.unit }) },
  'GET /affiliation-requests': { action: 'affiliation.list', target: 'none' },
  'POST /affiliation-requests/:id/approve': { action: 'affiliation.decide', target: 'none', body: () => ({}) },
  'POST /affiliation-requests/:id/reject': { action: 'affiliation.decide', target: 'none', body: () => ({ reason: '不符' }) },
  'POST /accounts': { action: 'account.create-operator', target: 'none', body: () => person() },
  'GET /accounts': { action: 'account.read', target: 'none' },
  'GET /accounts/:id': { action: 'account.read', target: 'account' },
  'PUT /accounts/:id': { action: 'account.update', target: 'account', body: () => ({ name: '改名' }) },
  'PUT /accounts/:id/roles': { action: 'account.set-roles', target: 'account', body: () => ({ roles: [] }) },
  'POST /accounts/:id/reset-password': { action: 'account.reset-password', target: 'account' },
  'POST /accounts/:id/unlock': { action: 'account.reset-password', target: 'account' },
  'POST /accounts/:id/offboard': { action: 'account.offboard', target: 'account' },
  'POST /accounts/:id/migrate': { action: 'account.migrate', target: 'account', body: (t) => ({ toUnitId: t.unit }) },
  'GET /migrations': { action: 'account.migrate', target: 'none' },
  'POST /migrations/:id/accept': { action: 'account.migrate', target: 'none', body: () => ({}) },
  'POST /migrations/:id/reject': { action: 'account.migrate', target: 'none', body: () => ({}) },
  'PUT /accounts/:id/scope': { action: 'unit.change-admin', target: 'account', body: () => ({ scope: ['title'] }) },
  'GET /roles': { action: 'role.read', target: 'none' },
  'POST /roles': { action: 'role.create', target: 'none', body: () => ({ code: 'title.matrix', name: '矩阵', subsystem: 'title', modules: ['title:apply'] }) },
  'GET /roles/:code': { action: 'role.read', target: 'none' },
  'PUT /roles/:code': { action: 'role.update', target: 'none', body: () => ({ name: '改名' }) },
  'GET /modules': { action: 'role.read', target: 'none' },
  'GET /roles/:code/members': { action: 'role.members', target: 'none' },
  'POST /roles/:code/members': { action: 'role.members', target: 'account', body: (t) => ({ accountIds: [t.account] }) },
  'DELETE /roles/:code/members/:accountId': { action: 'role.members', target: 'account' },
  'POST /role-change-requests': { action: 'role-change.create', target: 'none', body: () => ({ roleCode: 'title.reviewer', proposal: { comment: '建议' } }) },
  'GET /role-change-requests': { action: 'role-change.read', target: 'none' },
  'GET /role-change-requests/:id': { action: 'role-change.read', target: 'none' },
  'POST /role-change-requests/:id/forward': { action: 'role-change.decide', target: 'none', body: () => ({}) },
  'POST /role-change-requests/:id/answer': { action: 'role-change.decide', target: 'none', body: () => ({ reply: '已阅' }) },
  'POST /role-change-requests/:id/accept': { action: 'role-change.decide', target: 'none', body: () => ({}) },
  'POST /role-change-requests/:id/reject': { action: 'role-change.decide', target: 'none', body: () => ({ reason: '不采纳' }) },
  'POST /clients': { action: 'client.manage', target: 'none', body: () => ({ name: '矩阵应用', resources: [RESOURCES.title] }) },
  'GET /clients': { action: 'client.read', target: 'none' },
  'GET /clients/:id': { action: 'client.read', target: 'none' },
  'POST /clients/:id/rotate-secret': { action: 'client.manage', target: 'none' },
  'POST /clients/:id/disable': { action: 'client.manage', target: 'none' },
  'GET /accounts/:id/history': { action: 'audit.read', target: 'account' },
  'GET /audit-events': { action: 'audit.read', target: 'none' },
  'GET /audit-events/export': { action: 'audit.read', target: 'none' },
  'GET /inbox': { action: 'inbox.read', target: 'none' },
  'GET /cleanup/accounts/never-signed-in': { action: 'cleanup.read', target: 'none' },
  'GET /cleanup/accounts/locked': { action: 'cleanup.read', target: 'none' },
  'GET /cleanup/accounts/incomplete': { action: 'cleanup.read', target: 'none' },
  'GET /cleanup/accounts/without-role': { action: 'cleanup.read', target: 'none' },
  'GET /cleanup/accounts/dormant': { action: 'cleanup.read', target: 'none' },
  'GET /cleanup/roles/without-members': { action: 'cleanup.read', target: 'none' },
  'GET /cleanup/roles/unused': { action: 'cleanup.read', target: 'none' },
  'GET /cleanup/units': { action: 'cleanup.read', target: 'none' },
  'POST /accounts/bulk': { action: 'account.offboard', target: 'account', body: (t) => ({ action: 'offboard', accountIds: [t.account] }) },
  'POST /imports': { action: 'import.run', target: 'none', body: () => ({ dryRun: true, units: { name: 'units.csv', content: Buffer.from('单位名称\n').toString('base64') } }) },
  'GET /imports/:id': { action: 'import.run', target: 'none' },
};

type Expect = 401 | 403 | 'hidden' | 'ok' | 'missing' | 'unsent';

/** The one expectation table, as a function of (route, caller, target). */
function expectation(route: string, actor: Actor, target: Target | null): Expect {
  if (actor === 'offboarded' || actor === 'foreign' || actor === 'expired' || actor === 'anonymous') return 401;
  const row = ROUTES[route]!;
  // A refused kind is refused before anything is loaded: the same 403 for every target (no oracle).
  if (!ALLOWED[row.action]!.includes(actor)) return 403;
  const write = !route.startsWith('GET ');
  if (target === null) {
    // Ids of no matrix object are random: nothing exists, nothing can change.
    // The members list is a filter on the caller's own unit: an unknown code lists nobody.
    if (route === 'GET /roles/:code/members') return 'ok';
    if (/:(id|code)/.test(route)) return 'missing';
    return write ? 'unsent' : 'ok';
  }
  // R7: a unit account's jurisdiction is its own unit; an administrator's is its unit and below (R10).
  const inside = target === 'own' || (target === 'sub' && actor !== 'unit');
  if (!inside) return 'hidden';
  return write ? 'unsent' : 'ok';
}

let f: AdminFixture;
const tokens = new Map<Actor, string | null>();
const targets = {} as Record<Target, Ids>;

/** A provider-minted JWT for `resource` (the admin API or a subsystem), possibly already expired. */
async function mint(accountId: string, resource: string, expiresIn?: number): Promise<string> {
  const provider = f.app.identity.provider;
  // A subsystem's token comes from that subsystem's own client, as in production.
  const client = (await provider.Client.find(resource === RESOURCES.admin ? 'admin-console' : 'title'))!;
  const info = await getResourceServerInfo({ oidc: { params: {} } } as never, resource, client);
  const grant = new provider.Grant({ accountId, clientId: client.clientId });
  grant.addOIDCScope('openid');
  grant.addResourceScope(resource, info.scope);
  const grantId = await grant.save();
  const token = new provider.AccessToken({
    accountId, client, grantId, gty: 'authorization_code', scope: info.scope,
    resourceServer: new provider.ResourceServer(resource, info),
    ...(expiresIn !== undefined ? { expiresIn } : {}),
  });
  return token.save();
}

beforeAll(async () => {
  f = await openAdminFixture();
  const sibling = await f.child(f.city.adminId, 'hrss', '另一县人社局');
  const scoped = await f.core.services.units.addHrssAdmin(await f.core.actor(f.county.adminId), f.county.unitId, samplePerson('职称管理员'), ['title'], f.core.meta);
  const leaver = await f.operator(f.county.adminId);
  const units: Record<Target, { unitId: string; adminId: string }> = { own: f.county, sub: f.employer, sibling, parent: f.city, otherCity: f.city2 };
  for (const t of TARGETS) {
    targets[t] = { unit: units[t].unitId, account: t === 'sub' ? f.employerOperator : await f.operator(units[t].adminId) };
  }
  tokens.set('unit', await mint(f.county.unitAccountId, RESOURCES.admin));
  tokens.set('admin', await mint(f.county.adminId, RESOURCES.admin));
  tokens.set('scoped', await mint(scoped.accountId, RESOURCES.admin));
  tokens.set('operator', await mint(f.countyOperator, RESOURCES.admin));
  tokens.set('reviewer', await mint(await f.operator(f.county.adminId, ['org.affiliation-reviewer']), RESOURCES.admin));
  tokens.set('offboarded', await mint(leaver, RESOURCES.admin));
  await f.core.services.accounts.offboard(await f.core.actor(f.county.adminId), leaver, f.core.meta);
  tokens.set('foreign', await mint(f.county.adminId, RESOURCES.title));
  tokens.set('expired', await mint(f.county.adminId, RESOURCES.admin, -120));
  tokens.set('anonymous', null);
}, 60_000);
afterAll(async () => f?.close());

/** Every route of the router, as `METHOD /path` without the prefix. */
const routerRoutes = () =>
  f.app.adminApi.router.stack
    .filter((l) => l.stack.some((m) => 'guardConfig' in m))
    .flatMap((l) => l.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${String(l.path).replace('/admin/v1', '')}`));

function request(route: string, ids: Ids) {
  const [method, pattern] = route.split(' ') as [string, string];
  const path = pattern
    .replace(':accountId', ids.account)
    .replace(':id', route.includes('/units/:id') ? ids.unit : route.includes('/accounts/:id') ? ids.account : uuid())
    .replace(':code', route.includes('/members') ? 'title.reviewer' : 'title.no-such-role');
  return { method, path, body: ROUTES[route]!.body?.(ids) };
}

const random = (): Ids => ({ unit: uuid(), account: uuid() });
const answer = (res: { status: number; body: any }) => `${res.status} ${res.body?.error?.code ?? ''}`;
/** Status and body with the ids asked about blanked: what the caller learns. */
const learnt = (res: { status: number; body: any }, ids: Ids) =>
  `${res.status} ${JSON.stringify(res.body ?? '').replaceAll(ids.unit, 'ID').replaceAll(ids.account, 'ID').replace(/"requestId":"[^"]*"/g, '')}`;

describe('Issue 12 suite 1: every admin route × caller × target (R6, R7, R9, R10, R12)', () => {
  it('the table has exactly the routes of the router (a new route must be added here)', () => {
    expect(Object.keys(ROUTES).sort()).toEqual(routerRoutes().sort());
  });

  it('no cell leaks: 401/403 where refused, out-of-jurisdiction indistinguishable from a missing id, reads allowed', { timeout: 120_000 }, async () => {
    const failures: string[] = [];
    let sent = 0;
    let matrixCells = 0;
    let unsent = 0;
    for (const route of Object.keys(ROUTES)) {
      const row = ROUTES[route]!;
      for (const actor of ACTORS) {
        const token = tokens.get(actor)!;
        const cells: Array<Target | null> = row.target === 'none' ? [null] : TARGETS;
        // The answer for ids that exist nowhere: what an out-of-jurisdiction target must look like.
        const missingIds = random();
        const missingReq = request(route, missingIds);
        const missing = await f.api(token, missingReq.method, missingReq.path, missingReq.body);
        sent++;
        for (const target of cells) {
          const want = expectation(route, actor, target);
          matrixCells++;
          if (want === 'unsent') {
            unsent++;
            continue;
          }
          const req = target === null ? missingReq : request(route, targets[target]);
          const res = target === null ? missing : await f.api(token, req.method, req.path, req.body);
          if (target !== null) sent++;
          const got = answer(res);
          const where = `${route} as ${actor} on ${target ?? 'no target'}: expected ${want}, got ${got}`;
          if (res.status >= 500) failures.push(where);
          else if (want === 401 || want === 403) {
            if (res.status !== want) failures.push(where);
          } else if (want === 'hidden') {
            // Bulk actions answer 200 with one result per id: then the per-item answer must be the same.
            if (learnt(res, targets[target!]) !== learnt(missing, missingIds)) failures.push(`${where} (a missing id: ${learnt(missing, missingIds)} vs ${learnt(res, targets[target!])})`);
          } else if (want === 'missing') {
            if (res.status !== 404) failures.push(where);
          } else if (res.status >= 300) failures.push(where);
        }
      }
    }
    console.info(`authorization matrix: ${Object.keys(ROUTES).length} routes × ${ACTORS.length} callers × targets = ${matrixCells} cells, ${sent} requests (with the missing-id baselines), ${unsent} allowed writes not sent`);
    expect(failures).toEqual([]);
  });
});
