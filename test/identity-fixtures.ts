import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sequelize } from 'sequelize';
import { loadConfig, type Config } from '../platform/config.ts';
import { createPiiCipher, generatePiiKey, parsePiiKey, type PiiCipher } from '../platform/crypto/pii.ts';
import { openDatabase, type Database } from '../platform/db/database.ts';
import { createLogger } from '../platform/logger.ts';
import { ClientModel, initModels } from '../directory/models/index.ts';
import { argon2Hasher } from '../directory/credentials/password-hasher.ts';
import { firstPartyClientRecords, generateClientSecret, toClientRow, type ClientRecord } from '../directory/bootstrap/first-party-clients.ts';
import { UnitRepository } from '../directory/units/unit-repository.ts';
import { AuditRepository } from '../directory/audit/audit-repository.ts';
import { AuditService } from '../directory/audit/audit-service.ts';
import { maskIdNumber, maskPhone } from '../directory/masking.ts';
import { sampleIdNumber, samplePhone, sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { freshDatabaseEnv } from './support/database.ts';
import { startTestServer } from './support/harness.ts';

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
    audit: new AuditService({ events: new AuditRepository({ sequelize: db.sequelize }), units: new UnitRepository({ sequelize: db.sequelize }) }),
    close: () => db.close(),
  };
}

let serial = 1000 + crypto.randomInt(1000);
/** A fresh sample number per call, distinct within a test run. */
export const nextSample = () => serial++;

