import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/app.ts';
import { composeApp } from '../server/app.ts';
import { bootstrapProvince, type BootstrapResult } from '../directory/bootstrap/bootstrap.ts';
import { RESOURCES } from '../directory/catalogue/modules.ts';
import { createModuleGuard } from '../subsystems/module-guard.ts';
import { startTestServer } from './support/harness.ts';
import { samplePerson } from './support/core.ts';
import { signIn, subsystemSignIn } from './support/oidc.ts';
import { TEST_NEW_PASSWORD } from './support/admin-token.ts';

/**
 * Issue 5 item 5 — DPoP (RFC 9449). A token refreshed with a DPoP proof is bound to the client's
 * key (`cnf.jkt`); the admin API then accepts it only as `Authorization: DPoP` with a valid proof
 * of that key for this very request, never as a plain bearer token; introspection reports `cnf`.
 */
let server: RunningServer;
let root: BootstrapResult;
const admin = samplePerson('DPoP管理员');

beforeAll(async () => {
  server = await startTestServer();
  root = await bootstrapProvince(server.tongmen.base, server.tongmen.services, { unitName: 'DPoP测试省厅', uscc: '91350100M000100Y43', admin });
});
afterAll(async () => server?.close());

type Keys = { privateKey: CryptoKey; publicKey: CryptoKey };
const newKeys = (): Promise<Keys> => generateKeyPair('ES256', { extractable: true });

/** Signs in to the admin console, then refreshes the token with a DPoP proof of `keys`. */
async function boundAdminToken(keys: Keys, first: boolean) {
  const signedIn = await signIn({
    issuer: server.url, clientId: 'admin-console', redirectUri: `${server.url}/console/callback`, resource: RESOURCES.admin,
    username: admin.idNumber, password: first ? root.admin.initialPassword : TEST_NEW_PASSWORD, newPassword: TEST_NEW_PASSWORD,
  });
  if (!signedIn.ok) throw new Error(signedIn.error);
  const dpop = oidc.getDPoPHandle(signedIn.config, keys);
  const refreshed = await oidc.refreshTokenGrant(signedIn.config, signedIn.tokens.refresh_token!, undefined, { DPoP: dpop });
  return { config: signedIn.config, dpop, tokens: refreshed, bearer: signedIn.tokens.access_token };
}

