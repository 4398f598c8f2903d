import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/app.ts';
import { bootstrapProvince, type BootstrapResult } from '../directory/bootstrap/bootstrap.ts';
import { sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { startTestServer } from './support/harness.ts';
import { samplePerson } from './support/core.ts';
import { clientConfig, signIn, subsystemSignIn } from './support/oidc.ts';
import { createModuleGuard } from '../subsystems/module-guard.ts';

let server: RunningServer;
let root: BootstrapResult;
const NEW_PASSWORD = 'Tongmen#2026-secure';

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

const api = async (token: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${server.url}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  return { status: res.status, body: json as any };
};

/** Signs a person in to the admin console (first time: forced change of the initial password, R20). */
async function adminToken(username: string, initialPassword: string | null) {
  const result = await signIn({
    issuer: server.url,
    clientId: 'admin-console',
    redirectUri: `${server.url}/console/callback`,
    resource: 'urn:tongmen:admin-api',
    username,
    password: initialPassword ?? NEW_PASSWORD,
    newPassword: NEW_PASSWORD,
  });
  if (!result.ok) throw new Error(`sign-in failed: ${result.error}\n${result.html.slice(0, 1500)}`);
  return result.tokens.access_token;
}

describe('foundation end to end (HTTP + openid-client)', () => {
  it('bootstrap → hierarchy → roles → subsystem token → partner introspection → offboarding', async () => {
    const provinceAdmin = samplePerson('省厅管理员');
    root = await bootstrapProvince(server.tongmen.base, server.tongmen.services, {
      unitName: '贵州省人力资源和社会保障厅',
      uscc: '91350100M000100Y43',
      admin: provinceAdmin,
    });

    // R20: the initial password must be changed before any token is issued.
    const province = await adminToken(provinceAdmin.idNumber, root.admin.initialPassword);
    const claims = await jwtVerify(province, createRemoteJWKSet(new URL(`${server.url}/jwks`)), {
      issuer: server.url,
      audience: 'urn:tongmen:admin-api',
      typ: 'at+jwt',
    });
    expect(claims.payload.sub).toBe(root.admin.accountId);

    // R4: province → city hrss; city → county hrss; province → competent; competent → employer (derived code, R2).
    const cityAdminP = samplePerson('市局管理员');
    const city = await api(province, 'POST', '/units', { kind: 'hrss', name: '贵阳市人力资源和社会保障局', uscc: sampleUscc(7001), admin: cityAdminP });
    expect(city.status).toBe(201);
    expect(city.body.unit).toMatchObject({ kind: 'hrss', level: 'city', affiliation: 'unconfirmed' });
    const cityToken = await adminToken(cityAdminP.idNumber, city.body.admin.initialPassword);

    // R13: the city asks the province; the province approves.
    const req = await api(cityToken, 'POST', '/affiliation-requests', { targetUnitId: root.unit.id });
    expect(req.status).toBe(201);
    expect((await api(province, 'POST', `/affiliation-requests/${req.body.id}/approve`, {})).body.status).toBe('approved');

    const countyAdminP = samplePerson('县局管理员');
    const county = await api(cityToken, 'POST', '/units', { kind: 'hrss', name: '清镇市人力资源和社会保障局', uscc: sampleUscc(7002), admin: countyAdminP });
    expect(county.body.unit.level).toBe('county');

    const eduAdminP = samplePerson('教育厅管理员');
    const edu = await api(province, 'POST', '/units', { kind: 'competent', name: '贵州省教育厅', uscc: sampleUscc(7003), admin: eduAdminP });
    const eduToken = await adminToken(eduAdminP.idNumber, edu.body.admin.initialPassword);
    const eduReq = await api(eduToken, 'POST', '/affiliation-requests', { targetUnitId: root.unit.id });
    expect((await api(province, 'POST', `/affiliation-requests/${eduReq.body.id}/approve`, {})).body.status).toBe('approved');
    const empAdminP = samplePerson('学校管理员');
    const emp = await api(eduToken, 'POST', '/units', { kind: 'employer', category: 'institution', name: '贵州示范学校', admin: empAdminP });
    expect(emp.status).toBe(201);
    expect(emp.body.unit).toMatchObject({ derived: true, uscc: `${sampleUscc(7003)}01` });

    // Refusals: wrong creation chain 403, outside jurisdiction 404, bad USCC 400.
    const empToken = await adminToken(empAdminP.idNumber, emp.body.admin.initialPassword);
    expect((await api(empToken, 'POST', '/units', { kind: 'competent', name: 'x', admin: samplePerson() })).body.error.code).toBe('unit.creation_not_allowed');
    expect((await api(empToken, 'GET', `/units/${city.body.unit.id}`)).status).toBe(404);
    const bad = await api(province, 'POST', '/units', { kind: 'employer', category: 'institution', name: 'x', uscc: '91350100M000100Y4I', admin: samplePerson() });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('unit.uscc_invalid');

    // The employer affiliates to the education department.
    const empReq = await api(empToken, 'POST', '/affiliation-requests', { targetUnitId: edu.body.unit.id });
    expect((await api(eduToken, 'POST', `/affiliation-requests/${empReq.body.id}/approve`, {})).status).toBe(200);

    // An operator with roles (R17), in the employer.
    const opP = samplePerson('张老师');
    const op = await api(empToken, 'POST', '/accounts', { ...opP, roles: ['title.reviewer', 'personnel.clerk'] });
    expect(op.status).toBe(201);
    expect(op.body.account.roles).toEqual(['personnel.clerk', 'title.reviewer']);

    // The operator signs in to the title subsystem: its token carries exactly the title modules of its roles (SPEC §6).
    const titleSignIn = await subsystemSignIn(server.url, root.clients, 'title', { username: opP.phone, password: op.body.initialPassword, newPassword: NEW_PASSWORD });
    if (!titleSignIn.ok) throw new Error(titleSignIn.html);
    const at = titleSignIn.tokens.access_token;
    const { payload } = await jwtVerify(at, createRemoteJWKSet(new URL(`${server.url}/jwks`)), { issuer: server.url, audience: 'urn:tongmen:title', typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: op.body.account.id, acct_kind: 'operator', unit_id: emp.body.unit.id, roles: ['title.reviewer'] });
    expect([...(payload.modules as string[])].sort()).toEqual(['title:forward-upward', 'title:unit-recommend', 'title:unit-verify']);
    expect(payload.unit_path).toEqual([root.unit.id, edu.body.unit.id, emp.body.unit.id]);

    // The title subsystem decides from the token alone (R9): granted modules pass, others are refused.
    const titleGuard = createModuleGuard({ issuer: server.url, subsystem: 'title' });
    expect(await titleGuard.authorize(at, 'title:unit-verify')).toMatchObject({ sub: op.body.account.id, unitId: emp.body.unit.id });
    await expect(titleGuard.authorize(at, 'title:apply')).rejects.toMatchObject({ status: 403, code: 'subsystem.module_forbidden' });
    const personnelGuard = createModuleGuard({ issuer: server.url, subsystem: 'personnel' });
    await expect(personnelGuard.authorize(at, 'personnel:basic-info')).rejects.toMatchObject({ status: 401 }); // not its audience
    await expect(titleGuard.authorize(province, 'title:unit-verify')).rejects.toMatchObject({ status: 401 }); // an admin-API token
    // An administrator signed in to the subsystem holds no roles and is refused every module (R9).
    const adminInTitle = await subsystemSignIn(server.url, root.clients, 'title', { username: empAdminP.idNumber, password: NEW_PASSWORD });
    if (!adminInTitle.ok) throw new Error(adminInTitle.html);
    const adminAt = adminInTitle.tokens.access_token;
    expect(await server.tongmen.identity.verifyAccessToken(adminAt, 'urn:tongmen:title')).toMatchObject({ acct_kind: 'admin', roles: [], modules: [] });
    await expect(titleGuard.authorize(adminAt, 'title:unit-verify')).rejects.toMatchObject({ status: 403, code: 'subsystem.separation_of_duties' });

    // A partner app registered by the province introspects it.
    const partner = await api(province, 'POST', '/clients', { name: '合作应用', resources: ['urn:tongmen:title'], introspection: true });
    expect(partner.status).toBe(201);
    const partnerConfig = await clientConfig(server.url, partner.body.clientId, partner.body.clientSecret);
    const live = await oidc.tokenIntrospection(partnerConfig, at);
    expect(live).toMatchObject({ active: true, sub: op.body.account.id });

    // R12: offboarding ends it at once.
    expect((await api(empToken, 'POST', `/accounts/${op.body.account.id}/offboard`, {})).status).toBe(200);
    expect((await oidc.tokenIntrospection(partnerConfig, at)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(titleSignIn.config, titleSignIn.tokens.refresh_token!)).rejects.toThrow();
  });
});
