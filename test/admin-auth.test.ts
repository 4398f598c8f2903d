import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/app.ts';
import { bootstrapProvince, type BootstrapResult } from '../directory/bootstrap/bootstrap.ts';
import { sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { startTestServer } from './support/harness.ts';
import { samplePerson } from './support/core.ts';
import { adminCall, adminToken } from './support/admin-token.ts';

let server: RunningServer;
let root: BootstrapResult;
const provinceAdmin = samplePerson('省厅管理员');

beforeAll(async () => {
  server = await startTestServer();
  root = await bootstrapProvince(server.tongmen.base, server.tongmen.services, { unitName: '测试省人社厅', uscc: '91350100M000100Y43', admin: provinceAdmin });
});
afterAll(async () => server?.close());

let provinceSignedIn = false;
/** A fresh province administrator token; the first sign-in of the file changes the initial password (R20). */
async function provinceToken() {
  const token = await adminToken(server, provinceAdmin.idNumber, provinceSignedIn ? null : root.admin.initialPassword);
  provinceSignedIn = true;
  return token;
}

describe('admin API authentication with real access tokens', () => {
  it('accepts an admin-console token for urn:tongmen:admin-api and refuses a tampered one (401)', async () => {
    const token = await provinceToken();
    const ok = await adminCall(server, token, 'GET', '/roles?subsystem=title');
    expect(ok.status).toBe(200);
    expect(ok.body.items.map((r: { code: string }) => r.code)).toContain('title.reviewer');

    const [h, p, sig] = token.split('.');
    const tampered = `${h}.${p}.${sig!.slice(0, -4)}AAAA`;
    const refused = await adminCall(server, tampered, 'GET', '/roles');
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('auth.invalid_token');
    expect(refused.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('R7/R12: a replaced administrator’s still-unexpired token is refused at once (401)', async () => {
    const province = await provinceToken();
    const cityAdmin = samplePerson('市局管理员');
    const city = await adminCall(server, province, 'POST', '/units', { kind: 'hrss', name: '某市人社局', uscc: sampleUscc(7101), admin: cityAdmin });
    expect(city.status).toBe(201);
    const cityToken = await adminToken(server, cityAdmin.idNumber, city.body.admin.initialPassword);
    expect((await adminCall(server, cityToken, 'GET', '/roles')).status).toBe(200);

    const replaced = await adminCall(server, province, 'PUT', `/units/${city.body.unit.id}/admin`, samplePerson('新市局管理员'));
    expect(replaced.status).toBe(200);
    const after = await adminCall(server, cityToken, 'GET', '/roles');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('auth.account_inactive');
  });

  it('serves the OpenAPI document next to the provider without a token', async () => {
    const doc = await adminCall(server, null, 'GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.servers).toEqual([{ url: server.url }]);
    expect(Object.keys(doc.body.paths)).toContain('/admin/v1/role-change-requests/{id}/forward');
  });
});
