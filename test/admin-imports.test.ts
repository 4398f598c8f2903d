import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryTypes } from 'sequelize';
import { sampleIdNumber, samplePhone, sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { ACCOUNT_HEADERS, GRANT_HEADERS, UNIT_HEADERS, toCsv, toXlsx, type SheetData } from './support/legacy-sheets.ts';

/**
 * Issue 8 — moving in from the old platform (legacy import), through `POST /admin/v1/imports` and
 * `GET /admin/v1/imports/{id}`: a generated sheet of thousands of rows with every kind of bad row,
 * the exact per-row report, a re-run that changes nothing, a dry run that writes nothing, xlsx and CSV.
 */
let f: AdminFixture;
beforeAll(async () => {
  f = await openAdminFixture();
});
afterAll(async () => f?.close());

const sql = <T extends object>(query: string, replacements: Record<string, unknown> = {}) =>
  f.core.base.db.sequelize.query<T>(query, { replacements, type: QueryTypes.SELECT });
const count = async (table: string, where = 'true') => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`))[0]!.n;

type Upload = { units?: SheetData; accounts?: SheetData; grants?: SheetData };
type Format = 'csv' | 'xlsx';

async function upload(adminId: string, sheets: Upload, opts: { dryRun?: boolean; format?: Format } = {}) {
  const format = opts.format ?? 'xlsx';
  const body: Record<string, unknown> = { dryRun: opts.dryRun ?? false };
  for (const kind of ['units', 'accounts', 'grants'] as const) {
    const data = sheets[kind];
    if (!data) continue;
    const bytes = format === 'csv' ? toCsv(data) : await toXlsx(data);
    body[kind] = { name: `${kind}.${format}`, content: bytes.toString('base64') };
  }
  return f.api(f.token(adminId), 'POST', '/imports', body);
}

/** Polls the job (any node answers from PostgreSQL) until it is no longer running, then reads every report page. */
async function finished(id: string) {
  for (let i = 0; i < 600; i++) {
    const got = await f.api(f.token(f.province.adminId), 'GET', `/imports/${id}?limit=1`);
    expect(got.status).toBe(200);
    if (got.body.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const rows: any[] = [];
  let job: any;
  for (let offset = 0; ; offset += 1000) {
    job = (await f.api(f.token(f.province.adminId), 'GET', `/imports/${id}?offset=${offset}&limit=1000`)).body;
    rows.push(...job.report.items);
    if (rows.length >= job.report.total) break;
  }
  return { ...job, rows };
}

async function runImport(sheets: Upload, opts: { dryRun?: boolean; format?: Format } = {}) {
  const started = await upload(f.province.adminId, sheets, opts);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  expect(started.body).toEqual({ id: expect.any(String), status: 'running' });
  return finished(started.body.id);
}

const ACCOUNTS = 2000;
const EMPLOYERS = 20;

/** The province's legacy data: good rows, and one bad row of every kind at known lines. */
function generate(rootCode: string) {
  const competent = sampleUscc(200_001);
  const employers = Array.from({ length: EMPLOYERS }, (_, i) => sampleUscc(200_100 + i));
  const derived = `${competent}01`;
  const person = (n: number, name = `人员${n}`) => [name, sampleIdNumber(300_000 + n), samplePhone(300_000 + n)];
  const unit = (name: string, code: string, kind: string, category: string, creator: string, confirmed: string, admin: number) => [
    name, code, kind, category, creator, '520102', confirmed, ...person(admin, `${name}管理员`),
  ];
  const badUscc = sampleUscc(200_500).slice(0, 17) + (sampleUscc(200_500).endsWith('A') ? 'B' : 'A');
  const noCategory = sampleUscc(200_600);
  const badAdmin = person(90_002);
  badAdmin[1] = badAdmin[1]!.slice(0, 17) + (badAdmin[1]!.endsWith('1') ? '2' : '1');
  const units: SheetData = {
    headers: UNIT_HEADERS,
    rows: [
      unit('某省教育厅', competent, '主管部门', '', rootCode, '是', 90_000), // line 2
      ...employers.map((code, i) => unit(`某学校${i}`, code, '用人单位', '事业单位', competent, '是', 90_100 + i)), // lines 3–22
      unit('某校附属单位', derived, '用人单位', '企业', competent, '否', 90_001), // 23: a derived code (R2)
      unit('某市人社局', sampleUscc(200_002), '人社部门', '', rootCode, '是', 90_003), // 24: an hrss city
      unit('校验错单位', badUscc, '用人单位', '企业', competent, '是', 90_004), // 25: R1 check character
      unit('无上级单位', sampleUscc(200_700), '用人单位', '企业', sampleUscc(209_999), '是', 90_005), // 26: unknown parent
      unit('越级人社局', sampleUscc(200_701), '人社部门', '', competent, '是', 90_006), // 27: R4 chain violated
      unit('无类别单位', noCategory, '用人单位', '', competent, '是', 90_007), // 28: missing category
      unit('某学校0', employers[0]!, '用人单位', '事业单位', competent, '是', 90_100), // 29: duplicate row
      ['坏管理员单位', sampleUscc(200_702), '用人单位', '企业', competent, '520102', '是', ...badAdmin], // 30: bad ID check digit
      unit('下属单位', sampleUscc(200_703), '用人单位', '企业', noCategory, '是', 90_008), // 31: its creator failed
    ],
  };
  const accountRows = Array.from({ length: ACCOUNTS }, (_, i) => [...person(i), employers[i % EMPLOYERS]!, '经办人']);
  const badId = person(5_000);
  badId[1] = badId[1]!.slice(0, 17) + (badId[1]!.endsWith('1') ? '2' : '1');
  const badPhone = person(5_001);
  badPhone[2] = '1234567';
  const accounts: SheetData = {
    headers: ACCOUNT_HEADERS,
    rows: [
      ...accountRows, // lines 2–2001
      [...badId, employers[0]!, '经办人'], // 2002: bad ID check digit
      [...badPhone, employers[0]!, '经办人'], // 2003: bad phone
      [...person(5_002), sampleUscc(209_998), '经办人'], // 2004: unknown unit
      [...person(5_003), noCategory, '经办人'], // 2005: account of a unit that failed
      accountRows[0]!, // 2006: duplicate row
      [...person(5_004), employers[1]!, '管理员'], // 2007: administrators come with the units sheet
      [...person(5_005), derived, ''], // 2008: an operator of the derived-code unit (kind defaults to operator)
      [...person(3, '别名'), employers[5]!, '经办人'], // 2009: R8 the ID number is registered under another name
      ['人员5006', sampleIdNumber(305_006), samplePhone(300_004), employers[0]!, '经办人'], // 2010: R8 another person's phone
      [...person(7), employers[0]!, '经办人'], // 2011: one person, a second unit (allowed: one person, several accounts)
    ],
  };
  const grantRows = Array.from({ length: 500 }, (_, i) => [sampleIdNumber(300_000 + i), employers[i % EMPLOYERS]!, 'title.applicant']);
  const grants: SheetData = {
    headers: GRANT_HEADERS,
    rows: [
      ...grantRows, // lines 2–501
      [sampleIdNumber(300_000), employers[0]!, 'no.such-role'], // 502: unknown role
      [sampleIdNumber(300_001), employers[1]!, 'org.affiliation-reviewer'], // 503: R17 not grantable in an employer
      grantRows[0]!, // 504: duplicate row
      [sampleIdNumber(305_001), employers[0]!, 'title.applicant'], // 505: the account's row failed (bad phone)
      [sampleIdNumber(306_000), employers[0]!, 'title.applicant'], // 506: no such account
      [sampleIdNumber(300_002), employers[2]!, 'title.expert'], // 507: a second role for one operator
    ],
  };
  return { units, accounts, grants, competent, employers, derived };
}

const failures = (rows: any[]) => rows.filter((r) => r.outcome === 'failed').map((r) => [r.sheet, r.line, r.code]);

const EXPECTED_FAILURES = [
  ['units', 25, 'unit.uscc_invalid'],
  ['units', 26, 'import.parent_unknown'],
  ['units', 27, 'unit.creation_not_allowed'],
  ['units', 28, 'unit.category_required'],
  ['units', 29, 'import.duplicate_row'],
  ['units', 30, 'person.id_number_invalid'],
  ['units', 31, 'import.parent_failed'],
  ['accounts', 2002, 'person.id_number_invalid'],
  ['accounts', 2003, 'person.phone_invalid'],
  ['accounts', 2004, 'import.unit_unknown'],
  ['accounts', 2005, 'import.unit_failed'],
  ['accounts', 2006, 'import.duplicate_row'],
  ['accounts', 2007, 'import.account_kind'],
  ['accounts', 2009, 'person.name_mismatch'],
  ['accounts', 2010, 'person.phone_in_use'],
  ['grants', 502, 'role.unknown'],
  ['grants', 503, 'role.not_grantable'],
  ['grants', 504, 'import.duplicate_row'],
  ['grants', 505, 'import.account_failed'],
  ['grants', 506, 'import.account_unknown'],
];

describe('issue 8: legacy import through the admin API (R1, R2, R4, R8, R17, R25)', () => {
  let sheets: ReturnType<typeof generate>;
  let first: any;

  it('imports a generated sheet of thousands of rows: the good rows in, every bad row reported with its sheet, line and reason', async () => {
    sheets = generate(f.core.root.unit.uscc);
    const eventsBefore = await count('audit_events');
    first = await runImport(sheets, { format: 'xlsx' });
    expect(first.status).toBe('succeeded');
    expect(failures(first.rows)).toEqual(EXPECTED_FAILURES);
    expect(first.counts).toEqual({
      units: { created: 23, unchanged: 0, failed: 7 },
      accounts: { created: ACCOUNTS + 2, unchanged: 0, failed: 8 },
      grants: { created: 501, unchanged: 0, failed: 5 },
    });
    // Reasons in both languages, ID numbers never in full (R25).
    const bad = first.rows.find((r: any) => r.sheet === 'accounts' && r.line === 2003);
    expect(bad).toMatchObject({ file: 'accounts.xlsx', reason: expect.stringContaining('11-digit'), reasonZh: expect.any(String) });
    expect(JSON.stringify(first.rows)).not.toContain(sampleIdNumber(305_001));
    // The good rows are in: units with the creation chain, affiliation where confirmed, the derived code's serial reserved (R2).
    const [competent] = await sql<any>('SELECT id, path, affiliation FROM units WHERE uscc = :c', { c: sheets.competent });
    expect(competent.affiliation).toBe('confirmed');
    expect(competent.path).toEqual([f.core.root.unit.id, competent.id]);
    const [derived] = await sql<any>('SELECT derived, affiliation, created_by_unit_id AS creator FROM units WHERE uscc = :c', { c: sheets.derived });
    expect(derived).toEqual({ derived: true, affiliation: 'unconfirmed', creator: competent.id });
    expect((await sql<any>('SELECT next_derived_serial AS n FROM units WHERE id = :id', { id: competent.id }))[0].n).toBe(2);
    const [city] = await sql<any>(`SELECT kind, level FROM units WHERE uscc = :c`, { c: sampleUscc(200_002) });
    expect(city).toEqual({ kind: 'hrss', level: 'city' });
    expect(await count('accounts', `kind = 'operator' AND unit_id IN (SELECT id FROM units WHERE uscc LIKE '91520102002%')`)).toBe(ACCOUNTS + 2);
    expect(await count('account_roles', `granted_by = '${f.province.adminId}'`)).toBe(501);
    // Imported persons sign in by SMS or QR: a credential to change that no password opens, one hash for the run (no per-row argon2).
    const hashes = await sql<any>(
      `SELECT DISTINCT c.hash, c.must_change FROM credentials c JOIN persons p ON p.id = c.person_id JOIN accounts a ON a.person_id = p.id
       JOIN units u ON u.id = a.unit_id WHERE u.uscc LIKE '91520102002%'`,
    );
    expect(hashes).toHaveLength(1);
    expect(hashes[0].must_change).toBe(true);
    // Audit: one event per row written, naming the importer, and one summary of the run.
    const events = await sql<any>(`SELECT action, count(*)::int AS n FROM audit_events WHERE seq > :s GROUP BY action ORDER BY action`, { s: eventsBefore });
    expect(events).toEqual([
      { action: 'import.account', n: ACCOUNTS + 2 },
      { action: 'import.grant', n: 501 },
      { action: 'import.run', n: 1 },
      { action: 'import.unit', n: 23 },
    ]);
    expect(await count('audit_events', `seq > ${eventsBefore} AND actor_account_id <> '${f.province.adminId}'`)).toBe(0);
    // Events written in batches extend the hash chain exactly as one by one (R25).
    expect(await f.core.services.audit.verifyChain()).toMatchObject({ ok: true });
  }, 120_000);

  it('a re-run (the same sheets, as CSV this time) changes nothing: every good row unchanged, only the run summary audited', async () => {
    expect(first, 'the first test imports').toBeDefined();
    const before = { units: await count('units'), accounts: await count('accounts'), persons: await count('persons'), grants: await count('account_roles'), events: await count('audit_events') };
    const again = await runImport(sheets, { format: 'csv' });
    expect(again.status).toBe('succeeded');
    expect(failures(again.rows)).toEqual(EXPECTED_FAILURES);
    expect(again.counts).toEqual({
      units: { created: 0, unchanged: 23, failed: 7 },
      accounts: { created: 0, unchanged: ACCOUNTS + 2, failed: 8 },
      grants: { created: 0, unchanged: 501, failed: 5 },
    });
    expect(again.rows.find((r: any) => r.outcome === 'unchanged').file).toBe('units.csv');
    expect({ units: await count('units'), accounts: await count('accounts'), persons: await count('persons'), grants: await count('account_roles'), events: await count('audit_events') })
      .toEqual({ ...before, events: before.events + 1 });
    const [summary] = await sql<any>(`SELECT action, details FROM audit_events ORDER BY seq DESC LIMIT 1`);
    expect(summary.action).toBe('import.run');
    expect(summary.details.counts.accounts.unchanged).toBe(ACCOUNTS + 2);
  }, 120_000);

  it('a dry run reports what it would do and writes nothing', async () => {
    const fresh: Upload = {
      units: { headers: UNIT_HEADERS, rows: [['试运行单位', sampleUscc(201_000), '用人单位', '社会组织', f.core.root.unit.uscc, '', '否', '试运行管理员', sampleIdNumber(310_000), samplePhone(310_000)]] },
      accounts: { headers: ACCOUNT_HEADERS, rows: [['试运行经办人', sampleIdNumber(310_001), samplePhone(310_001), sampleUscc(201_000), '经办人']] },
      grants: { headers: GRANT_HEADERS, rows: [[sampleIdNumber(310_001), sampleUscc(201_000), 'title.applicant']] },
    };
    const before = { units: await count('units'), accounts: await count('accounts'), persons: await count('persons'), grants: await count('account_roles'), events: await count('audit_events') };
    const dry = await runImport(fresh, { dryRun: true, format: 'csv' });
    expect(dry).toMatchObject({ status: 'succeeded', dryRun: true });
    expect(dry.counts).toEqual({ units: { created: 1, unchanged: 0, failed: 0 }, accounts: { created: 1, unchanged: 0, failed: 0 }, grants: { created: 1, unchanged: 0, failed: 0 } });
    expect({ units: await count('units'), accounts: await count('accounts'), persons: await count('persons'), grants: await count('account_roles'), events: await count('audit_events') }).toEqual(before);
  });

  it('the report is paged and filtered by outcome; an unreadable file or missing columns are refused clearly', async () => {
    const page = await f.api(f.token(f.province.adminId), 'GET', `/imports/${first.id}?outcome=failed&offset=7&limit=6`);
    expect(page.body.report.total).toBe(EXPECTED_FAILURES.length);
    expect(page.body.report.items.map((r: any) => [r.sheet, r.line, r.code])).toEqual(EXPECTED_FAILURES.slice(7, 13));
    const garbage = await f.api(f.token(f.province.adminId), 'POST', '/imports', { units: { name: 'x.xlsx', content: Buffer.from('PK\u0003\u0004 not a zip').toString('base64') } });
    expect(garbage.status).toBe(400);
    expect(garbage.body.error.code).toBe('import.file_unreadable');
    const columns = await runImport({ accounts: { headers: ['姓名', '手机号'], rows: [['张三', samplePhone(1)]] } }, { format: 'csv' });
    expect(columns).toMatchObject({ status: 'failed', error: { code: 'import.columns_missing', message: expect.stringContaining('身份证号') } });
    const empty = await f.api(f.token(f.province.adminId), 'POST', '/imports', { dryRun: true });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('import.no_files');
    const none = await f.api(f.token(f.province.adminId), 'GET', '/imports/00000000-0000-4000-8000-000000000000');
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('import.not_found');
  });

  it('only province hrss administrators with scope all import (policy table)', async () => {
    const city = await upload(f.city.adminId, { grants: { headers: GRANT_HEADERS, rows: [] } }, { format: 'csv' });
    expect(city.status).toBe(403);
    expect(city.body.error.code).toBe('auth.forbidden');
    const read = await f.api(f.token(f.county.adminId), 'GET', `/imports/${first?.id ?? '00000000-0000-4000-8000-000000000000'}`);
    expect(read.status).toBe(403);
  });

  it('a job whose node died is marked failed (by the next node to start or to read it)', async () => {
    const id = '11111111-1111-4111-8111-111111111111';
    // A node that accepted a job and died: its heartbeat stopped five minutes ago.
    await f.core.base.db.sequelize.query(
      `INSERT INTO import_jobs (id, status, dry_run, actor_account_id, heartbeat_at) VALUES (:id, 'running', false, :a, clock_timestamp() - interval '5 minutes')`,
      { replacements: { id, a: f.province.adminId } },
    );
    const got = await f.api(f.token(f.province.adminId), 'GET', `/imports/${id}`);
    expect(got.body).toMatchObject({ status: 'failed', error: { code: 'import.node_lost' }, finishedAt: expect.any(String) });
  });

  it('the samples in docs/import-templates import without a refused row (their root code is this province’s)', async () => {
    const body: Record<string, unknown> = {};
    for (const kind of ['units', 'accounts', 'grants']) {
      body[kind] = { name: `${kind}.csv`, content: fs.readFileSync(`docs/import-templates/${kind}.csv`).toString('base64') };
    }
    const started = await f.api(f.token(f.province.adminId), 'POST', '/imports', body);
    const job = await finished(started.body.id);
    expect(failures(job.rows)).toEqual([]);
    expect(job.counts).toEqual({ units: { created: 4, unchanged: 0, failed: 0 }, accounts: { created: 2, unchanged: 0, failed: 0 }, grants: { created: 2, unchanged: 0, failed: 0 } });
  });

  it('OpenAPI documents the import routes', async () => {
    const doc = (await f.api(null, 'GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/admin/v1/imports', '/admin/v1/imports/{id}']));
  });
});
