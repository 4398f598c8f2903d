import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleIdNumber, samplePhone, sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { freshDatabaseEnvOnDisk } from './support/database.ts';
import { ACCOUNT_HEADERS, GRANT_HEADERS, UNIT_HEADERS, toCsv, toXlsx } from './support/legacy-sheets.ts';

/**
 * Issue 8 — `npm run import -- units accounts grants [--dry-run]` as an operator of the move runs it:
 * on this run's database (a fresh one on the PostgreSQL server, or an embedded one in a DATA_DIR),
 * bootstrapped by the bootstrap command, with xlsx and CSV files, a report file and a progress bar.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongmen-import-'));
let env: NodeJS.ProcessEnv;
const ROOT = '91310110666007217T';
const run = (script: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { env, encoding: 'utf8', timeout: 120_000, cwd: process.cwd() });

beforeAll(async () => {
  const db = await freshDatabaseEnvOnDisk(path.join(dir, 'data'));
  env = { ...process.env, DATABASE_URL: '', ...db, ISSUER: 'https://iam.example.gov.cn', LOG_LEVEL: 'warn' };
  const boot = run('cli/bootstrap.ts', '--unit-name', '某省人社厅', '--uscc', ROOT, '--admin-name', '张三', '--admin-id-number', sampleIdNumber(42), '--admin-phone', samplePhone(42), '--json');
  expect(boot.status, boot.stderr).toBe(0);
  const employer = sampleUscc(400_001);
  fs.writeFileSync(
    path.join(dir, 'units.xlsx'),
    await toXlsx({ headers: UNIT_HEADERS, rows: [['某县医院', employer, '用人单位', '事业单位', ROOT, '520102', '是', '李四', sampleIdNumber(400), samplePhone(400)]] }),
  );
  fs.writeFileSync(
    path.join(dir, 'accounts.csv'),
    toCsv({
      headers: ACCOUNT_HEADERS,
      rows: [
        ['王五', sampleIdNumber(401), samplePhone(401), employer, '经办人'],
        ['赵六', sampleIdNumber(402), '12345', employer, '经办人'],
      ],
    }),
  );
  fs.writeFileSync(path.join(dir, 'grants.csv'), toCsv({ headers: GRANT_HEADERS, rows: [[sampleIdNumber(401), employer, 'title.applicant']] }));
}, 180_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const files = () => ['units.xlsx', 'accounts.csv', 'grants.csv'].map((f) => path.join(dir, f));
const reportOf = (file: string) => fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '').trim().split('\r\n').map((l) => l.split(','));

describe('issue 8: npm run import', () => {
  it('--dry-run checks every row, writes the report and nothing else; the real run imports; a re-run changes nothing', () => {
    const dry = run('cli/import.ts', '--dry-run', '--report', path.join(dir, 'dry.csv'), ...files());
    expect(dry.stdout).toContain('Dry run: nothing was written.');
    expect(dry.stdout).toContain('accounts: 1 to create, 0 unchanged, 1 failed');
    expect(dry.stdout).toContain(`Report: ${path.join(dir, 'dry.csv')}`);
    expect(dry.status).toBe(1); // a row failed
    expect(dry.stderr).toMatch(/accounts +\[#+\] 2\/2/); // the progress bar
    const report = reportOf(path.join(dir, 'dry.csv'));
    expect(report[0]).toEqual(['表格', '文件', '行号', '结果', '对象', '错误码', '原因', 'reason']);
    expect(report.filter((r) => r[3] === 'failed').map((r) => [r[0], r[1], r[2], r[5]])).toEqual([['accounts', 'accounts.csv', '3', 'person.phone_invalid']]);

    const real = run('cli/import.ts', '--report', path.join(dir, 'real.json'), ...files());
    expect(real.stdout, real.stderr).toContain('units: 1 created, 0 unchanged, 0 failed');
    expect(real.stdout).toContain('grants: 1 created, 0 unchanged, 0 failed');
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'real.json'), 'utf8'));
    expect(json.counts.accounts).toEqual({ created: 1, unchanged: 0, failed: 1 });

    const again = run('cli/import.ts', '--report', path.join(dir, 'again.csv'), ...files());
    expect(again.stdout).toContain('units: 0 created, 1 unchanged, 0 failed');
    expect(again.stdout).toContain('accounts: 0 created, 1 unchanged, 1 failed');
    expect(again.stdout).toContain('grants: 0 created, 1 unchanged, 0 failed');
  }, 180_000);

  it('missing columns refuse the sheet with the Chinese headers expected', () => {
    fs.writeFileSync(path.join(dir, 'bad.csv'), toCsv({ headers: ['姓名', '手机号'], rows: [['王五', samplePhone(1)]] }));
    const bad = run('cli/import.ts', '--accounts', path.join(dir, 'bad.csv'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('身份证号');
    expect(bad.stderr).toContain('import.columns_missing');
  }, 60_000);
});
