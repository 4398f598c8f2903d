import { randomUUID as uuid } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codesAnsweredBy } from '../platform/error-codes/index.ts';
import { openAdminFixture, type AdminFixture } from './support/admin-fixture.ts';
import { samplePerson } from './support/core.ts';

/**
 * Issue 12 suite 3 — bad input, by property-based fuzzing of every admin route (read from the
 * OpenAPI document the guards feed, so a new route is fuzzed without a line here). Inputs are
 * mostly well-formed documents of the route's own schema with junk planted at random places
 * (wrong types, overlong strings, NUL, lone surrogates, confusables, injection strings, nesting),
 * sent by the province administrator (the widest reach into the services). Every answer must be:
 * below 500; an error in the SPEC §5 format with a catalogued code; and no change to the directory
 * without an audit event (R25) — a refused request changes nothing at all.
 * Fixed seed, bounded runs: deterministic and fast in CI.
 */

const SEED = 20261202;
const RUNS_PER_ROUTE = 20;
const CODES = new Set<string>(codesAnsweredBy('admin-api'));

/** Strings that broke, or could break, an edge somewhere. */
const NASTIES = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\ud83d', "'; DROP TABLE accounts; --", "' OR '1'='1", '" OR 1=1 --', '\\', '%00', '%',
  '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '${jndi:ldap://x/a}', '{{7*7}}', '../../etc/passwd',
  'аdmin', 'ＡＤＭＩＮ', '管理員', '\u202eevil', '\ufeff', '\u200b', 'Ⅸ', '\u{1F600}', '0', '-1', '1e309', 'NaN', 'null', 'true', '[]', '{}',
  '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '9'.repeat(40), '11010519491231002X',
];
const nasty = fc.constantFrom(...NASTIES);
const overlong = fc.integer({ min: 101, max: 3000 }).map((n) => '長'.repeat(n));
const junkString = fc.oneof(nasty, overlong, fc.string({ unit: 'binary', maxLength: 30 }));
const junk: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    junkString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('v'), { maxKeys: 3 }),
  ),
})).v;

type Schema = Record<string, any>;
let components: Record<string, Schema> = {};
let realIds: string[] = [];

const people = Array.from({ length: 20 }, () => samplePerson('模糊测试'));
/** A value of `schema`'s shape (mostly), with junk in place of any part one time in ten (so some documents pass the guard and reach the services). */
function fromSchema(schema: Schema | undefined, key = ''): fc.Arbitrary<unknown> {
  const shaped = shapedFrom(schema ?? {}, key);
  return fc.oneof({ arbitrary: shaped, weight: 9 }, { arbitrary: junk, weight: 1 });
}

function shapedFrom(schema: Schema, key: string): fc.Arbitrary<unknown> {
  if (schema.$ref) return shapedFrom(components[String(schema.$ref).split('/').pop()!] ?? {}, key);
  const branches = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (branches) return fc.oneof(...branches.map((b) => shapedFrom(b, key)));
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  switch (schema.type) {
    case 'string': {
      if (key === 'idNumber') return fc.constantFrom(...people.map((p) => p.idNumber));
      if (key === 'phone') return fc.constantFrom(...people.map((p) => p.phone));
      if (schema.format === 'uuid') return fc.oneof(fc.constantFrom(...realIds), fc.uuid());
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern as string), { maxLength: 40 });
      return fc.oneof(fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 30, 30) }), nasty);
    }
    case 'integer':
    case 'number':
      return fc.integer({ min: schema.minimum ?? -5, max: schema.maximum ?? 500 });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(fromSchema(schema.items), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) });
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required ?? []) as string[]);
      const model = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, fromSchema(s, k)]));
      return fc.record(model, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) });
    }
    default:
      return junk;
  }
}

/**
 * Junk for the URL: overlong but within Node's 16 KB header limit (beyond it Node's own parser
 * answers 431 with no body before any of Tongmen's code runs; a reverse proxy sits in front anyway).
 */
const urlJunk = fc.oneof(nasty, fc.integer({ min: 101, max: 500 }).map((n) => '長'.repeat(n)), fc.string({ unit: 'binary', maxLength: 30 }));
/** A query value as the wire carries it: the shaped value as text, or junk text. */
const queryValue = (schema: Schema, key: string) =>
  fc.oneof(shapedFrom(schema, key).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))), urlJunk);
