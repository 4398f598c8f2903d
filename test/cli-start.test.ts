import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm start` as a user runs it (SPEC §4): the embedded database under DATA_DIR, the demo province
 * on first start, and with WORKERS=2 a node:cluster of stateless HTTP workers sharing the port and
 * the primary's embedded database.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongmen-start-'));
let child: ChildProcess | undefined;
afterAll(async () => {
  child?.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

async function waitFor(output: () => string, pattern: RegExp, ms: number) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (pattern.test(output())) return;
    if (output().includes('[exited')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no ${pattern} in time:\n${output()}`);
}

describe('npm start', () => {
  it('serves the demo province from a cluster of two workers on the embedded database', async () => {
    const port = await freePort();
    let out = '';
    // As `npm start` runs it: the compiled build (prestart brings it up to date, issue 11).
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-server.ts', '--if-stale'], { stdio: 'pipe' });
    child = spawn(process.execPath, ['dist/start.js'], {
      env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, PORT: String(port), WORKERS: '2', LOG_LEVEL: 'info', NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    child.once('exit', (code) => (out += `\n[exited ${code}]`));
    await waitFor(() => out, /演示数据已载入/, 90_000);
    await waitFor(() => (out.match(/Tongmen listening/g) ?? []).length === 2 ? 'ok' : '', /ok/, 60_000);
    expect(out).toMatch(/用户名 username: \d{17}[\dX]/);
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`http://localhost:${port}/.well-known/openid-configuration`);
      expect((await res.json()).issuer).toBe(`http://localhost:${port}`);
    }
    expect(out).not.toMatch(/PII_KEY is not set/);
    // Issue 10: the console's address is printed, and `/` leads there.
    expect(out).toContain(`管理控制台 Web console: http://localhost:${port}/console/`);
    expect((await fetch(`http://localhost:${port}/`, { redirect: 'manual' })).headers.get('location')).toBe('/console/');
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    expect(fs.existsSync(path.join(dataDir, 'tongmen.lock'))).toBe(false);
  }, 180_000);
});