/** A unit: a province hrss root, or an employer confirmed below `parent`. */
export async function insertUnit(sequelize: Sequelize, opts: { name?: string; parent?: { id: string; path: string[] } } = {}) {
  const id = crypto.randomUUID();
  const uscc = sampleUscc(nextSample());
  const path = [...(opts.parent?.path ?? []), id];
  await sequelize.query(
    `INSERT INTO units (id, kind, level, category, name, uscc, path, affiliation, parent_unit_id, created_by_unit_id)
     VALUES ($1, $2, $3, $8, $4, $5, $6, 'confirmed', $7, $7)`,
    {
      bind: [id, opts.parent ? 'employer' : 'hrss', opts.parent ? null : 'province', opts.name ?? `测试单位${uscc.slice(-4)}`,
        uscc, path, opts.parent?.id ?? null, opts.parent ? 'institution' : null],
    },
  );
  return { id, uscc, path, kind: opts.parent ? ('employer' as const) : ('hrss' as const) };
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
  a: { kind: 'unit' | 'admin' | 'operator'; unitId: string; unitKind?: string; personId?: string; username?: string; status?: string },
) {
  const [rows] = await sequelize.query(
    `INSERT INTO accounts (kind, unit_id, unit_kind, person_id, username, status) VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING id`,
    { bind: [a.kind, a.unitId, a.unitKind ?? 'hrss', a.personId ?? null, a.username ?? null, a.status ?? 'active'] },
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

export async function insertRole(sequelize: Sequelize, code: string, subsystem: string, modules: string[]) {
  const [rows] = await sequelize.query(
    `INSERT INTO roles (code, name, subsystem, modules) VALUES ($1, $1, $2, $3)
     ON CONFLICT (code) DO UPDATE SET modules = EXCLUDED.modules RETURNING id`,
    { bind: [code, subsystem, modules] },
  );
  return (rows as Array<{ id: string }>)[0]!.id;
}

export async function grantRole(sequelize: Sequelize, accountId: string, roleId: string) {
  await sequelize.query(`INSERT INTO account_roles (account_id, role_id) VALUES ($1, $2)`, { bind: [accountId, roleId] });
}

/**
 * A relying party's back-channel logout endpoint on loopback, recording the logout tokens it gets
 * and when (by the test's clock). `statuses` scripts its next answers (e.g. `[500, 500]`: fail
 * twice, then 200 again) and `delayMs` how long it takes to answer; a failed request is recorded
 * in `attempts` but not in `logoutTokens`.
 */
export async function startFakeRp() {
  const rp = {
    url: '',
    logoutTokens: [] as string[],
    attempts: [] as Array<{ at: number; status: number; token: string }>,
    statuses: [] as number[],
    delayMs: 0,
    close: () => Promise.resolve(),
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      let status = 200;
      if (req.method === 'POST' && req.url === '/backchannel-logout') {
        const token = new URLSearchParams(body).get('logout_token') ?? '';
        status = rp.statuses.shift() ?? 200;
        rp.attempts.push({ at: Date.now(), status, token });
        if (status === 200) rp.logoutTokens.push(token);
      }
      setTimeout(() => res.writeHead(status).end(), rp.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  rp.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  rp.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return rp;
}

export const WORLD_PASSWORD = 'Initial#Pass2024';

/**
 * A small world on a running server: a province root and a school below it; an operator of the
 * school with title and personnel roles (initial password: must change); a person holding an
 * administrator account (root) and an operator account (school); the first-party clients (the
 * `title` subsystem's back-channel URI on a local fake RP) and two partner apps.
 */
export async function seedWorld(base: { db: Database; pii: PiiCipher; issuer: string; config: Config }, rpUrl: string) {
  const { sequelize } = base.db;
  const hash = await argon2Hasher.hash(WORLD_PASSWORD);
  const root = await insertUnit(sequelize, { name: '测试省人力资源和社会保障厅' });
  const school = await insertUnit(sequelize, { name: '测试示范学校', parent: root });

  const op = await insertPerson(sequelize, base.pii, '王经办');
  const opAccount = await insertAccount(sequelize, { kind: 'operator', unitId: school.id, unitKind: 'employer', personId: op.id });
  await insertCredential(sequelize, { personId: op.id, hash, mustChange: true });
  // A title role that (wrongly) lists a personnel module: tokens must still carry title modules only.
  const titleRole = await insertRole(sequelize, 'title.reviewer', 'title', ['title:unit-verify', 'title:unit-recommend', 'personnel:basic-info']);
  const personnelRole = await insertRole(sequelize, 'personnel.clerk', 'personnel', ['personnel:basic-info']);
  await grantRole(sequelize, opAccount, titleRole);
  await grantRole(sequelize, opAccount, personnelRole);

  const dual = await insertPerson(sequelize, base.pii, '李双岗');
  const dualAdmin = await insertAccount(sequelize, { kind: 'admin', unitId: root.id, personId: dual.id });
  const dualOperator = await insertAccount(sequelize, { kind: 'operator', unitId: school.id, unitKind: 'employer', personId: dual.id });
  await insertCredential(sequelize, { personId: dual.id, hash });
  await grantRole(sequelize, dualAdmin, titleRole); // R9: must never show up in a token
  await grantRole(sequelize, dualOperator, titleRole);

  const records = firstPartyClientRecords(base.issuer, { ...base.config.subsystemUrls, title: rpUrl });
  const partners: ClientRecord[] = [
    partner('partner-title', ['urn:tongmen:title', 'https://partner.example/api']),
    partner('partner-other', ['https://other.example/api']),
  ];
  for (const r of [...records, ...partners]) await ClientModel.create(toClientRow(r, base.pii));
  const client = (id: string) => [...records, ...partners].find((c) => c.clientId === id)!;
  return { root, school, op: { ...op, accountId: opAccount }, dual: { ...dual, adminId: dualAdmin, operatorId: dualOperator }, client };
}

function partner(clientId: string, resources: string[]): ClientRecord {
  return {
    clientId,
    name: `合作应用 ${clientId}`,
    kind: 'partner',
    clientSecret: generateClientSecret(),
    grantTypes: ['client_credentials'],
    redirectUris: [],
    postLogoutRedirectUris: [],
    backchannelLogoutUri: null,
    resources,
    canIntrospect: true,
  };
}

/**
 * What the sign-in suites share: a running server on a fresh database, a relying party receiving
 * back-channel logouts, and the seeded world; `close()` ends both servers. `env` adds settings.
 */
export async function openSignInWorld(env: Record<string, string> = {}) {
  const server = await startTestServer(env);
  const rp = await startFakeRp().catch(async (err) => {
    await server.close();
    throw err;
  });
  const world = await seedWorld(server.tongmen.base, rp.url);
  return {
    server,
    rp,
    world,
    async close() {
      await server.close();
      await rp.close();
    },
  };
}
export type SignInWorld = Awaited<ReturnType<typeof openSignInWorld>>;
