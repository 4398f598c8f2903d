import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabaseEnvOnDisk } from './support/database.ts';

/**
 * `npm run keys:rotate` and `npm run keys:list` (issue 7, R24) as an operator runs them, on this
 * run's database: a fresh one on the PostgreSQL server, or an embedded one in a temporary DATA_DIR.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongmen-keys-'));
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  const db = await freshDatabaseEnvOnDisk(dataDir);
  env = { ...process.env, DATABASE_URL: '', ...db, ISSUER: 'https://iam.example.gov.cn', LOG_LEVEL: 'warn' };
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const cli = (file: string) => spawnSync(process.execPath, ['--import', 'tsx', `cli/${file}`], { env, encoding: 'utf8', timeout: 120_000 });

describe('signing-key commands', () => {
  it('R24: keys:rotate publishes next keys, refuses to promote them too soon; keys:list shows the states without private parts', () => {
    const first = cli('keys-rotate.ts');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Signing keyring version 2\npublished as next \(not signing yet\): \S+-rs256 \S+-es256\nnow signing: -\n/);
    const again = cli('keys-rotate.ts');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/signing_keys\.rotation_too_soon.*promotableAt/);
    const list = cli('keys-list.ts');
    expect(list.status, list.stderr).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toBe('Signing keyring version 2');
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join(' ')).sort()).toEqual(['current ES256', 'current RS256', 'next ES256', 'next RS256']);
    expect(list.stdout).not.toMatch(/"d"|"p"|"q"/);
  });
});
