import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Sequelize } from 'sequelize';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../server/app.ts';
import { rotatePii } from '../server/pii-rotate.ts';
import { bootstrapProvince } from '../directory/bootstrap/bootstrap.ts';
import { createPiiCipher, parsePiiKey, type PiiCipher } from '../platform/crypto/pii.ts';
import { openAdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';
import { freshDatabaseEnvOnDisk } from './support/database.ts';
import { testLogger } from './support/pii-tee.ts';

/**
 * Issue 12, personal information at rest: the database holds ciphertext and keyed hashes only, and
 * `PII_KEY` rotates without downtime.
 */

/** Every row of every table of the schema, as JSON text (settings, audit, provider payloads included). */
async function everyRow(sequelize: Sequelize): Promise<Array<{ table: string; row: string }>> {
  const [tables] = await sequelize.query(
    `SELECT c.relname AS name FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
       AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)`,
  );
  const out: Array<{ table: string; row: string }> = [];
  for (const { name } of tables as Array<{ name: string }>) {
    const [rows] = await sequelize.query(`SELECT row_to_json(t)::text AS row FROM "${name}" t`);
    for (const r of rows as Array<{ row: string }>) out.push({ table: name, row: r.row });
  }
  return out;
}

describe('issue 12: the database holds only ciphertext and keyed hashes of ID numbers and phones (R25)', () => {
  it('after people are created through the admin API, no table holds any of their ID numbers or phones in clear', async () => {
    const f = await openAdminFixture();
    try {
      const people = [samplePerson('明文检查甲'), samplePerson('明文检查乙'), samplePerson('明文检查丙')];
      const token = f.token(f.province.adminId);
      const unit = await f.api(token, 'POST', '/units', { kind: 'employer', category: 'institution', name: '明文检查单位', admin: people[0] });
      expect(unit.status).toBe(201);
      for (const p of people.slice(1)) expect((await f.api(token, 'POST', '/accounts', p)).status).toBe(201);
      const { sequelize } = f.core.base.db;
      const rows = await everyRow(sequelize);
      expect(rows.length).toBeGreaterThan(50);
      for (const p of people) {
        for (const value of [p.idNumber, p.phone]) expect(rows.filter((r) => r.row.includes(value)).map((r) => r.table)).toEqual([]);
      }
      const [persons] = await sequelize.query('SELECT * FROM persons');
      const pii = f.core.base.pii;
      for (const p of people) {
        const row = (persons as Array<Record<string, string>>).find((r) => r.id_number_hash === pii.lookupHash(p.idNumber))!;
        expect(row).toBeDefined();
        expect(row.phone_hash).toBe(pii.lookupHash(p.phone));
        for (const sealed of [row.id_number_enc!, row.phone_enc!]) expect(sealed).toMatch(/^[\w-]{1,16}\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
        expect(pii.decrypt(row.id_number_enc!)).toBe(p.idNumber);
        expect(row.id_number_masked).toBe(`${p.idNumber.slice(0, 4)}**********${p.idNumber.slice(-4)}`);
        expect(row.phone_masked).toBe(`${p.phone.slice(0, 3)}****${p.phone.slice(-4)}`);
      }
    } finally {
      await f.close();
    }
  });
});

const key = (kid: string) => `${kid}:${crypto.randomBytes(32).toString('base64')}`;
/** A value sealed under `kid` (`kid.iv.tag.body`), wherever it sits in a row's JSON. */
const sealedUnder = (kid: string) => new RegExp(`(?<![\\w-])${kid}\\.[\\w-]{16}\\.[\\w-]{22}\\.`);

describe('issue 12: PII_KEY rotation without downtime', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongmen-pii-rotate-'));
  const nodes: RunningServer[] = [];
  afterAll(async () => {
    for (const n of nodes) await n.close().catch(() => {});
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('k1 → k2 while requests continue: all data readable, nothing left under k1, then k1 removed and everything still works', async () => {
    const k1 = key('k1');
    const k2 = key('k2');
    // One database across restarts: a server's clone on PostgreSQL, a folder for the embedded database.
    const dbEnv = await freshDatabaseEnvOnDisk(dataDir);
    const start = async (extra: Record<string, string>) => {
      const node = await startServer({ NODE_ENV: 'test', PORT: '0', ADMIN_MFA: 'off', DEMO: 'off', LOG_LEVEL: 'silent', AUDIT_CHECKPOINT_FILE: 'off', ...dbEnv, ...extra }, testLogger('silent'));
      nodes.push(node);
      return node;
    };
    const stop = async (node: RunningServer) => {
      nodes.splice(nodes.indexOf(node), 1);
      await node.close();
    };

    // 1. A node with k1 only; people, clients (secrets) and the signing keyring are sealed under k1.
    const a = await start({ PII_KEY: k1 });
    const admin = samplePerson('轮换省管理员');
    const root = await bootstrapProvince(a.tongmen.base, a.tongmen.services, { unitName: '密钥轮换测试省厅', uscc: '91350100M000100Y43', admin });
    const actor = (await a.tongmen.services.actors.load(root.admin.accountId))!;
    const people: Array<ReturnType<typeof samplePerson> & { password: string }> = [];
    for (let i = 0; i < 24; i++) {
      const p = samplePerson(`轮换人员${i}`);
      const made = await a.tongmen.services.accounts.createOperator(actor, p, undefined, { requestId: 'rotation-test' });
      people.push({ ...p, password: made.initialPassword! });
    }
    expect((await everyRow(a.tongmen.base.db.sequelize)).filter((r) => sealedUnder('k1').test(r.row)).length).toBeGreaterThan(24);
    const lookupKey = createPiiCipher(parsePiiKey(k1)).revealLookupKey();
    await stop(a);

    // 2. Rolling restart to k2 (current) + k1 (still readable), the lookup key pinned; rotate under load.
    const b = await start({ PII_KEY: `${k2},${k1}`, PII_LOOKUP_KEY: lookupKey });
    const title = root.clients.find((c) => c.clientId === 'title')!;
    const introspect = (node: RunningServer) =>
      fetch(`${node.url}/token/introspection`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`title:${title.clientSecret}`).toString('base64')}` },
        body: new URLSearchParams({ token: 'not-a-token' }),
      }).then(async (r) => `${r.status} ${await r.text()}`);
    let rotating = true;
    const answers: string[] = [];
    const checks: Array<boolean> = [];
    const load = (async () => {
      let i = 0;
      while (rotating || i < 5) {
        answers.push(await introspect(b)); // the client's secret: opened on every call
        const p = people[i++ % people.length]!;
        const check = await b.tongmen.services.credentials.verifyPassword({ username: p.phone, password: p.password, meta: { ip: `10.9.${i % 250}.1` } });
        checks.push(check.ok); // lookup by keyed hash, the password checked
      }
    })();
    const result = await rotatePii(b.tongmen.base, b.tongmen.services, { batchSize: 5 });
    rotating = false;
    await load;
    expect(answers.length).toBeGreaterThanOrEqual(5);
    expect(new Set(answers)).toEqual(new Set(['200 {"active":false}']));
    expect(checks.every(Boolean)).toBe(true);
    expect(result.toKid).toBe('k2');
    expect(result.resealed['persons.id_number_enc']).toBe(25);
    expect(result.resealed['persons.phone_enc']).toBe(25);
    expect(result.resealed['clients.secret_enc']).toBeGreaterThan(0);
    expect(result.resealed['settings.oidc_signing_keyring']).toBe(1);
    expect(Object.values(result.remaining)).toEqual([0, 0, 0, 0]);
    const rows = await everyRow(b.tongmen.base.db.sequelize);
    expect(rows.filter((r) => sealedUnder('k1').test(r.row)).map((r) => r.table)).toEqual([]);
    const [events] = await b.tongmen.base.db.sequelize.query(`SELECT result, details FROM audit_events WHERE action = 'platform.pii_rotated'`);
    expect(events).toEqual([{ result: 'success', details: expect.objectContaining({ toKid: 'k2', resealed: result.resealed }) }]);

    if (process.env.DATABASE_URL) {
      // The command itself, run again by an operator: nothing left to do, exit 0.
      const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        let stdout = '';
        const child = spawn(process.execPath, ['--import', 'tsx', 'cli/pii-rotate.ts', '--batch', '7'], {
          env: { ...process.env, ...dbEnv, NODE_ENV: 'test', LOG_LEVEL: 'silent', PII_KEY: `${k2},${k1}`, PII_LOOKUP_KEY: lookupKey },
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        child.stdout.on('data', (d) => (stdout += d));
        child.once('exit', (code) => resolve({ code, stdout }));
      });
      expect(out.code).toBe(0);
      expect(JSON.parse(out.stdout)).toMatchObject({ toKid: 'k2', resealed: { 'persons.id_number_enc': 0, 'persons.phone_enc': 0 } });
    }
    await stop(b);

    // 3. k1 gone from the configuration. Without the pinned lookup key the start is refused (the
    //    hashes would match nobody); with it everything works on k2 alone.
    await expect(start({ PII_KEY: k2 })).rejects.toMatchObject({ code: 'config.invalid', message: expect.stringMatching(/PII_LOOKUP_KEY/) });
    const c = await start({ PII_KEY: k2, PII_LOOKUP_KEY: lookupKey });
    expect(await introspect(c)).toBe('200 {"active":false}');
    const only2: PiiCipher = c.tongmen.base.pii;
    const [persons] = await c.tongmen.base.db.sequelize.query('SELECT id_number_enc, phone_enc, id_number_hash FROM persons');
    for (const p of [...people, admin]) {
      const row = (persons as Array<Record<string, string>>).find((r) => r.id_number_hash === only2.lookupHash(p.idNumber))!;
      expect(only2.decrypt(row.id_number_enc!)).toBe(p.idNumber);
      expect(only2.decrypt(row.phone_enc!)).toBe(p.phone);
    }
    const signIn = await c.tongmen.services.credentials.verifyPassword({ username: people[3]!.idNumber, password: people[3]!.password, meta: { ip: '10.8.0.1' } });
    expect(signIn.ok).toBe(true);
    expect((await fetch(`${c.url}/.well-known/openid-configuration`)).status).toBe(200);
    expect((await fetch(`${c.url}/jwks`)).status).toBe(200);
  }, 180_000);
});
