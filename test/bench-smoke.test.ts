import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Issue 11: `npm run bench` runs end to end — a fresh database, the baseline, one Tongmen process,
 * every benchmark — and prints its table and writes its JSON. Figures are not judged here (no
 * timed assertions; the machine is shared): only that each is there. The harness needs a real
 * PostgreSQL (it creates and drops its own database), so without DATABASE_URL this skips.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'tongmen-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!process.env.DATABASE_URL)('issue 11: npm run bench (smoke)', () => {
  it('prints the table with ratios to the baseline and writes the figures as JSON', async () => {
    const out = path.join(dir, 'result.json');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--workers', '1', '--out', out],
      { cwd: path.resolve(import.meta.dirname, '..'), env: { ...process.env }, maxBuffer: 16 * 1024 * 1024 },
    );
    for (const row of ['baseline client credentials', 'tongmen ×1 client credentials', 'tongmen ×1 introspection (JWT)', 'tongmen ×1 password sign-in', 'CPU per sign-in: hash', 'CPU ms per request: server', 'tongmen ×1 admin: role grant', 'tongmen ×1 peak RSS']) {
      expect(stdout).toContain(row);
    }
    const result = JSON.parse(readFileSync(out, 'utf8'));
    expect(result.argon2.params).toMatchObject({ memoryKiB: 19_456, iterations: 2, parallelism: 1 });
    expect(Object.keys(result.baseline)).toEqual(expect.arrayContaining(['cc', 'refresh', 'introspect', 'memory']));
    const [one] = result.tongmen;
    expect(one.workers).toBe(1);
    for (const k of ['cc', 'refresh', 'introspect']) {
      expect(one[k].requests).toBeGreaterThan(0);
      expect(one[k].non2xx).toBe(0);
      // Where each request's CPU went: Tongmen's server and its database's backends, and the baseline's process.
      expect(one[k].cpu.serverMs).toBeGreaterThan(0);
      expect(one[k].cpu.databaseMs).toBeGreaterThanOrEqual(0);
      expect(result.baseline[k].cpu.serverMs).toBeGreaterThan(0);
    }
    // PostgreSQL's side is counted too (a refresh reads its token, grant, session and account: ≈ 1 ms of its CPU each).
    expect(one.refresh.cpu.databaseMs).toBeGreaterThan(0);
    expect(one.signIn.signIns).toBeGreaterThan(0);
    expect(one.signIn.failed).toBe(0);
    expect(one.admin.createOperator.non2xx).toBe(0);
    expect(one.admin.roleGrant.non2xx).toBe(0);
    expect(one.memory[0].peakMb).toBeGreaterThan(0);
  }, 300_000);

  it('--province seeds a province through npm run seed:province and measures the admin API on it (--only admin)', async () => {
    const out = path.join(dir, 'province.json');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--workers', '1', '--province', '--units', '120', '--accounts', '600', '--only', 'admin', '--out', out],
      { cwd: path.resolve(import.meta.dirname, '..'), env: { ...process.env }, maxBuffer: 16 * 1024 * 1024 },
    );
    expect(stdout).toMatch(/province 120 units \/ 600 accounts, loaded in [\d.]+ s \(\d+ units\/s, \d+ operators\/s/);
    expect(stdout).not.toContain('baseline client credentials');
    const [one] = JSON.parse(readFileSync(out, 'utf8')).tongmen;
    for (const k of ['unitRead', 'unitReadAlone', 'subtreePageAlone', 'accountsPage', 'createOperator', 'roleGrant']) {
      expect(one.admin[k].requests).toBeGreaterThan(0);
      expect(one.admin[k].non2xx).toBe(0);
    }
  }, 300_000);
});
