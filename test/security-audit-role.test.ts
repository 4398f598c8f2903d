import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../platform/config.ts';
import { openDatabase, type Database } from '../platform/db/database.ts';
import { createLogger } from '../platform/logger.ts';
import { openCore } from '../server/core.ts';
import { UnitRepository } from '../directory/units/unit-repository.ts';
import { AuditRepository } from '../directory/audit/audit-repository.ts';
import { AuditService } from '../directory/audit/audit-service.ts';
import { openBootstrappedCore } from './support/core.ts';
import { asOwner, partitionOf } from './support/audit-attacker.ts';

/**
 * Issue 5 item 2 (R25): the server's SQL runs as `tongmen_app`, which may read and append audit
 * events but never update, delete or truncate them (on the table or any partition), and cannot
 * move the chain head; the owner meets the append-only triggers on every partition too.
 */
let core: Awaited<ReturnType<typeof openBootstrappedCore>>;
beforeAll(async () => {
  core = await openBootstrappedCore();
});
afterAll(async () => core?.close());

const sequelize = () => core.base.db.sequelize;
const q = async (sql: string) => (await sequelize().query(sql))[0] as Array<Record<string, unknown>>;
const head = async () => (await q('SELECT seq, hash FROM audit_head'))[0] as { seq: number; hash: string };
const count = async () => (await q('SELECT count(*)::int AS n FROM audit_events'))[0]!.n as number;
const record = (audit: AuditService, db: Database, action: string) => db.transaction((tx) => audit.record(tx, { action }));

describe('the server database role (R25, issue 5 item 2)', () => {
  it('R25: the server\'s SQL runs as tongmen_app, whatever the login role', async () => {
    expect(await q('SELECT current_user AS role')).toEqual([{ role: 'tongmen_app' }]);
  });

  it('issue 11: the server\'s sessions never plan parallel workers (short lookups; starting workers cost more than the query)', async () => {
    expect(await sequelize().query('SHOW max_parallel_workers_per_gather', { plain: true })).toEqual({ max_parallel_workers_per_gather: '0' });
  });

  it('R25: as the server role, UPDATE, DELETE and TRUNCATE are refused on audit_events, a monthly partition and the default partition', async () => {
    const before = await count();
    expect(before).toBeGreaterThan(0);
    for (const table of ['audit_events', partitionOf(new Date()), 'audit_events_default']) {
      for (const sql of [`UPDATE ${table} SET reason = 'erased'`, `DELETE FROM ${table}`, `TRUNCATE ${table}`]) {
        await expect(q(sql), sql).rejects.toThrow(/permission denied/);
      }
    }
    expect(await count()).toBe(before);
    expect(await core.base.audit.verifyChain()).toMatchObject({ ok: true, checked: before });
  });

  it('R25: the server role cannot move the chain head, nor append an event that does not extend it', async () => {
    const was = await head();
    await expect(q(`UPDATE audit_head SET seq = 1, hash = 'x'`)).rejects.toThrow(/permission denied/);
    await expect(q(`DELETE FROM audit_head`)).rejects.toThrow(/permission denied/);
    await expect(q(`SELECT * FROM audit_head FOR UPDATE`)).rejects.toThrow(/permission denied/);
    const insert = (seq: number, prev: string) =>
      sequelize().query(
        `INSERT INTO audit_events (seq, at, action, result, prev_hash, hash) VALUES ($1, now(), 'forged', 'success', $2, $3)`,
        { bind: [seq, prev, 'f'.repeat(64)] },
      );
    await expect(insert(was.seq + 5, was.hash)).rejects.toThrow(/does not extend the chain/);
    await expect(insert(was.seq + 1, '0'.repeat(64))).rejects.toThrow(/does not extend the chain/);
    await expect(insert(was.seq, was.hash)).rejects.toThrow(/does not extend the chain/);
    expect(await head()).toEqual(was);
    expect(await core.base.audit.verifyChain()).toMatchObject({ ok: true });
  });

  it('R25: even the owner meets the append-only triggers, TRUNCATE included, on every partition (default and those made ahead)', async () => {
    const ahead = new Date();
    ahead.setUTCDate(1);
    ahead.setUTCMonth(ahead.getUTCMonth() + 12);
    for (const table of ['audit_events', partitionOf(new Date()), partitionOf(ahead), 'audit_events_default']) {
      await expect(asOwner(sequelize(), (sql) => sql(`TRUNCATE ${table}`)), table).rejects.toThrow(/append-only/);
    }
    // Row triggers fire on rows: where there are some.
    for (const table of ['audit_events', partitionOf(new Date())]) {
      await expect(asOwner(sequelize(), (sql) => sql(`DELETE FROM ${table}`)), table).rejects.toThrow(/append-only/);
    }
    expect(await core.base.audit.verifyChain()).toMatchObject({ ok: true });
  });

  it('R25: normal operation still chains — concurrent writers on two connection pools (two nodes) make one order', async () => {
    const url = core.base.config.database.kind === 'external' ? core.base.config.database.url : undefined;
    // PGlite in memory belongs to this process: its one pool stands for both nodes there.
    const other = url ? await openDatabase(loadConfig({ DATABASE_URL: url }), createLogger('silent')) : core.base.db;
    try {
      const before = await count();
      const audits = [core.base.audit, new AuditService({ events: new AuditRepository({ sequelize: other.sequelize }), units: new UnitRepository({ sequelize: other.sequelize }) })];
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => record(audits[i % 2]!, i % 2 ? other : core.base.db, `concurrent.${i}`)),
      );
      expect(await count()).toBe(before + 30);
      expect(await core.base.audit.verifyChain()).toEqual({ ok: true, checked: before + 30 });
      expect((await head()).seq).toBe(before + 30);
    } finally {
      if (other !== core.base.db) await other.close();
    }
  });
});

