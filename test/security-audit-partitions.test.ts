import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { openCore } from '../server/core.ts';
import { freshDatabaseEnv, freshDatabaseEnvOnDisk } from './support/database.ts';
import { asOwner, partitionOf } from './support/audit-attacker.ts';

/**
 * Issue 5 item 3 (R25): the audit table is partitioned by month. A server that outruns its
 * partitions (months without a restart) writes into the default partition; the next start must
 * still succeed, move those rows into their monthly partitions unchanged, and keep partitions ahead.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tongmen-partitions-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.useRealTimers());

const monthsAhead = (n: number) => {
  const d = new Date();
  d.setUTCDate(15);
  d.setUTCMonth(d.getUTCMonth() + n);
  return d;
};

describe('audit partitions (R25, issue 5 item 3)', () => {
  it('R25: events written with the clock 14 months ahead land in the default partition; the next start moves them to their month, and the chain verifies', async () => {
    const env = { NODE_ENV: 'test', ...(await freshDatabaseEnvOnDisk(path.join(tmp, 'restart'))) };
    const open = () => openCore(loadConfig(env), 'http://localhost:0', createLogger('silent'));
    const where = async (core: Awaited<ReturnType<typeof open>>) =>
      (await core.base.db.sequelize.query(`SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM audit_events GROUP BY 1 ORDER BY 1`))[0];

    let core = await open();
    const future = monthsAhead(14);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(future);
    for (let i = 0; i < 3; i++) await core.base.db.transaction((tx) => core.base.audit.record(tx, { action: 'test.future' }));
    vi.useRealTimers();
    await core.base.db.transaction((tx) => core.base.audit.record(tx, { action: 'test.now' }));
    expect(await where(core)).toEqual([
      { part: partitionOf(new Date()), n: 1 },
      { part: 'audit_events_default', n: 3 },
    ]);
    await core.base.db.close();

    core = await open(); // the restart: migrate() runs the partition maintenance as the owner
    try {
      expect(await where(core)).toEqual([
        { part: partitionOf(new Date()), n: 1 },
        { part: partitionOf(future), n: 3 },
      ]);
      expect(await core.base.audit.verifyChain()).toEqual({ ok: true, checked: 4 });
      // The new partition and the fresh default refuse TRUNCATE like every other.
      for (const table of [partitionOf(future), 'audit_events_default']) {
        await expect(asOwner(core.base.db.sequelize, (sql) => sql(`TRUNCATE ${table}`))).rejects.toThrow(/append-only/);
      }
      // Events keep chaining after the move.
      await core.base.db.transaction((tx) => core.base.audit.record(tx, { action: 'test.after' }));
      expect(await core.base.audit.verifyChain()).toEqual({ ok: true, checked: 5 });
    } finally {
      await core.base.db.close();
    }
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'cli/audit-verify.ts'], {
      env: { ...process.env, DATABASE_URL: '', ...env, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ ok: true, checked: 5 });
  });

  it('R25: partitions stand twelve months ahead, and the running server (its restricted role) can move default rows out itself', async () => {
    const config = loadConfig({ NODE_ENV: 'test', ...(await freshDatabaseEnv()) });
    const core = await openCore(config, 'http://localhost:0', createLogger('silent'));
    try {
      const [parts] = await core.base.db.sequelize.query(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_events'::regclass`,
      );
      const names = (parts as Array<{ name: string }>).map((p) => p.name);
      for (let m = 0; m <= 12; m++) expect(names).toContain(partitionOf(monthsAhead(m)));

      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(monthsAhead(20));
      await core.base.db.transaction((tx) => core.base.audit.record(tx, { action: 'test.far' }));
      vi.useRealTimers();
      // What the server's hourly upkeep runs, as the server's role.
      const [[done]] = (await core.base.db.sequelize.query('SELECT current_user AS role, audit_maintain_partitions() AS moved')) as [Array<Record<string, unknown>>, unknown];
      expect(done).toEqual({ role: 'tongmen_app', moved: 1 });
      const [[row]] = (await core.base.db.sequelize.query(`SELECT tableoid::regclass::text AS part FROM audit_events WHERE action = 'test.far'`)) as [Array<{ part: string }>, unknown];
      expect(row!.part).toBe(partitionOf(monthsAhead(20)));
      expect(await core.base.audit.verifyChain()).toMatchObject({ ok: true });
      // Creating partitions is all the role gained: it still may not write the table directly.
      await expect(core.base.db.sequelize.query(`CREATE TABLE audit_events_2999_01 (LIKE audit_events)`)).rejects.toThrow(/permission denied/);
    } finally {
      await core.base.db.close();
    }
  });
});
