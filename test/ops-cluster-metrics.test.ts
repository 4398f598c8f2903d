import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabaseEnv } from './support/database.ts';

/**
 * Issue 12 — with WORKERS=2 a scrape reaches one worker, yet /metrics counts the whole node: the
 * primary sums both workers' registries (prom-client's AggregatorRegistry over the cluster's IPC).
 * Engine-independent and slow (a whole `npm start` cluster): real PostgreSQL only — on the embedded
 * database `test/cli-start.test.ts` already starts a cluster.
 */
const METRICS_TOKEN = 'cluster-metrics-token-0123456789';
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

describe.skipIf(!process.env.DATABASE_URL)('issue 12: metrics of a cluster (WORKERS=2)', () => {
  it('every scrape answers the sum over both workers', async () => {
    const port = await freePort();
    const db = await freshDatabaseEnv();
    let out = '';
    child = spawn(process.execPath, ['--import', 'tsx', 'cli/start.ts'], {
      env: { ...process.env, ...db, PORT: String(port), WORKERS: '2', LOG_LEVEL: 'info', NODE_ENV: 'test', ADMIN_MFA: 'off', DEMO: 'off', METRICS_TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const until = Date.now() + 90_000;
    while ((out.match(/Tongmen listening/g) ?? []).length < 2) {
      if (Date.now() > until) throw new Error(`the cluster did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 20; i++) {
      // A new connection each time: the primary hands connections to the workers in turn.
      const res = await fetch(`${base}/.well-known/openid-configuration`, { headers: { connection: 'close' } });
      expect(res.status).toBe(200);
    }
    const series = 'tongmen_http_request_duration_seconds_count{area="oidc",method="GET",status="2xx"}';
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}`, connection: 'close' } });
      expect(res.status).toBe(200);
      const text = await res.text();
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      expect(Number(line?.split(' ')[1])).toBe(20); // not one worker's share: both, summed
    }
    expect((await fetch(`${base}/metrics`, { headers: { connection: 'close' } })).status).toBe(401);
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 150_000);
});
