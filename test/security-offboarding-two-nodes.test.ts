import * as oidc from 'openid-client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argon2Hasher } from '../directory/credentials/password-hasher.ts';
import { FormBrowser } from './support/browser.ts';
import { RESOURCES } from '../directory/catalogue/modules.ts';
import { CHANGE_FEED_APPLICATION } from '../platform/db/change-feed.ts';
import { clientConfig, pkceAuthorizationUrl, signIn } from './support/oidc.ts';
import { openSecondNode } from './support/second-node.ts';
import { insertAccount, insertCredential, insertPerson, insertUnit, openSignInWorld, WORLD_PASSWORD, type SignInWorld } from './identity-fixtures.ts';

/**
 * Issue 12 suite 4 — offboarding and migration across nodes (R11, R12, SPEC §6): two nodes on one
 * PostgreSQL behind one issuer. Node B answers introspection from its in-process live view (issue
 * 11); offboarding or migrating the account on node A must make its tokens inactive on node B
 * within 1 s (LISTEN/NOTIFY, migration 0014), refresh must fail on both nodes and the SSO sessions
 * on both nodes must end. Node B's view is warmed first, so a missed invalidation shows.
 */
const DEADLINE_MS = 1000; // SPEC: offboarding ends tokens on every node within a second
let env: SignInWorld;
let nodeB: { url: string; close(): Promise<void> };
let adminAt: string;
const nodes = () => ({ A: env.server.url, B: nodeB.url });

beforeAll(async () => {
  env = await openSignInWorld();
  nodeB = await openSecondNode(env.server);
  // The world's dual person is an administrator of the province root (jurisdiction over the school).
  const admin = await signIn({
    issuer: env.server.url, clientId: 'admin-console', redirectUri: `${env.server.url}/console/callback`, resource: RESOURCES.admin,
    username: env.world.dual.idNumber, password: WORLD_PASSWORD, accountId: env.world.dual.adminId,
  });
  if (!admin.ok) throw new Error(`admin sign-in failed: ${admin.error}`);
  adminAt = admin.tokens.access_token;
}, 120_000);
afterAll(async () => {
  await nodeB?.close();
  await env?.close();
});

/** An operator with a settled password: of the province root (the administrator's own unit, who may offboard it) or of the school. */
async function operator(of: 'root' | 'school') {
  const { sequelize } = env.server.tongmen.base.db;
  const p = await insertPerson(sequelize, env.server.tongmen.base.pii, '离职经办');
  const unit = of === 'root' ? { unitId: env.world.root.id, unitKind: 'hrss' } : { unitId: env.world.school.id, unitKind: 'employer' };
  const accountId = await insertAccount(sequelize, { kind: 'operator', ...unit, personId: p.id });
  await insertCredential(sequelize, { personId: p.id, hash: await argon2Hasher.hash(WORLD_PASSWORD) });
  return { ...p, accountId };
}

const title = () => env.world.client('title');
const titleConfig = () => clientConfig(env.server.url, 'title', title().clientSecret!);

/** A sign-in to the title subsystem walked on `node` by `browser` (which keeps the SSO session cookie); the tokens. */
async function signInOn(node: string, browser: FormBrowser, username: string) {
  const config = await titleConfig();
  const state = oidc.randomState();
  const { url, verifier } = await pkceAuthorizationUrl(config, { redirectUri: title().redirectUris[0]!, resource: 'urn:tongmen:title', scope: 'openid offline_access', state });
  const atCallback = (u: URL) => `${u.origin}${u.pathname}` === title().redirectUris[0];
  await browser.follow(`${node}${url.pathname}${url.search}`, atCallback);
  const callback = await browser.submit({ username, password: WORLD_PASSWORD }, { stopAt: atCallback });
  expect(atCallback(new URL(callback))).toBe(true);
  const code = new URL(callback).searchParams.get('code')!;
  const res = await tokenCall(node, { grant_type: 'authorization_code', code, redirect_uri: title().redirectUris[0]!, code_verifier: verifier, resource: 'urn:tongmen:title' });
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; refresh_token: string };
}

