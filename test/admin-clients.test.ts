import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());

const province = (method: string, path: string, body?: unknown) => f.api(f.token(f.province.adminId), method, path, body);
const storedSecret = async (clientId: string) => {
  const [rows] = await f.core.base.db.sequelize.query('SELECT secret_enc FROM clients WHERE client_id = :clientId', { replacements: { clientId } });
  return (rows as Array<{ secret_enc: string }>)[0]!.secret_enc;
};

/** A partner of the test's own (no test depends on another's partner). */
async function register(name: string, resources = ['urn:example:archive', 'urn:tongmen:title'], introspection = true) {
  const res = await province('POST', '/clients', { name, resources, introspection });
  expect(res.status).toBe(201);
  return { clientId: res.body.clientId as string, secret: res.body.clientSecret as string, body: res.body };
}

/** A real client authentication at the provider: the client credentials grant with a client secret. */
const clientCredentials = (clientId: string, secret: string, resource = 'urn:example:archive') =>
  f.app.raw('/token', {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource }),
  });

describe('partner apps', () => {
  it('registers a partner: client id and secret generated, the secret shown once and stored encrypted', async () => {
    const res = await province('POST', '/clients', { name: '档案系统', resources: ['urn:example:archive', 'urn:tongmen:title'], introspection: true });
    expect(res.status).toBe(201);
    const { clientId, clientSecret: secret } = res.body;
    expect(clientId).toMatch(/^partner-[0-9a-f]{16}$/);
    expect(secret.length).toBeGreaterThanOrEqual(43);
    expect(res.body.client).toMatchObject({ kind: 'partner', grantTypes: ['client_credentials'], canIntrospect: true, confidential: true, status: 'active' });
    const sealed = await storedSecret(clientId);
    expect(sealed).not.toContain(secret);
    expect(f.core.base.pii.decrypt(sealed)).toBe(secret);
    const [events] = await f.core.base.db.sequelize.query(`SELECT details::text AS d FROM audit_events WHERE action = 'client.register' AND target_id = :clientId`, { replacements: { clientId } });
    expect((events as Array<{ d: string }>)[0]!.d).not.toContain(secret);
  });

  it('lists and reads clients without secrets', async () => {
    const { clientId, secret } = await register('列表系统');
    const list = await province('GET', '/clients');
    expect(list.body.items.map((c: { clientId: string }) => c.clientId)).toEqual(expect.arrayContaining(['admin-console', 'title', clientId]));
    expect(JSON.stringify(list.body)).not.toContain(secret);
    const partners = (await province('GET', '/clients?kind=partner')).body.items;
    expect(partners.map((c: { clientId: string }) => c.clientId)).toContain(clientId);
    expect(partners.every((c: { kind: string }) => c.kind === 'partner')).toBe(true);
    expect((await province('GET', `/clients/${clientId}`)).body.resources).toEqual(['urn:example:archive', 'urn:tongmen:title']);
    expect((await province('GET', '/clients/nope')).status).toBe(404);
  });

  it('rotates the secret: a new one, shown once; the old one no longer authenticates the client, the new one does', async () => {
    const { clientId, secret } = await register('轮换系统');
    const before = await clientCredentials(clientId, secret);
    expect(before.status).toBe(200);
    expect(await before.json()).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });

    const res = await province('POST', `/clients/${clientId}/rotate-secret`);
    expect(res.status).toBe(200);
    expect(res.body.clientSecret).not.toBe(secret);
    expect(f.core.base.pii.decrypt(await storedSecret(clientId))).toBe(res.body.clientSecret);

    const old = await clientCredentials(clientId, secret);
    expect(old.status).toBe(401);
    expect(await old.json()).toMatchObject({ error: 'invalid_client' });
    const fresh = await clientCredentials(clientId, res.body.clientSecret);
    expect(fresh.status).toBe(200);
    expect(await fresh.json()).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });
  });

  it('disables a partner and ends the tokens it holds; first-party clients cannot be disabled', async () => {
    const { clientId, secret } = await register('停用系统');
    expect((await clientCredentials(clientId, secret)).status).toBe(200);
    await f.core.base.db.sequelize.query(
      `INSERT INTO oidc_payloads (model, id, payload) VALUES ('ClientCredentials', 'tok-1', :payload)`,
      { replacements: { payload: JSON.stringify({ clientId, kind: 'ClientCredentials' }) } },
    );
    const res = await province('POST', `/clients/${clientId}/disable`);
    expect(res.body.status).toBe('disabled');
    const [left] = await f.core.base.db.sequelize.query(`SELECT 1 FROM oidc_payloads WHERE payload->>'clientId' = :clientId`, { replacements: { clientId } });
    expect(left).toHaveLength(0);
    // A disabled client no longer authenticates at all.
    const refused = await clientCredentials(clientId, secret);
    expect([refused.status, (await refused.json()).error]).toEqual([401, 'invalid_client']);
    expect((await province('POST', `/clients/${clientId}/rotate-secret`)).body.error.code).toBe('client.disabled');
    expect((await province('POST', '/clients/title/disable')).body.error.code).toBe('client.first_party');
    expect((await province('POST', '/clients/admin-console/rotate-secret')).body.error.code).toBe('client.public');
  });

  it('refuses the admin API and foreign schemes as partner resources (400 client.resource_invalid)', async () => {
    const res = await province('POST', '/clients', { name: '越权', resources: ['urn:tongmen:admin-api', 'http://plain.example.cn'], introspection: false });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('client.resource_invalid');
    expect(res.body.error.details.invalid).toHaveLength(2);
  });

  it('only province hrss administrators with scope all manage partners; scoped ones read', async () => {
    const body = { name: 'x', resources: ['urn:example:x'], introspection: false };
    expect((await f.api(f.token(f.city.adminId), 'POST', '/clients', body)).status).toBe(403);
    expect((await f.api(f.token(f.city.adminId), 'GET', '/clients')).status).toBe(403);
    const scoped = await f.core.services.units.addHrssAdmin(await f.core.actor(f.province.adminId), f.province.unitId, samplePerson('省职称管理员'), ['title'], f.core.meta);
    expect((await f.api(f.token(scoped.accountId), 'POST', '/clients', body)).status).toBe(403);
    expect((await f.api(f.token(scoped.accountId), 'GET', '/clients')).status).toBe(200);
  });
});
