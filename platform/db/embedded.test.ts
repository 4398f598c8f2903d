import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedDatabase } from './embedded.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongmen-embedded-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('embedded database (PGlite)', () => {
  it('starts with 32 MB of shared buffers and keeps the settings initdb chose (issue 11, memory)', async () => {
    const db = await startEmbeddedDatabase('memory://');
    const client = new pg.Client({ connectionString: db.url });
    try {
      await client.connect();
      const show = async (name: string) => Object.values((await client.query(`SHOW ${name}`)).rows[0] as Record<string, string>)[0];
      expect(await show('shared_buffers')).toBe('32MB');
      expect(await show('TimeZone')).toBe('UTC');
    } finally {
      await client.end();
      await db.stop();
    }
  });

  it('persists under DATA_DIR and refuses a second opener with a clear error', async () => {
    const db = await startEmbeddedDatabase(dir);
    try {
      expect(fs.existsSync(path.join(dir, 'tongmen.lock'))).toBe(true);
      await expect(startEmbeddedDatabase(dir)).rejects.toMatchObject({ code: 'database.embedded_in_use' });
      // Another process (e.g. `npm run bootstrap` while the server runs) gets the same refusal.
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', '-e', `import('${path.resolve('platform/db/embedded.ts')}').then(m => m.startEmbeddedDatabase(${JSON.stringify(dir)})).then(() => process.exit(0), e => { console.log(e.code); process.exit(3); })`],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(child.status).toBe(3);
      expect(child.stdout).toContain('database.embedded_in_use');
    } finally {
      await db.stop();
    }
    expect(fs.existsSync(path.join(dir, 'tongmen.lock'))).toBe(false);
  });

  it('takes over the lock of a process that died', async () => {
    const lock = path.join(dir, 'tongmen.lock');
    fs.writeFileSync(lock, '999999999');
    const db = await startEmbeddedDatabase(dir);
    try {
      // The lock is ours now, and the database behind it answers.
      expect(fs.readFileSync(lock, 'utf8')).toBe(String(process.pid));
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        expect((await client.query('SELECT 41 + 1 AS answer')).rows).toEqual([{ answer: 42 }]);
      } finally {
        await client.end();
      }
    } finally {
      await db.stop();
    }
    expect(fs.existsSync(lock)).toBe(false);
  });
});
