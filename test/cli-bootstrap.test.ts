import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleIdNumber, samplePhone } from '../directory/codes/synthetic-codes.ts';
import { freshDatabaseEnv } from './support/database.ts';

/**
 * `npm run bootstrap -- … --json` (R5, SPEC §4) as an operator runs it, on this run's database:
 * a fresh one on the PostgreSQL server, or an embedded one in a temporary DATA_DIR.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongmen-bootstrap-'));
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  const db = await freshDatabaseEnv();
  env = { ...process.env, DATABASE_URL: '', ...(db.DATABASE_URL ? db : { DATA_DIR: dataDir }), ISSUER: 'https://iam.example.gov.cn', LOG_LEVEL: 'warn' };
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const bootstrap = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'cli/bootstrap.ts', ...args], { env, encoding: 'utf8', timeout: 120_000 });

const args = [
  '--unit-name', '贵州省人力资源和社会保障厅', '--uscc', '91310110666007217T', '--admin-name', '张三',
  '--admin-id-number', sampleIdNumber(42), '--admin-phone', samplePhone(42),
];

let first: ReturnType<typeof bootstrap> | undefined;
/** The file's one successful bootstrap, run by whichever test needs it first (so any test runs alone). */
const bootstrapOnce = () => (first ??= bootstrap(...args, '--json'));

describe('bootstrap command', () => {
  it('R5: creates the root unit, its unit account, first administrator and the first-party clients, printed as JSON', () => {
    const run = bootstrapOnce();
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({
      unit: { id: expect.any(String), uscc: '91310110666007217T' },
      unitAccount: { username: '91310110666007217T', initialPassword: expect.any(String) },
      admin: { accountId: expect.any(String), username: sampleIdNumber(42), initialPassword: expect.any(String) },
    });
    const byId = Object.fromEntries(out.clients.map((c: { clientId: string }) => [c.clientId, c]));
    expect(Object.keys(byId).sort()).toEqual(['admin-console', 'allocation', 'personnel', 'talent', 'title']);
    expect(byId['admin-console']).toEqual({ clientId: 'admin-console', redirectUris: ['https://iam.example.gov.cn/console/callback'], resources: ['urn:tongmen:admin-api'] });
    expect(byId.title).toMatchObject({ clientSecret: expect.any(String), redirectUris: ['http://localhost:3102/callback'], resources: ['urn:tongmen:title'] });
  });

  it('R5: runs once — a second bootstrap is refused with a clear error', () => {
    expect(bootstrapOnce().status).toBe(0);
    const run = bootstrap(...args, '--json');
    expect(run.status).toBe(1);
    // Standard error carries log lines too; the answer is the last line.
    expect(JSON.parse(run.stderr.trim().split('\n').at(-1)!).error.code).toBe('bootstrap.already_done');
  });

  it('R25: `npm run audit:verify` re-computes the hash chain of what bootstrap wrote', () => {
    expect(bootstrapOnce().status).toBe(0);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'cli/audit-verify.ts'], { env, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, checked: expect.any(Number) });
  });

  it('refuses missing arguments and a bad code with a usage or a named problem', () => {
    const missing = bootstrap('--unit-name', 'x');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/missing --uscc/);
    const bad = bootstrap(...args.map((a) => (a === '91310110666007217T' ? '91310110666007217X' : a)));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/unit\.uscc_invalid/);
  });
});