/** A path parameter: a real id, a random uuid, a role code, or junk (sent percent-encoded). */
const pathValue = () => fc.oneof(fc.constantFrom(...['title.reviewer', 'org.affiliation-reviewer']), fc.uuid(), fc.constant('x'), urlJunk).chain((v) =>
  fc.oneof(fc.constant(v), fc.constantFrom(...(realIds.length ? realIds : [uuid()]))),
);

interface Operation {
  method: string;
  path: string;
  body?: Schema;
  query: Array<{ name: string; schema: Schema }>;
  pathParams: string[];
}

let f: AdminFixture;
let token: string;
let ops: Operation[] = [];
let cases = 0;
const statuses = new Map<number, number>();
const writesDone: string[] = [];

const sql = async (text: string) => (await f.core.base.db.sequelize.query(text))[0] as Array<Record<string, unknown>>;
const DIRECTORY_TABLES = [
  'units', 'accounts', 'persons', 'credentials', 'account_roles', 'roles', 'affiliation_requests', 'migration_requests',
  'role_change_requests', 'clients', 'retired_unit_codes', 'second_factors', 'settings',
];
/** A digest of every directory table and the audit chain head. */
async function snapshot() {
  const parts = DIRECTORY_TABLES.map((t) => `(SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM ${t} x)`);
  const [row] = await sql(`SELECT md5(${parts.join(" || ")}) AS directory, (SELECT seq FROM audit_head)::text AS audit`);
  return row as { directory: string; audit: string };
}

/** Sends one request and checks the three promises; returns a description of the break, or null. */
async function attack(method: string, path: string, init: { body?: string; contentType?: string; query?: string } = {}): Promise<string | null> {
  cases++;
  // Reads are checked per route in bulk (below): a digest around each of them would double the run.
  const read = method === 'GET';
  const before = read ? null : await snapshot();
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (init.contentType) headers['content-type'] = init.contentType;
  const res = await f.app.raw(`/admin/v1${path}${init.query ? `?${init.query}` : ''}`, { method, headers, body: init.body });
  const text = await res.text();
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  if (!read && res.status < 300) writesDone.push(`${method} ${path}`);
  const after = read ? null : await snapshot();
  const where = `${method} ${path}${init.query ? `?${init.query}` : ''} ${init.body?.slice(0, 300) ?? ''} → ${res.status} ${text.slice(0, 300)}`;
  if (res.status >= 500) return `5xx: ${where}`;
  if (before && after && before.directory !== after.directory && before.audit === after.audit) return `changed without an audit event: ${where}`;
  if (res.status >= 400) {
    if (before && after && before.directory !== after.directory) return `refused but changed: ${where}`;
    let parsed: any;
    try {
      parsed = JSON.parse(text);
    } catch {
      return `error not JSON: ${where}`;
    }
    const e = parsed?.error;
    const shapeOk =
      Object.keys(parsed).length === 1 && typeof e?.code === 'string' && CODES.has(e.code) && typeof e.message === 'string' && e.message.length > 0 &&
      (e.details === undefined || (typeof e.details === 'object' && e.details !== null && !Array.isArray(e.details)));
    if (!shapeOk) return `error format: ${where}`;
  }
  return null;
}

const fill = (op: Operation, values: string[]) => {
  let i = 0;
  return op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(values[i++] ?? uuid()));
};

beforeAll(async () => {
  f = await openAdminFixture();
  token = await f.token(f.province.adminId);
  const doc = f.app.adminApi.openApiDocument() as Schema;
  components = doc.components.schemas;
  // Real objects the fuzzer may hit (never the caller itself, whose token the rest of the run needs).
  realIds = [f.city.unitId, f.county.unitId, f.employer.unitId, f.city2.unitId, f.countyOperator, f.employerOperator, f.city.adminId, f.employer.unitAccountId];
  for (const [p, byMethod] of Object.entries(doc.paths as Record<string, Record<string, Schema>>)) {
    for (const [method, op] of Object.entries(byMethod)) {
      const params = (op.parameters ?? []) as Array<{ name: string; in: string; schema: Schema }>;
      ops.push({
        method: method.toUpperCase(),
        path: p.replace('/admin/v1', ''),
        body: op.requestBody?.content?.['application/json']?.schema,
        query: params.filter((x) => x.in === 'query').map((x) => ({ name: x.name, schema: x.schema })),
        pathParams: params.filter((x) => x.in === 'path').map((x) => x.name),
      });
    }
  }
}, 60_000);
afterAll(async () => {
  console.info(`admin fuzzing: ${ops.length} operations, ${cases} requests; answers by status: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; writes accepted: ${writesDone.length} ${[...new Set(writesDone.map((w) => w.replace(/[0-9a-f-]{36}/g, 'ID')))].join(", ")}`);
  await f?.close();
});

