import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountModel } from '../directory/models/index.ts';
import { openAdminFixture, type AdminFixture } from '../test/support/admin-fixture.ts';

let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());

const provinceToken = () => f.token(f.province.adminId);

describe('admin API infrastructure', () => {
  it('401 auth.invalid_token with a Bearer challenge when the token is missing or invalid', async () => {
    for (const token of [null, 'not-a-valid-token']) {
      const res = await f.api(token, 'GET', '/roles');
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('auth.invalid_token');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="tongmen-admin"/);
    }
  });

  it('R12: 401 when the account behind a valid token is no longer active', async () => {
    const id = await f.operator(f.employer.adminId);
    const token = await f.token(id);
    await AccountModel.update({ status: 'disabled' }, { where: { id } });
    const res = await f.api(token, 'GET', '/roles');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('auth.account_inactive');
  });

  it('R9: an operator passes authentication but no admin-API authorization (403 auth.forbidden)', async () => {
    const res = await f.api(f.token(f.employerOperator), 'GET', '/roles');
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'auth.forbidden', details: { action: 'role.read', rule: 'R9' } });
  });

  it('answers unknown paths with 404 JSON and wrong methods with 405, with or without a token', async () => {
    for (const token of [null, provinceToken()]) {
      const res = await f.api(token, 'GET', '/no-such-thing');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('request.not_found');
    }
    const wrong = await f.api(provinceToken(), 'PATCH', '/roles');
    expect(wrong.status).toBe(405);
    expect(wrong.body.error.code).toBe('request.method_not_allowed');
    expect(wrong.headers.get('allow')).toContain('POST');
  });

  it('refuses bad input with 400 request.invalid listing every zod issue, never a 500', async () => {
    const res = await f.api(provinceToken(), 'POST', '/roles', { code: 5, subsystem: 'nope', modules: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('request.invalid');
    const paths = res.body.error.details.issues.map((i: { in: string; path: string }) => `${i.in}:${i.path}`);
    expect(paths).toEqual(expect.arrayContaining(['body:code', 'body:name', 'body:subsystem', 'body:modules']));

    const badQuery = await f.api(provinceToken(), 'GET', '/audit-events?limit=1000&from=yesterday');
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(['from', 'limit']);

    const badParam = await f.api(provinceToken(), 'DELETE', '/roles/title.reviewer/members/not-a-uuid');
    expect(badParam.status).toBe(400);
    expect(badParam.body.error.details.issues[0]).toMatchObject({ in: 'params', path: 'accountId' });
  });

  it('refuses malformed JSON (400) and oversized bodies (413) in the same error format', async () => {
    // An authenticated caller (the token awaited: a Promise here would send an anonymous request).
    const headers = { authorization: `Bearer ${await provinceToken()}`, 'content-type': 'application/json' };
    expect((await f.app.raw('/admin/v1/modules', { headers })).status).toBe(200);
    const malformed = await f.app.raw('/admin/v1/roles', { method: 'POST', headers, body: '{"code":' });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe('request.invalid');
    const huge = await f.app.raw('/admin/v1/roles', { method: 'POST', headers, body: JSON.stringify({ name: 'x'.repeat(200_000) }) });
    expect(huge.status).toBe(413);
    expect((await huge.json()).error.code).toBe('request.too_large');
  });

  it('marks answers no-store (they may carry initial passwords and client secrets)', async () => {
    const res = await f.api(provinceToken(), 'GET', '/modules');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('leaves every path outside /admin/v1 to the rest of the app (no body parser there)', async () => {
    const res = await f.app.raw('/admin/v10/roles', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    // Answered by the provider (an unknown route), not by the admin API's JSON parser or router.
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('request.');
  });
});

describe('OpenAPI document', () => {
  let doc: any;
  beforeAll(async () => {
    const res = await f.api(null, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
  });

  it('is OpenAPI 3.1 with the bearer scheme and the shared error schema', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.components.schemas.ErrorResponse.properties.error.required).toEqual(['code', 'message']);
  });

  it('describes every guarded route from its zod schemas (the document cannot drift from the code)', () => {
    const stack = f.app.adminApi.router.stack.filter((l) => l.stack.some((m) => 'guardConfig' in m));
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops as object).map((m) => `${m} ${p}`));
    const routed = stack.flatMap((l) => l.methods.filter((m) => m !== 'HEAD').map((m) => `${m.toLowerCase()} ${String(l.path).replace(/:(\w+)/g, '{$1}')}`));
    expect(documented.sort()).toEqual(routed.sort());
    for (const call of ['post /admin/v1/roles', 'delete /admin/v1/roles/{code}/members/{accountId}', 'get /admin/v1/audit-events', 'post /admin/v1/units']) {
      expect(documented).toContain(call);
    }
  });

  it('carries parameters, bodies, responses and shared components', () => {
    const del = doc.paths['/admin/v1/roles/{code}/members/{accountId}'].delete;
    expect(del.parameters.map((p: { name: string; in: string; required: boolean }) => [p.name, p.in, p.required])).toEqual([
      ['code', 'path', true],
      ['accountId', 'path', true],
    ]);
    const create = doc.paths['/admin/v1/roles'].post;
    expect(create.requestBody.content['application/json'].schema.required).toEqual(['code', 'name', 'subsystem', 'modules']);
    expect(create.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Role' });
    expect(create.responses['400']).toEqual({ $ref: '#/components/responses/E400' });
    expect(doc.components.schemas.Role.properties.code).toBeDefined();
    const list = doc.paths['/admin/v1/audit-events'].get;
    expect(list.parameters.find((p: { name: string }) => p.name === 'limit').schema).toMatchObject({ maximum: 200 });
    expect(Object.keys(doc.paths['/admin/v1/audit-events/export'].get.responses['200'].content)).toEqual(['application/x-ndjson', 'text/csv']);
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops as Record<string, { operationId: string }>).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('postRolesByCodeMembers');
  });
});
