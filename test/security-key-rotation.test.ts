import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeApp, type RunningServer } from '../server/app.ts';
import { bootstrapProvince, type BootstrapResult } from '../directory/bootstrap/bootstrap.ts';
import { PUBLISH_BEFORE_SIGNING_MS, readKeyring, RETIRED_PUBLISHED_MS, rotateSigningKeys } from '../identity/keys.ts';
import { isAppError } from '../platform/errors.ts';
import { startTestServer } from './support/harness.ts';
import { samplePerson } from './support/core.ts';
import { subsystemSignIn } from './support/oidc.ts';
import { TEST_NEW_PASSWORD } from './support/admin-token.ts';

/**
 * Issue 7 (R24, "Sessions and logout"): signing-key rotation on two nodes sharing one database.
 * A new key is published in every node's JWKS before it signs; tokens signed with the old key keep
 * verifying (local verifier and introspection) while it is retired; once promoted, new tokens carry
 * the new kid; a retired key past its window leaves the JWKS. The clock is set ahead, never slept.
 */
let server: RunningServer;
let root: BootstrapResult;
let node2: { server: http.Server; url: string; identity: Awaited<ReturnType<typeof composeApp>>['identity'] };
const admin = samplePerson('轮换管理员');
const TITLE = 'urn:tongmen:title';

beforeAll(async () => {
  server = await startTestServer();
  root = await bootstrapProvince(server.tongmen.base, server.tongmen.services, { unitName: '密钥轮换测试省厅', uscc: '91350100M000100Y43', admin });
  const other = await composeApp(server.tongmen.base, server.tongmen.services);
  const s = http.createServer(other.app.callback());
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  node2 = { server: s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, identity: other.identity };
});
afterAll(async () => {
  node2?.server.closeAllConnections();
  await new Promise<void>((resolve) => (node2 ? node2.server.close(() => resolve()) : resolve()));
  await node2?.identity.close();
  await server?.close();
});

const nodes = () => [
  { url: server.url, identity: server.tongmen.identity },
  { url: node2.url, identity: node2.identity },
];
const jwksKids = async (url: string) => ((await (await fetch(`${url}/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid).sort();
const refreshAll = (now: Date) => Promise.all(nodes().map((n) => n.identity.refreshSigningKeys(now)));
const rotate = (now: Date) => rotateSigningKeys(server.tongmen.base.db.sequelize, server.tongmen.base.pii, { now, audit: server.tongmen.base.audit });
const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;

async function introspect(url: string, token: string) {
  const title = root.clients.find((c) => c.clientId === 'title')!;
  const res = await fetch(`${url}/token/introspection`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`title:${title.clientSecret}`).toString('base64')}` },
    body: new URLSearchParams({ token }),
  });
  return ((await res.json()) as { active: boolean }).active;
}

/** Whether both nodes accept the access token: the local verifier and introspection. */
async function acceptedEverywhere(accessToken: string) {
  const out: boolean[] = [];
  for (const n of nodes()) {
    out.push(await n.identity.verifyAccessToken(accessToken, TITLE).then(() => true, () => false));
    out.push(await introspect(n.url, accessToken));
  }
  return out;
}

async function refusalCode(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (isAppError(e)) return `${e.status} ${e.code}`;
    throw e;
  }
  return 'accepted';
}

