import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, starting, type RunningServer } from '../server/app.ts';
import { createLogger } from '../platform/logger.ts';
import { freshDatabaseEnv } from './support/database.ts';
import { tee, teeAuditEvents } from './support/pii-tee.ts';
import { clientConfig, signIn } from './support/oidc.ts';
import { seedWorld, startFakeRp, WORLD_PASSWORD } from './identity-fixtures.ts';

/**
 * Issue 12, Operability — through HTTP against a real server: the health probes, the Prometheus
 * metrics behind METRICS_TOKEN, request ids and the structured log (no secrets, no personal data).
 */
const METRICS_TOKEN = 'metrics-token-for-the-tests-0123456789';
const lines: string[] = [];
let server: RunningServer;
let rp: Awaited<ReturnType<typeof startFakeRp>>;
let world: Awaited<ReturnType<typeof seedWorld>>;

beforeAll(async () => {
  const env = { NODE_ENV: 'test', PORT: '0', ADMIN_MFA: 'off', DEMO: 'off', METRICS_TOKEN, ...(await freshDatabaseEnv()) };
  const logger = createLogger('info', {
    destination: {
      write(line: string) {
        lines.push(line);
        tee('log', 'tongmen', line);
      },
    },
  });
  server = await startServer(env, logger);
  rp = await startFakeRp();
  world = await seedWorld(server.tongmen.base, rp.url);
});
afterAll(async () => {
  await server?.close();
  await rp?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers });
const scrape = async () => {
  const res = await get('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` });
  expect(res.status).toBe(200);
  return res.text();
};
/** The value of one sample (`name{labels}`), 0 when absent. */
const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
};