/** Whether the browser's SSO session on `node` still signs it in without a page (a code straight away). */
async function hasSession(node: string, browser: FormBrowser) {
  const config = await titleConfig();
  const { url } = await pkceAuthorizationUrl(config, { redirectUri: title().redirectUris[0]!, resource: 'urn:tongmen:title', state: oidc.randomState() });
  const atCallback = (u: URL) => `${u.origin}${u.pathname}` === title().redirectUris[0];
  const end = await browser.follow(`${node}${url.pathname}${url.search}`, atCallback);
  return atCallback(new URL(end)) && new URL(end).searchParams.has('code');
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

function tokenCall(node: string, form: Record<string, string>) {
  return fetch(`${node}/token`, {
    method: 'POST',
    headers: { authorization: basic('title', title().clientSecret!), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
}

async function introspect(node: string, token: string): Promise<boolean> {
  const partner = env.world.client('partner-title');
  const res = await fetch(`${node}/token/introspection`, {
    method: 'POST',
    headers: { authorization: basic(partner.clientId, partner.clientSecret!), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { active: boolean }).active;
}

/** Polls node B until every token is inactive; how long that took (ms), or Infinity past the deadline. */
async function msUntilInactive(node: string, tokens: string[]): Promise<number> {
  const start = performance.now();
  while (performance.now() - start <= DEADLINE_MS) {
    const active = await Promise.all(tokens.map((t) => introspect(node, t)));
    if (!active.some(Boolean)) return performance.now() - start;
    await new Promise((r) => setTimeout(r, 20));
  }
  return Infinity;
}

async function adminCall(node: string, path: string, body: unknown) {
  const res = await fetch(`${node}/admin/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminAt}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Signs the operator in on both nodes, checks node B's view holds both tokens as active (warming it), runs `end` on node A, then checks everything ended. */
async function endOnAAndCheckB(of: 'root' | 'school', end: (accountId: string) => Promise<void>) {
  const op = await operator(of);
  const { A, B } = nodes();
  const browserA = new FormBrowser();
  const browserB = new FormBrowser();
  const onA = await signInOn(A, browserA, op.phone);
  const onB = await signInOn(B, browserB, op.phone);
  expect(await hasSession(A, browserA)).toBe(true);
  expect(await hasSession(B, browserB)).toBe(true);
  for (let i = 0; i < 3; i++) {
    expect(await introspect(B, onA.access_token)).toBe(true);
    expect(await introspect(B, onB.access_token)).toBe(true);
  }

  await end(op.accountId);

  expect(await msUntilInactive(B, [onA.access_token, onB.access_token])).toBeLessThanOrEqual(DEADLINE_MS);
  expect(await introspect(A, onA.access_token)).toBe(false);
  for (const node of [A, B]) {
    for (const rt of [onA.refresh_token, onB.refresh_token]) {
      const res = await tokenCall(node, { grant_type: 'refresh_token', refresh_token: rt });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
    }
  }
  expect(await hasSession(A, browserA)).toBe(false);
  expect(await hasSession(B, browserB)).toBe(false);
}

describe('issue 12 suite 4: offboarding and migration across two nodes (R11, R12)', () => {
  it('R12: offboarding on node A → the tokens are inactive on node B within 1 s, refresh fails and the SSO sessions end on both nodes', async () => {
    await endOnAAndCheckB('root', async (accountId) => {
      const res = await adminCall(nodes().A, `/accounts/${accountId}/offboard`, {});
      expect(res.status).toBe(200);
    });
  }, 60_000);

  it('R11: a migration on node A (immediate below a common upper unit) → the same on node B', async () => {
    const other = await insertUnit(env.server.tongmen.base.db.sequelize, { name: '迁入学校', parent: env.world.root });
    await endOnAAndCheckB('school', async (accountId) => {
      const res = await adminCall(nodes().A, `/accounts/${accountId}/migrate`, { toUnitId: other.id });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('accepted');
    });
  }, 60_000);

  // The embedded database has no change feed (its views read through on every lookup): nothing to cut there.
  it.skipIf(!process.env.DATABASE_URL)('R12 with the notification channel cut: the listening connections are killed just before offboarding → node B still answers active:false within 1 s', async () => {
    await endOnAAndCheckB('root', async (accountId) => {
      // As a network fault or a PostgreSQL restart would: every node's LISTEN connection ends; the
      // offboarding's notification is sent while nobody listens. The views must not answer from memory.
      const db = env.server.tongmen.base.config.database;
      const su = new pg.Client({ connectionString: db.kind === 'external' ? db.url : '' }); // the login role (the server's SQL runs as tongmen_app)
      await su.connect();
      try {
        const killed = await su.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`, [CHANGE_FEED_APPLICATION]);
        expect(killed.rowCount).toBeGreaterThanOrEqual(2); // node A's and node B's
      } finally {
        await su.end();
      }
      const res = await adminCall(nodes().A, `/accounts/${accountId}/offboard`, {});
      expect(res.status).toBe(200);
    });
  }, 60_000);
});
