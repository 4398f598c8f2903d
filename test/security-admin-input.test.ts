import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuardMiddleware } from '../admin-api/guard.ts';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

/**
 * Issue 5 items 8 and 9 — the admin API's edge: bad input is a 400 with a stable code, never a 500
 * (SPEC §5): documents nested thousands of levels deep, lone UTF-16 surrogates in text; and an
 * anonymous request never has its body parsed (401 first).
 */
let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());

const call = (accountId: string, method: string, path: string, body?: unknown) => f.api(f.token(accountId), method, path, body);
const raw = async (path: string, init: { method: string; body?: string; token?: string; contentType?: string }) => {
  const res = await f.app.raw(`/admin/v1${path}`, {
    method: init.method,
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      'content-type': init.contentType ?? 'application/json',
    },
    body: init.body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
};

/** `{"name": [[[…]]]}` nested `levels` deep: valid JSON, a few tens of kilobytes. */
const deepJson = (levels: number) => `{"name":${'['.repeat(levels)}${']'.repeat(levels)}}`;

/** Every admin route that takes a JSON body, with its path parameters filled by a well-formed id. */
function bodyRoutes() {
  return f.app.adminApi.router.stack.flatMap((layer) => {
    const config = layer.stack.map((m) => (m as Partial<Pick<GuardMiddleware<unknown, unknown, unknown, unknown>, 'guardConfig'>>).guardConfig).find(Boolean);
    if (!config?.body) return [];
    const path = String(layer.path).replace('/admin/v1', '').replace(/:[a-zA-Z]+/g, '00000000-0000-4000-8000-000000000000');
    return layer.methods.filter((m) => m !== 'HEAD').map((method) => ({ method, path }));
  });
}

describe('item 8: a deeply nested JSON document is 400 request.too_deep, never a 500', () => {
  it('on every body-accepting route, with a valid token', async () => {
    const routes = bodyRoutes();
    expect(routes.length).toBeGreaterThan(15);
    const token = await f.token(f.province.adminId);
    for (const { method, path } of routes) {
      const res = await raw(path, { method, token, body: deepJson(20_000) });
      expect([method, path, res.status, res.body.error?.code]).toEqual([method, path, 400, 'request.too_deep']);
      expect(res.body.error.details).toEqual({ in: 'body', maxDepth: 32 });
    }
  });

  it('a document within the limit is judged by the route schema as before', async () => {
    const token = await f.token(f.province.adminId);
    const res = await raw(`/units/${f.county.unitId}`, { method: 'PUT', token, body: deepJson(20) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('request.invalid');
  });
});

describe('item 8: text with a lone UTF-16 surrogate is refused with 400 naming the path, never a 500 nor stored altered', () => {
  it('PUT /units/{id}, POST /clients, role-change requests, unit creation and queries', async () => {
    const lone = '\uD800';
    const cases: Array<[string, string, string, unknown, string]> = [
      [f.province.adminId, 'PUT', `/units/${f.county.unitId}`, { name: `县${lone}局` }, 'body:name'],
      [f.province.adminId, 'PUT', `/units/${f.county.unitId}`, { responsibilities: `职责\uDC00` }, 'body:responsibilities'],
      [f.province.adminId, 'POST', '/clients', { name: `partner${lone}`, resources: ['urn:partner:lone'] }, 'body:name'],
      [f.county.adminId, 'POST', '/role-change-requests', { roleCode: 'title.reviewer', proposal: { comment: `需要${lone}` } }, 'body:proposal.comment'],
      [f.province.adminId, 'POST', '/units', { kind: 'employer', category: 'institution', name: '孤立代理', admin: { ...samplePerson(), name: `张${lone}` } }, 'body:admin.name'],
      [f.province.adminId, 'POST', '/units', { kind: 'employer', category: 'institution', name: '孤立代理', admin: samplePerson(), [`x${lone}`]: 1 }, `body:x${lone}`],
    ];
    for (const [actor, method, path, body, where] of cases) {
      const res = await call(actor, method, path, body);
      const issues = res.body.error?.details?.issues?.map((i: { in: string; path: string }) => `${i.in}:${i.path}`);
      expect([method, path, res.status, res.body.error?.code]).toEqual([method, path, 400, 'request.invalid']);
      expect(issues).toContain(where);
    }
    const [units] = await f.core.base.db.sequelize.query(`SELECT count(*)::int AS n FROM units WHERE name LIKE '%\uFFFD%' OR responsibilities LIKE '%\uFFFD%' OR name = '孤立代理'`);
    expect((units as Array<{ n: number }>)[0]!.n).toBe(0);
    const [clients] = await f.core.base.db.sequelize.query(`SELECT count(*)::int AS n FROM clients WHERE name LIKE 'partner%'`);
    expect((clients as Array<{ n: number }>)[0]!.n).toBe(0);
  });

  it('a well-formed pair (an emoji, a rare CJK ideograph beyond the BMP) is stored exactly as sent', async () => {
    const name = '𠀀县人社局😀';
    const res = await call(f.province.adminId, 'PUT', `/units/${f.county.unitId}`, { name });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe(name);
    expect((await call(f.province.adminId, 'GET', `/units/${f.county.unitId}`)).body.name).toBe(name);
  });
});

describe('item 9: authentication comes before the body is parsed', () => {
  it('a malformed or oversized body without a token is 401, not 400 or 413', async () => {
    for (const body of ['{"name":', 'x'.repeat(200_000), deepJson(20_000), JSON.stringify({ name: 'x'.repeat(300_000) })]) {
      const res = await raw('/units', { method: 'POST', body });
      expect([res.status, res.body.error?.code]).toEqual([401, 'auth.invalid_token']);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
    }
    const wrongType = await raw('/units', { method: 'POST', body: '<x/>', contentType: 'application/xml' });
    expect(wrongType.status).toBe(401);
  });

  it('with a token the same bodies are still refused as before (400 / 413)', async () => {
    const token = await f.token(f.province.adminId);
    expect((await raw('/units', { method: 'POST', token, body: '{"name":' })).body.error.code).toBe('request.invalid');
    const big = await raw('/units', { method: 'POST', token, body: JSON.stringify({ name: 'x'.repeat(300_000) }) });
    expect([big.status, big.body.error.code]).toEqual([413, 'request.too_large']);
  });

  it('unknown paths are still 404 and the OpenAPI document is public', async () => {
    const unknown = await raw('/no-such-thing', { method: 'POST', body: '{"name":' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'request.not_found']);
    const doc = await raw('/openapi.json', { method: 'GET' });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBeTruthy();
  });
});