describe('issue 7 R24: signing-key rotation across two nodes', () => {
  it('R24 publishes the next key on both nodes before it signs, promotes it only after the publication delay, and drops a retired key after its window', async () => {
    const signedIn = await subsystemSignIn(server.url, root.clients, 'title', { username: admin.idNumber, password: root.admin.initialPassword, newPassword: TEST_NEW_PASSWORD });
    if (!signedIn.ok) throw new Error(signedIn.error);
    const before = await jwksKids(server.url);
    expect(await jwksKids(node2.url)).toEqual(before);
    expect(before).toHaveLength(2);
    const oldKid = kidOf(signedIn.tokens.access_token);
    expect(before).toContain(oldKid);
    expect(before).toContain(kidOf(signedIn.tokens.id_token!));

    // Step 1: new keys are added as `next`; every node publishes them after its reload, none signs with them.
    const t0 = new Date();
    const first = await rotate(t0);
    expect(first.added).toHaveLength(2);
    expect([first.promoted, first.retired, first.dropped]).toEqual([[], [], []]);
    await refreshAll(t0);
    for (const n of nodes()) expect(await jwksKids(n.url)).toEqual([...before, ...first.added].sort());
    const stillOld = await oidc.refreshTokenGrant(signedIn.config, signedIn.tokens.refresh_token!);
    expect(kidOf(stillOld.access_token)).toBe(oldKid);
    expect(before).toContain(kidOf(stillOld.id_token!));

    // Too early to let them sign: refused, nothing changes.
    expect(await refusalCode(rotate(new Date(t0.getTime() + PUBLISH_BEFORE_SIGNING_MS - 1000)))).toBe('409 signing_keys.rotation_too_soon');
    await refreshAll(new Date(t0.getTime() + PUBLISH_BEFORE_SIGNING_MS - 1000));
    expect(await jwksKids(server.url)).toEqual([...before, ...first.added].sort());

    // Step 2, after the delay: the next keys sign, the old ones are retired but still published and accepted.
    const t1 = new Date(t0.getTime() + PUBLISH_BEFORE_SIGNING_MS);
    const second = await rotate(t1);
    expect(second.promoted.sort()).toEqual([...first.added].sort());
    expect(second.retired.sort()).toEqual(before);
    await refreshAll(t1);
    const published = [...before, ...first.added, ...second.added].sort();
    for (const n of nodes()) expect(await jwksKids(n.url)).toEqual(published);
    const fresh = await oidc.refreshTokenGrant(signedIn.config, stillOld.refresh_token!);
    expect(first.added).toContain(kidOf(fresh.access_token));
    expect(first.added).toContain(kidOf(fresh.id_token!));
    expect(await acceptedEverywhere(stillOld.access_token)).toEqual([true, true, true, true]);
    expect(await acceptedEverywhere(fresh.access_token)).toEqual([true, true, true, true]);

    // After the retired window the old keys leave both JWKS (before any rotation), and their tokens stop verifying.
    const t2 = new Date(t1.getTime() + RETIRED_PUBLISHED_MS);
    await refreshAll(new Date(t2.getTime() - 1000));
    expect(await jwksKids(node2.url)).toEqual(published);
    await refreshAll(t2);
    for (const n of nodes()) expect(await jwksKids(n.url)).toEqual([...first.added, ...second.added].sort());
    for (const n of nodes()) expect(await refusalCode(n.identity.verifyAccessToken(stillOld.access_token, TITLE))).toBe('401 auth.invalid_token');
    expect(await acceptedEverywhere(fresh.access_token)).toEqual([true, true, true, true]);

    // The next rotation drops them from the store; each rotation is audited.
    const third = await rotate(t2);
    expect(third.dropped.sort()).toEqual(before);
    const [events] = await server.tongmen.base.db.sequelize.query(
      `SELECT details FROM audit_events WHERE action = 'platform.signing_keys_rotated' ORDER BY seq`,
    );
    expect((events as Array<{ details: { added: string[] } }>).map((e) => e.details.added)).toEqual([first.added, second.added, third.added]);
  });

  it('R24 two rotations at once take turns under the lock: one adds next keys, the other is refused', async () => {
    const later = new Date(Date.now() + 10 * PUBLISH_BEFORE_SIGNING_MS);
    const outcomes = await Promise.all([refusalCode(rotate(later)), refusalCode(rotate(later))]);
    expect(outcomes.sort()).toEqual(['409 signing_keys.rotation_too_soon', 'accepted']);
  });
});

describe('issue 7 R24: the keyring before rotation existed', () => {
  it('R24 a database holding only the legacy signing keys keeps them as the current keys', async () => {
    const { sequelize } = server.tongmen.base.db;
    const { pii } = server.tongmen.base;
    const { records } = await readKeyring(sequelize, pii, new Date());
    const legacy = records.filter((r) => r.state === 'current').map((r) => r.jwk);
    await sequelize.query(`DELETE FROM settings WHERE key IN ('oidc_signing_keyring', 'oidc_signing_keys')`);
    await sequelize.query(`INSERT INTO settings (key, value) VALUES ('oidc_signing_keys', :value)`, {
      replacements: { value: JSON.stringify({ sealed: pii.encrypt(JSON.stringify(legacy)) }) },
    });
    const migrated = await readKeyring(sequelize, pii, new Date());
    expect(migrated.version).toBe(1);
    expect(migrated.records.map((r) => [r.state, r.jwk.kid])).toEqual(legacy.map((k) => ['current', k.kid]));
  });
});