describe('issue 12: health probes', () => {
  it('/health/live and /health/ready answer 200 without a session, a token or a request id, and are never throttled', async () => {
    for (const path of ['/health/live', '/health/ready']) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    const burst = await Promise.all(Array.from({ length: 60 }, () => get('/health/ready').then((r) => r.status)));
    expect(new Set(burst)).toEqual(new Set([200]));
  });

  it('while the app is being built, live is 200 and ready is 503 `starting` (the start-up answer)', async () => {
    const early = http.createServer(starting);
    await new Promise<void>((resolve) => early.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(early.address() as AddressInfo).port}`;
    try {
      const live = await fetch(`${base}/health/live`);
      expect(live.status).toBe(200);
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'starting' });
      expect((await fetch(`${base}/.well-known/openid-configuration`)).status).toBe(503);
    } finally {
      early.closeAllConnections();
      await new Promise((resolve) => early.close(resolve));
    }
  });

  it('ready is 503 `migrations` while a migration this code knows is missing, and 200 again once it is there', async () => {
    const db = server.tongmen.base.db;
    const rename = (from: string, to: string) =>
      db.transaction(async (tx) => {
        // The schema owner's rights for this one statement (the server's role only reads the log).
        await db.sequelize.query('SET LOCAL ROLE NONE', { transaction: tx });
        await db.sequelize.query('UPDATE schema_migrations SET name = :to WHERE name = :from', { replacements: { from, to }, transaction: tx });
      });
    const [[last]] = (await db.sequelize.query('SELECT max(name) AS name FROM schema_migrations')) as [[{ name: string }], unknown];
    await rename(last.name, `${last.name}-pending`);
    try {
      await new Promise((r) => setTimeout(r, 1100)); // past the answer's 1 s reuse
      const res = await get('/health/ready');
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'unavailable', reason: 'migrations' });
    } finally {
      await rename(`${last.name}-pending`, last.name);
    }
    await new Promise((r) => setTimeout(r, 1100));
    expect((await get('/health/ready')).status).toBe(200);
  });
});

describe('issue 12: metrics', () => {
  it('/metrics needs the bearer METRICS_TOKEN: none or a wrong one is 401 with a challenge', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: `Basic ${METRICS_TOKEN}` }]) {
      const res = await get('/metrics', headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await res.json()).error.code).toBe('metrics.token_invalid');
    }
    expect(await scrape()).toMatch(/^process_cpu_user_seconds_total /m); // default process metrics
  });

  it('counts sign-ins by method and result, lockouts, token grants, introspections, admin routes by template, latency', async () => {
    const before = await scrape();
    const admin = world.client('admin-console');
    const tryPassword = (username: string, password: string) =>
      signIn({ issuer: server.url, clientId: 'admin-console', redirectUri: admin.redirectUris[0]!, resource: 'urn:tongmen:admin-api', username, password, accountId: world.dual.adminId });
    // R19: three wrong passwords lock the operator's credential; a fourth try is refused as locked.
    for (let i = 0; i < 4; i++) expect((await tryPassword(world.op.idNumber, 'Wrong#Pass2024')).ok).toBe(false);
    const ok = await tryPassword(world.dual.phone, WORLD_PASSWORD);
    if (!ok.ok) throw new Error(ok.html);
    // A partner's client-credentials token, introspected.
    const partner = await clientConfig(server.url, 'partner-title', world.client('partner-title').clientSecret!);
    const cc = await oidc.clientCredentialsGrant(partner, { resource: 'https://partner.example/api' });
    expect((await oidc.tokenIntrospection(partner, cc.access_token)).active).toBe(true);
    // Admin API: a route template, never the raw id.
    const id = '00000000-0000-4000-8000-000000000000';
    expect((await get(`/admin/v1/units/${id}`)).status).toBe(401);

    const after = await scrape();
    const delta = (series: string) => sample(after, series) - sample(before, series);
    expect(delta('tongmen_signin_attempts_total{method="password",result="wrong_password"}')).toBe(3);
    expect(delta('tongmen_signin_attempts_total{method="password",result="locked"}')).toBe(1);
    expect(delta('tongmen_signin_attempts_total{method="password",result="success"}')).toBe(1);
    expect(delta('tongmen_lockouts_total')).toBe(1);
    expect(delta('tongmen_token_grants_total{grant_type="authorization_code",result="success"}')).toBe(1);
    expect(delta('tongmen_token_grants_total{grant_type="client_credentials",result="success"}')).toBe(1);
    expect(delta('tongmen_introspections_total{status="200"}')).toBe(1);
    expect(delta('tongmen_admin_requests_total{route="/admin/v1/units/:id",method="GET",status="401"}')).toBe(1);
    expect(after).not.toContain(id);
    expect(delta('tongmen_http_request_duration_seconds_count{area="oidc",method="POST",status="2xx"}')).toBeGreaterThanOrEqual(3);
    expect(sample(after, 'tongmen_http_request_duration_seconds_bucket{le="10",area="signin",method="POST",status="3xx"}')).toBeGreaterThan(0);
  });
});

describe('issue 12: request ids and the structured log', () => {
  it('keeps a sane incoming X-Request-Id, replaces anything else, and tags the request’s log line with it', async () => {
    const kept = await get('/.well-known/openid-configuration', { 'x-request-id': 'trace-0a1b2c3d4e' });
    expect(kept.headers.get('x-request-id')).toBe('trace-0a1b2c3d4e');
    for (const bad of ['short', '13912345678', 'a'.repeat(65), 'has space 12345', '{"json":1}']) {
      const res = await get('/.well-known/openid-configuration', { 'x-request-id': bad });
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.requestId === 'trace-0a1b2c3d4e');
    expect(line).toMatchObject({ msg: 'request', method: 'GET', path: '/.well-known/openid-configuration', status: 200, service: 'tongmen' });
    expect(typeof line.ms).toBe('number');
  });

  it('no log line holds a password, a token, a cookie, a full ID number or phone of the sign-ins above', () => {
    const text = lines.join('');
    for (const secret of [WORLD_PASSWORD, 'Wrong#Pass2024', world.op.idNumber, world.op.phone, world.dual.idNumber, world.dual.phone, METRICS_TOKEN]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}\./); // no JWT
    expect(text).not.toMatch(/_session|_interaction/); // no cookie
  });

  it('free text is masked on the way out (R25): ID numbers and phones inside messages and errors', () => {
    const captured: string[] = [];
    const logger = createLogger('info', { destination: { write: (l: string) => captured.push(l) } });
    logger.error({ err: new Error(`no person 520102197001010014 / 13912345678 / +8613912345678`) }, 'lookup of 13912345678 failed');
    const text = captured.join('');
    expect(text).not.toMatch(/520102197001010014|13912345678/);
    expect(text).toContain('5201**********0014');
    expect(text).toContain('139****5678');
  });

  it('an unexpected failure answers 500 with the request id, logged under the same id; ready then says `database`', async () => {
    await teeAuditEvents(server.tongmen.base.db.sequelize); // into the run's scan, before the database goes
    await server.tongmen.base.db.sequelize.connectionManager.close(); // PostgreSQL gone for this node
    // A grant must write its token (introspection may be answered from the live view alone).
    const res = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`partner-title:${world.client('partner-title').clientSecret}`).toString('base64')}`,
        'x-request-id': 'fail-0a1b2c3d4e',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: 'https://partner.example/api' }),
    });
    expect(res.status).toBe(500);
    // An OAuth endpoint answers in the OAuth error format; the request id travels in the header.
    expect(await res.json()).toMatchObject({ error: 'server_error' });
    expect(res.headers.get('x-request-id')).toBe('fail-0a1b2c3d4e');
    const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.requestId === 'fail-0a1b2c3d4e');
    expect(logged.find((l) => l.level === 50)).toMatchObject({ msg: 'identity provider error', err: { type: expect.any(String) } });
    expect(logged.find((l) => l.msg === 'request')).toMatchObject({ status: 500 });
    await new Promise((r) => setTimeout(r, 1100));
    const ready = await get('/health/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'database' });
    expect((await get('/health/live')).status).toBe(200);
  });
});
