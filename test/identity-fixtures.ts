import crypto from 'node:crypto';
import type { Sequelize } from 'sequelize';
import { loadConfig, type Config } from '../platform/config.ts';
import { createPiiCipher, generatePiiKey, parsePiiKey, type PiiCipher } from '../platform/crypto/pii.ts';
import { openDatabase, type Database } from '../platform/db/database.ts';
import { createLogger } from '../platform/logger.ts';
import { initModels } from '../directory/models/index.ts';
import { AuditService } from '../directory/audit/audit-service.ts';
import { maskIdNumber, maskPhone } from '../directory/masking.ts';
import { sampleIdNumber, samplePhone, sampleUscc } from '../directory/codes/test-data.ts';
import { freshDatabaseEnv } from './support/database.ts';

/** A database and the base pieces of the credential service, without the HTTP server. */
export interface DirectoryFixture {
  config: Config;
  db: Database;
  pii: PiiCipher;
  audit: AuditService;
  close(): Promise<void>;
}

export async function openDirectoryFixture(env: Record<string, string> = {}): Promise<DirectoryFixture> {
  const config = loadConfig({ NODE_ENV: 'test', ...(await freshDatabaseEnv()), ...env });
  const db = await openDatabase(config, createLogger('silent'));
  initModels(db.sequelize);
  return {
    config,
    db,
    pii: createPiiCipher(parsePiiKey(generatePiiKey())),
    audit: new AuditService(db.sequelize),
    close: () => db.close(),
  };
}

let serial = 1000 + crypto.randomInt(1000);
/** A fresh sample number per call, distinct within a test run. */
export const nextSample = () => serial++;

export async function insertUnit(sequelize: Sequelize, opts: { name?: string; parentPath?: string[] } = {}) {
  const id = crypto.randomUUID();
  const uscc = sampleUscc(nextSample());
  await sequelize.query(
    `INSERT INTO units (id, kind, level, name, uscc, path) VALUES ($1, 'hrss', 'province', $2, $3, $4)`,
    { bind: [id, opts.name ?? `测试单位${uscc.slice(-4)}`, uscc, [...(opts.parentPath ?? []), id]] },
  );
  return { id, uscc, path: [...(opts.parentPath ?? []), id] };
}

export async function insertPerson(sequelize: Sequelize, pii: PiiCipher, name = '张三') {
  const n = nextSample();
  const idNumber = sampleIdNumber(n);
  const phone = samplePhone(n);
  const [rows] = await sequelize.query(
    `INSERT INTO persons (name, id_number_enc, id_number_hash, id_number_masked, phone_enc, phone_hash, phone_masked)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    {
      bind: [name, pii.encrypt(idNumber), pii.lookupHash(idNumber), maskIdNumber(idNumber), pii.encrypt(phone),
        pii.lookupHash(phone), maskPhone(phone)],
    },
  );
  return { id: (rows as Array<{ id: string }>)[0]!.id, idNumber, phone, name };
}

export async function insertAccount(
  sequelize: Sequelize,
  a: { kind: 'unit' | 'admin' | 'operator'; unitId: string; personId?: string; username?: string; status?: string },
) {
  const [rows] = await sequelize.query(
    `INSERT INTO accounts (kind, unit_id, unit_kind, person_id, username, status) VALUES ($1, $2, 'hrss', $3, $4, $5)
     RETURNING id`,
    { bind: [a.kind, a.unitId, a.personId ?? null, a.username ?? null, a.status ?? 'active'] },
  );
  return (rows as Array<{ id: string }>)[0]!.id;
}

export async function insertCredential(
  sequelize: Sequelize,
  c: { personId?: string; accountId?: string; hash: string; mustChange?: boolean; changedAt?: Date },
) {
  const [rows] = await sequelize.query(
    `INSERT INTO credentials (person_id, account_id, hash, must_change, changed_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    { bind: [c.personId ?? null, c.accountId ?? null, c.hash, c.mustChange ?? false, c.changedAt ?? new Date()] },
  );
  return (rows as Array<{ id: string }>)[0]!.id;
}

export async function auditReasons(sequelize: Sequelize, action: string): Promise<Array<string | null>> {
  const [rows] = await sequelize.query(`SELECT reason FROM audit_events WHERE action = $1 ORDER BY seq`, {
    bind: [action],
  });
  return (rows as Array<{ reason: string | null }>).map((r) => r.reason);
}