describe('Issue 12 suite 3: bad input on every admin route — never a 500, always the error format, never an unaudited change', () => {
  it('the OpenAPI document lists every route of the router', () => {
    const routed = f.app.adminApi.router.stack
      .filter((l) => l.stack.some((m) => 'guardConfig' in m))
      .flatMap((l) => l.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${String(l.path).replace('/admin/v1', '').replace(/:(\w+)/g, '{$1}')}`));
    expect(ops.map((o) => `${o.method} ${o.path}`).sort()).toEqual(routed.sort());
    expect(ops.length).toBeGreaterThan(50);
  });

  it('property: schema-shaped documents with junk planted anywhere, in body, query and path', { timeout: 180_000 }, async () => {
    for (const op of ops) {
      const query = fc
        .array(fc.oneof(...(op.query.length ? op.query.map((q) => queryValue(q.schema, q.name).map((v) => [q.name, v] as const)) : [fc.constant(['x', '1'] as const)]), fc.tuple(urlJunk, urlJunk)), { maxLength: 3 })
        .map((pairs) => new URLSearchParams(pairs.map(([k, v]) => [k, v])).toString());
      const params = fc.array(pathValue(), { minLength: op.pathParams.length, maxLength: op.pathParams.length });
      const body = op.body ? fromSchema(op.body) : fc.option(junk, { nil: undefined });
      const before = op.method === 'GET' ? (await snapshot()).directory : null;
      await fc.assert(
        fc.asyncProperty(params, query, body, async (p, q, b) => {
          const broken = await attack(op.method, fill(op, p), {
            query: q,
            ...(op.method !== 'GET' && b !== undefined ? { body: JSON.stringify(b), contentType: 'application/json' } : {}),
          });
          if (broken) throw new Error(broken);
        }),
        { seed: SEED, numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
      if (before !== null) expect((await snapshot()).directory, `${op.method} ${op.path} changed the directory`).toBe(before);
    }
  });

  it('hand-written nasties on every route: huge, deep, wide, truncated, wrong Content-Type, NUL in the URL', { timeout: 120_000 }, async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const huge = JSON.stringify({ name: 'x'.repeat(200_000) });
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])));
    const deepObject = '{"a":'.repeat(40) + '1' + '}'.repeat(40);
    const failures: string[] = [];
    for (const op of ops) {
      const path = fill(op, op.pathParams.map(() => uuid()));
      const tries: Array<{ body?: string; contentType?: string; query?: string; path?: string }> = [
        { body: deep, contentType: 'application/json' },
        { body: deepObject, contentType: 'application/json' },
        { body: huge, contentType: 'application/json' },
        { body: wide, contentType: 'application/json' },
        { body: '{"name":"\\u0000"', contentType: 'application/json' },
        { body: '{"name":"\\ud800"}', contentType: 'application/json' },
        { body: '{"name":1}', contentType: 'text/plain' },
        { body: '<a/>', contentType: 'application/xml' },
        { body: '{"name":"x"}', contentType: 'application/json; charset=latin1' },
        { body: 'name=x', contentType: 'application/x-www-form-urlencoded' },
        { query: `${op.query[0]?.name ?? 'q'}=%00&${op.query[0]?.name ?? 'q'}=%ED%A0%80&x=${'%F0'.repeat(3)}` },
        { query: op.query.map((q) => `${q.name}=${encodeURIComponent("' OR 1=1 --")}&${q.name}[]=1`).join('&') },
        ...(op.pathParams.length ? [{ path: op.path.replace(/\{[^}]+\}/g, '%00') }, { path: op.path.replace(/\{[^}]+\}/g, '%ED%A0%80') }, { path: op.path.replace(/\{[^}]+\}/g, 'a'.repeat(3000)) }] : []),
      ];
      for (const t of tries) {
        const send = op.method === 'GET' ? { query: t.query } : t;
        const broken = await attack(op.method, t.path ?? path, send);
        if (broken) failures.push(broken.slice(0, 400));
      }
    }
    expect(failures).toEqual([]);
  });
});
