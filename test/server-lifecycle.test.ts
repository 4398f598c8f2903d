import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startServer } from '../server/app.ts';
import { createLogger } from '../platform/logger.ts';
import { freshDatabaseEnv, freshDatabaseEnvOnDisk } from './support/database.ts';
import { spawnStart } from './support/start-process.ts';

/**
 * Issue 5 item 7 — start and stop as a rolling restart sees them: a client polling while a node
 * starts is always answered (refused connection, 503 with Retry-After, or the real answer; never
 * a hang), and SIGTERM lets a request in flight finish before the process ends.
 */
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

/** The database of a spawned node: a fresh migrated PostgreSQL database, or a migrated embedded one in a folder. */
async function databaseEnv(): Promise<Record<string, string>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongmen-life-'));
  dirs.push(dir);
  return { DATABASE_URL: '', ...(await freshDatabaseEnvOnDisk(dir)) };
}

/** `npm start` in a child process on a fixed port; its output is collected. */
async function spawnNode(port: number, workers: number) {
  const env = { ...process.env, ...(await databaseEnv()), PORT: String(port), WORKERS: String(workers), LOG_LEVEL: 'info', NODE_ENV: 'test', DEMO: 'off', ADMIN_MFA: 'off' };
  return spawnStart(env, children);
}

type Poll = 'refused' | 'hung' | number;
/** One discovery request with a short timeout: what a health check or a polling client sees. */
async function poll(base: string): Promise<Poll> {
  try {
    const res = await fetch(`${base}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    if (res.status === 503) {
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    return res.status;
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'hung';
    if (e.cause?.code === 'ECONNREFUSED' || e.cause?.code === 'ECONNRESET') return 'refused';
    throw err;
  }
}

/** Polls until the node answers 200; returns everything it saw on the way. */
async function pollUntilReady(base: string, ms: number, exited?: () => boolean) {
  const seen: Poll[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until && !exited?.()) {
    const r = await poll(base);
    seen.push(r);
    if (r === 200 || r === 'hung') return seen;
    await new Promise((res) => setTimeout(res, 20));
  }
  return seen;
}

/**
 * A form POST whose body arrives in two parts: the request is in flight from the first byte until
 * `finish()` sends the rest. Resolves with the raw HTTP answer, or rejects if the connection is cut.
 */
function slowRequest(port: number) {
  const body = `token=${'x'.repeat(64)}&client_id=nobody`;
  const socket = net.connect(port, '127.0.0.1');
  socket.write(
    `POST /token/introspection HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
  );
  let answer = '';
  socket.on('data', (d) => (answer += d));
  const done = new Promise<string>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', () => (answer ? resolve(answer) : reject(new Error('connection closed without an answer'))));
  });
  return { done, finish: () => socket.write(body.slice(10)) };
}

const connects = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('item 7: requests during start-up are answered, never left hanging', () => {
  it('a fixed PORT is bound only once the app is ready: a polling client sees refusals, then answers', async () => {
    const port = await freePort();
    const node = await spawnNode(port, 1);
    let exited = false;
    void node.exited.then(() => (exited = true));
    const seen = await pollUntilReady(`http://127.0.0.1:${port}`, 120_000, () => exited);
    expect(seen).not.toContain('hung');
    expect(seen.at(-1)).toBe(200);
    expect(seen.every((s) => s === 'refused' || s === 200)).toBe(true);
  }, 150_000);

  it('PORT=0 without ISSUER binds first (the issuer needs the port) and answers 503 with Retry-After until ready', async () => {
    let bound: http.Server | undefined;
    const listen = http.Server.prototype.listen;
    vi.spyOn(http.Server.prototype, 'listen').mockImplementation(function (this: http.Server, ...args: unknown[]) {
      bound = this;
      return (listen as (...a: unknown[]) => http.Server).apply(this, args);
    });
    const env = { NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'silent', ADMIN_MFA: 'off', DEMO: 'off', ...(await freshDatabaseEnv()) };
    const starting = startServer(env, createLogger('silent'));
    let ready = false;
    void starting.then(() => (ready = true), () => (ready = true));
    while (!bound?.listening && !ready) await new Promise((res) => setTimeout(res, 5));
    const seen = await pollUntilReady(`http://127.0.0.1:${(bound!.address() as net.AddressInfo).port}`, 120_000);
    const running = await starting;
    try {
      expect(seen).not.toContain('hung');
      expect(seen).toContain(503);
      expect(seen.every((s) => s === 503 || s === 200)).toBe(true);
      expect(await poll(running.url.replace('localhost', '127.0.0.1'))).toBe(200);
    } finally {
      await running.close();
    }
  }, 150_000);
});

describe('item 7: SIGTERM stops gracefully — a request in flight still completes', () => {
  for (const workers of [1, 2]) {
    it(`${workers === 1 ? 'a single process' : 'a cluster of two workers (the primary waits for them)'}: stops accepting, finishes the request, exits 0`, async () => {
      const port = await freePort();
      const node = await spawnNode(port, workers);
      const seen = await pollUntilReady(`http://127.0.0.1:${port}`, 120_000);
      expect(seen.at(-1)).toBe(200);
      if (workers === 2) {
        const until = Date.now() + 60_000;
        while ((node.out.text.match(/Tongmen listening/g) ?? []).length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      }

      const slow = slowRequest(port);
      await new Promise((r) => setTimeout(r, 300)); // the request has reached a worker and is in flight
      node.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 1_500)); // longer than the old fixed 1 s the primary waited
      expect(await connects(port)).toBe(false); // no new connections while draining
      slow.finish();
      const answer = await slow.done;
      expect(answer).toMatch(/^HTTP\/1\.1 [1-4]\d\d /);
      expect(await node.exited).toBe(0);
      expect(node.out.text).toMatch(/Tongmen stopped|Tongmen cluster stopped/);
    }, 180_000);
  }
});