describe.skipIf(!process.env.DATABASE_URL)('the separate deployment form (R25): a LOGIN role that is a member of tongmen_app', () => {
  const login = `tongmen_srv_${crypto.randomBytes(4).toString('hex')}`;
  let admin: pg.Client;
  const urlAs = (user: string, database?: string) => {
    const u = new URL(core.base.config.database.kind === 'external' ? core.base.config.database.url : '');
    u.username = user;
    if (database) u.pathname = `/${database}`;
    return u.toString();
  };
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE ROLE ${login} LOGIN IN ROLE tongmen_app`);
  });
  afterAll(async () => {
    await admin.query(`DROP ROLE IF EXISTS ${login}`).catch(() => {});
    await admin.end();
  });

  it('R25: the server logs in as the member role, migrations need the owner (DATABASE_OWNER_URL) only when some are pending', async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: urlAs(login), DATABASE_OWNER_URL: urlAs('postgres') });
    const server = await openCore(config, 'http://localhost:0', createLogger('silent'));
    try {
      const [[who]] = (await server.base.db.sequelize.query('SELECT current_user AS role, session_user AS login')) as [Array<Record<string, string>>, unknown];
      expect(who).toEqual({ role: 'tongmen_app', login });
      await server.base.db.transaction((tx) => server.base.audit.record(tx, { action: 'separate.form' }));
      // Leaving tongmen_app gives the login role nothing more: it has no rights of its own.
      await expect(
        server.base.db.sequelize.transaction(async (tx) => {
          await server.base.db.sequelize.query('SET LOCAL ROLE NONE', { transaction: tx });
          await server.base.db.sequelize.query(`DELETE FROM audit_events`, { transaction: tx });
        }),
      ).rejects.toThrow(/permission denied/);
    } finally {
      await server.base.db.close();
    }
    // A current schema: the member role alone starts (it changes nothing, only keeps partitions ahead).
    const alone = await openDatabase(loadConfig({ DATABASE_URL: urlAs(login) }), createLogger('silent'));
    await alone.close();
    // An empty database: it may not migrate it, and says what to do.
    const empty = `tongmen_t_${process.env.TONGMEN_TEST_RUN}_${crypto.randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${empty}`);
    await expect(openDatabase(loadConfig({ DATABASE_URL: urlAs(login, empty) }), createLogger('silent'))).rejects.toMatchObject({
      code: 'database.migration_forbidden',
      message: expect.stringMatching(/DATABASE_OWNER_URL/),
    });
    await admin.query(`DROP DATABASE ${empty} WITH (FORCE)`);
  });
});