/** A DPoP proof JWT as RFC 9449 §4.2 describes it, with any field overridable. */
async function proof(keys: Keys, o: { method?: string; url: string; token: string; iat?: number; jti?: string; jwkFrom?: Keys }) {
  const jwk = await exportJWK((o.jwkFrom ?? keys).publicKey);
  return new SignJWT({
    htm: o.method ?? 'GET',
    htu: o.url,
    ath: crypto.hash('sha256', o.token, 'base64url'),
    jti: o.jti ?? crypto.randomUUID(),
    iat: o.iat ?? Math.floor(Date.now() / 1000),
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
    .sign(keys.privateKey);
}

async function call(base: string, path: string, headers: Record<string, string>, method = 'GET') {
  const res = await fetch(`${base}/admin/v1${path}`, { method, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

describe('item 5: DPoP-bound access tokens at the admin API (RFC 9449)', () => {
  it('a refresh with a DPoP proof binds the token to the key (token_type DPoP, cnf.jkt)', async () => {
    const keys = await newKeys();
    const { tokens } = await boundAdminToken(keys, true);
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt: await calculateJwkThumbprint(await exportJWK(keys.publicKey)) });
  });

  it('a bound token presented as Bearer is refused: 401 with a DPoP challenge; an unbound one still works as Bearer', async () => {
    const keys = await newKeys();
    const { tokens, bearer } = await boundAdminToken(keys, false);
    const refused = await call(server.url, '/roles', { authorization: `Bearer ${tokens.access_token}` });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('auth.dpop_required');
    expect(refused.headers.get('www-authenticate')).toMatch(/DPoP realm="tongmen-admin", algs="[^"]*ES256[^"]*", error="invalid_token"/);
    // Without any proof the DPoP scheme is refused too.
    expect((await call(server.url, '/roles', { authorization: `DPoP ${tokens.access_token}` })).body.error.code).toBe('auth.dpop_invalid');
    // The unbound token of the same sign-in is a plain bearer token and stays one (not DPoP).
    expect((await call(server.url, '/roles', { authorization: `Bearer ${bearer}` })).status).toBe(200);
    expect((await call(server.url, '/roles', { authorization: `DPoP ${bearer}`, dpop: await proof(keys, { url: `${server.url}/admin/v1/roles`, token: bearer }) })).status).toBe(401);
  });

  it('accepted with a valid proof (openid-client as the resource client, and a hand-made proof)', async () => {
    const keys = await newKeys();
    const { tokens, config, dpop } = await boundAdminToken(keys, false);
    const res = await oidc.fetchProtectedResource(config, tokens.access_token, new URL(`${server.url}/admin/v1/roles?subsystem=title`), 'GET', undefined, undefined, { DPoP: dpop });
    expect(res.status).toBe(200);
    expect((await res.json()).items.length).toBeGreaterThan(0);
    const url = `${server.url}/admin/v1/units/${root.unit.id}`;
    const ok = await call(server.url, `/units/${root.unit.id}?x=1`, { authorization: `DPoP ${tokens.access_token}`, dpop: await proof(keys, { url, token: tokens.access_token }) });
    expect(ok.status).toBe(200);
  });

  it('refused with a replayed proof — on this node and on another node of the same database', async () => {
    const keys = await newKeys();
    const { tokens } = await boundAdminToken(keys, false);
    const headers = { authorization: `DPoP ${tokens.access_token}`, dpop: await proof(keys, { url: `${server.url}/admin/v1/roles`, token: tokens.access_token }) };
    expect((await call(server.url, '/roles', headers)).status).toBe(200);
    const replay = await call(server.url, '/roles', headers);
    expect([replay.status, replay.body.error.code]).toEqual([401, 'auth.dpop_invalid']);
    expect(replay.headers.get('www-authenticate')).toMatch(/error="invalid_dpop_proof"/);

    // A second node: its own provider and app on the same database (no memory shared).
    const other = await composeApp(server.tongmen.base, server.tongmen.services);
    const node2 = http.createServer(other.app.callback());
    await new Promise<void>((resolve) => node2.listen(0, '127.0.0.1', resolve));
    try {
      const base2 = `http://127.0.0.1:${(node2.address() as AddressInfo).port}`;
      const fresh = { ...headers, dpop: await proof(keys, { url: `${server.url}/admin/v1/roles`, token: tokens.access_token }) };
      expect((await call(base2, '/roles', fresh)).status).toBe(200);
      expect((await call(server.url, '/roles', fresh)).status).toBe(401);
      expect((await call(base2, '/roles', headers)).status).toBe(401);
    } finally {
      node2.closeAllConnections();
      await new Promise<void>((resolve) => node2.close(() => resolve()));
      await other.identity.close();
    }
  });

  it('refused with a wrong htu or htm, a wrong key, a stale proof, a proof for another token, or a malformed proof', async () => {
    const keys = await newKeys();
    const { tokens } = await boundAdminToken(keys, false);
    const token = tokens.access_token;
    const url = `${server.url}/admin/v1/roles`;
    const stranger = await newKeys();
    const otherToken = (await boundAdminToken(keys, false)).tokens.access_token;
    const bad: Array<[string, string]> = [
      ['htu of another path', await proof(keys, { url: `${server.url}/admin/v1/units`, token })],
      ['htu of another origin', await proof(keys, { url: 'https://evil.example/admin/v1/roles', token })],
      ['htm POST for a GET', await proof(keys, { url, token, method: 'POST' })],
      ['another key, its own jwk', await proof(stranger, { url, token })],
      ['another key under the right jwk', await proof(stranger, { url, token, jwkFrom: keys })],
      ['iat ten minutes old', await proof(keys, { url, token, iat: Math.floor(Date.now() / 1000) - 600 })],
      ['iat ten minutes ahead', await proof(keys, { url, token, iat: Math.floor(Date.now() / 1000) + 600 })],
      ['ath of another token', await proof(keys, { url, token: otherToken })],
      ['not a JWT', 'not-a-jwt'],
      ['typ JWT', await new SignJWT({ htm: 'GET', htu: url, jti: 'x', iat: Math.floor(Date.now() / 1000), ath: crypto.hash('sha256', token, 'base64url') })
        .setProtectedHeader({ typ: 'JWT', alg: 'ES256', jwk: await exportJWK(keys.publicKey) }).sign(keys.privateKey)],
    ];
    for (const [why, dpop] of bad) {
      const res = await call(server.url, '/roles', { authorization: `DPoP ${token}`, dpop });
      expect([why, res.status, res.body.error?.code]).toEqual([why, 401, 'auth.dpop_invalid']);
    }
    // The same token with a good proof still works: the refusals above consumed nothing.
    expect((await call(server.url, '/roles', { authorization: `DPoP ${token}`, dpop: await proof(keys, { url, token }) })).status).toBe(200);
  });
});

describe('item 5: introspection reports the binding of a DPoP-bound token (RFC 9449 §6.2)', () => {
  it('a subsystem introspecting its own bound token gets token_type DPoP and cnf.jkt', async () => {
    const signedIn = await subsystemSignIn(server.url, root.clients, 'title', { username: admin.idNumber, password: TEST_NEW_PASSWORD });
    if (!signedIn.ok) throw new Error(signedIn.error);
    const keys = await newKeys();
    const refreshed = await oidc.refreshTokenGrant(signedIn.config, signedIn.tokens.refresh_token!, undefined, { DPoP: oidc.getDPoPHandle(signedIn.config, keys) });
    const answer = await oidc.tokenIntrospection(signedIn.config, refreshed.access_token);
    expect(answer).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: await calculateJwkThumbprint(await exportJWK(keys.publicKey)) } });
    const plain = await oidc.tokenIntrospection(signedIn.config, signedIn.tokens.access_token);
    expect(plain).toMatchObject({ active: true, token_type: 'Bearer' });
    expect(plain.cnf).toBeUndefined();

    // The subsystems' module guard reads bare tokens: it refuses a bound one instead of taking it as bearer.
    const guard = createModuleGuard({ issuer: server.url, subsystem: 'title' });
    await expect(guard.authorize(refreshed.access_token, 'title:apply')).rejects.toMatchObject({ status: 401, code: 'subsystem.dpop_unsupported' });
    await expect(guard.authorize(signedIn.tokens.access_token, 'title:apply')).rejects.toMatchObject({ status: 403, code: 'subsystem.separation_of_duties' });
  });
});
