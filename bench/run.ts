import { spawn, execFile, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import autocannon from 'autocannon';
import * as esbuild from 'esbuild';
import pg from 'pg';
import { argon2Hasher } from '../directory/credentials/password-hasher.ts';
import { sampleIdNumber, samplePhone, sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { generatePiiKey } from '../platform/crypto/pii.ts';
import { basic, passwordSignIn, type SignInClient } from './signin.ts';
import { cpuMeter, databaseBackends, memory, processTree, type CpuSplit, type Sides } from './procs.ts';

/**
 * `npm run bench` (issue 11): Tongmen on a fresh PostgreSQL database (created and dropped here),
 * one process and then two (node:cluster, WORKERS), side by side in the same run with a bare
 * oidc-provider baseline; prints a table with absolute figures and ratios and writes JSON.
 * See docs/performance.md.
 */
const { values: opt } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    workers: { type: 'string', default: '1,2' },
    'signin-seconds': { type: 'string', default: '20' },
    'signin-concurrency': { type: 'string', default: '8' },
    'admin-writes': { type: 'string', default: '20' },
    province: { type: 'boolean', default: false },
    units: { type: 'string', default: '100000' },
    accounts: { type: 'string', default: '1000000' },
    profile: { type: 'string' },
    out: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'keep-db': { type: 'boolean', default: false },
    only: { type: 'string', default: 'tokens,signin,admin' },
  },
  strict: true,
});
const quick = opt.quick;
const DURATION = quick ? 1 : Number(opt.duration);
const CONNECTIONS = quick ? 2 : Number(opt.connections);
const SIGNIN_SECONDS = quick ? 2 : Number(opt['signin-seconds']);
const SIGNIN_CONCURRENCY = quick ? 2 : Number(opt['signin-concurrency']);
const ADMIN_WRITES = quick ? 2 : Number(opt['admin-writes']);
const WORKER_COUNTS = opt.workers.split(',').map(Number);
/** Which groups to run (`--only tokens,signin,admin`): a shorter loop while working on one of them. */
const ONLY = new Set(opt.only.split(','));
for (const g of ONLY) if (!['tokens', 'signin', 'admin'].includes(g)) throw new Error(`--only: unknown group ${g} (tokens, signin, admin)`);
const ROOT = path.resolve(import.meta.dirname, '..');
const PARTNER_RESOURCE = 'https://partner.example/api';
const TITLE_RESOURCE = 'urn:tongmen:title';
const PASSWORD = 'Bench#Tongmen-2026';

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  process.stderr.write('npm run bench needs DATABASE_URL (a PostgreSQL server it may create and drop a database on)\n');
  process.exit(2);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function adminQuery(sql: string, url = databaseUrl) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------- processes

interface Proc {
  child: ChildProcess;
  stop(): Promise<void>;
}

function startProcess(args: string[], env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Proc {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine?.(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  child.on('exit', (code) => {
    if (code && code !== 0) log(`process ${args.join(' ')} exited ${code}: ${err}`);
  });
  return {
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

async function waitReady(url: string, proc: Proc) {
  for (let i = 0; i < 600; i++) {
    if (proc.child.exitCode !== null) throw new Error(`server exited with ${proc.child.exitCode}`);
    try {
      const res = await fetch(`${url}/.well-known/openid-configuration`);
      if (res.ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not start`);
}

const run = promisify(execFile);
async function cli(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

// ---------------------------------------------------------------- measuring

interface Figure {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  requests: number;
  /** CPU milliseconds per request: the server's processes, PostgreSQL's backends of the bench database, the load generator. */
  cpu?: { serverMs: number; databaseMs: number; harnessMs: number };
}

const perRequest = (split: CpuSplit, n: number) => {
  const ms = (sec: number) => (n ? Math.round(((sec * 1000) / n) * 100) / 100 : 0);
  return { serverMs: ms(split.server), databaseMs: ms(split.database), harnessMs: ms(split.harness) };
};

async function cannon(o: { url: string; method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; seconds?: number; connections?: number; sides?: Sides }): Promise<Figure> {
  const cpu = o.sides ? cpuMeter(o.sides) : undefined;
  const r = await autocannon({
    url: o.url,
    method: o.method ?? 'GET',
    headers: o.headers ?? {},
    ...(o.body !== undefined ? { body: o.body } : {}),
    duration: o.seconds ?? DURATION,
    connections: o.connections ?? CONNECTIONS,
  });
  return {
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    requests: r.requests.total,
    ...(cpu ? { cpu: perRequest(cpu(), r.requests.total) } : {}),
  };
}

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const formHeaders = (auth: string) => ({ 'content-type': 'application/x-www-form-urlencoded', authorization: auth });

/** Sequential calls, their rate and latency percentiles (admin writes: each one is a transaction with audit). */
async function sequential(n: number, call: (i: number) => Promise<Response>): Promise<Figure> {
  const times: number[] = [];
  let non2xx = 0;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await call(i);
    await res.arrayBuffer();
    if (res.status >= 300) non2xx++;
    times.push(performance.now() - t);
  }
  const secs = (performance.now() - start) / 1000;
  times.sort((a, b) => a - b);
  const pct = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]! * 10) / 10;
  return { rps: Math.round((n / secs) * 10) / 10, p50: pct(50), p99: pct(99), errors: 0, non2xx, requests: n };
}

/**
 * The physical limit of a password sign-in: argon2id verifications per second with the production
 * parameters (directory/credentials/password-hasher.ts), as many in parallel as there are cores,
 * and the CPU time one costs.
 */
async function argon2Rate(seconds: number, parallel: number) {
  const hash = await argon2Hasher.hash(PASSWORD);
  const field = (k: string) => Number(new RegExp(`[$,]${k}=(\\d+)`).exec(hash)?.[1]);
  let done = 0;
  const until = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (performance.now() < until) {
        if (!(await argon2Hasher.verify(hash, PASSWORD))) throw new Error('argon2 verify failed');
        done++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const secs = (performance.now() - t0) / 1000;
  return {
    params: { memoryKiB: field('m'), iterations: field('t'), parallelism: field('p') },
    perSecond: Math.round((done / secs) * 10) / 10,
    cpuMsPerVerify: Math.round(((cpu.user + cpu.system) / 1000 / done) * 10) / 10,
    parallel,
  };
}

/** Full password sign-ins, `concurrency` at a time for `seconds`; where their CPU time went over the same window. */
async function signInLoad(client: SignInClient, usernames: string[], sides: Sides, seconds: number, concurrency: number) {
  // Where a sign-in's CPU goes: the server, PostgreSQL's backends of the bench database (when on this
  // machine), and this process (the user agents: fetch, HTML forms, PKCE, the token exchange).
  const cpu = cpuMeter(sides);
  let done = 0;
  let failed = 0;
  const times: number[] = [];
  let firstError: string | undefined;
  const until = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      while (performance.now() < until) {
        const t = performance.now();
        try {
          await passwordSignIn(client, usernames[i % usernames.length]!, PASSWORD);
          done++;
          times.push(performance.now() - t);
        } catch (err) {
          failed++;
          firstError ??= String(err);
        }
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const used = cpu();
  times.sort((a, b) => a - b);
  if (firstError) log(`sign-in failures (${failed}): ${firstError}`);
  const round = (sec: number) => Math.round(sec * 100) / 100;
  return {
    perSecond: Math.round((done / secs) * 10) / 10,
    p50: Math.round(times[Math.floor(times.length / 2)] ?? 0),
    p99: Math.round(times[Math.floor(times.length * 0.99)] ?? 0),
    failed,
    serverCpuSeconds: round(used.server),
    databaseCpuSeconds: round(used.database),
    agentCpuSeconds: round(used.harness),
    signIns: done,
  };
}

// ---------------------------------------------------------------- the world

interface World {
  adminToken: string;
  partner: { id: string; secret: string };
  title: SignInClient & { clientSecret: string };
  /** One operator per concurrent sign-in: one account signing in several times at once meets the lockout's reservations (R19). */
  signInUsers: string[];
  operatorId: string;
  provinceUnitId: string;
  deepUnitId: string;
  refreshToken: string;
  /** The seeded province's largest unit (by operators), for the accounts page. */
  largeUnitId?: string;
  seedSeconds?: number;
  /** The seed's own figures: units and accounts per second. */
  seedRates?: { unitsPerSecond: number; accountsPerSecond: number };
}

let serial = 100_000 + crypto.randomInt(800_000);
const person = (name: string) => {
  const n = serial++;
  return { name, idNumber: sampleIdNumber(n), phone: samplePhone(n) };
};

async function api(url: string, token: string, method: string, p: string, body?: unknown) {
  const res = await fetch(`${url}/admin/v1${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json().catch(() => ({}))) as any;
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The province administrator, the bench's partner app and operator, seeded through the CLI and the admin API. */
async function seedWorld(url: string, env: NodeJS.ProcessEnv): Promise<World> {
  let province: { unitId: string; username: string; password: string; deepUnitId?: string };
  let clients: Array<{ clientId: string; clientSecret?: string; redirectUris: string[] }> | undefined;
  let seedSeconds: number | undefined;
  let seedRates: World['seedRates'];
  let largeUnitId: string | undefined;
  if (opt.province) {
    const file = path.join(os.tmpdir(), `tongmen-bench-province-${process.pid}.json`);
    const t0 = performance.now();
    log(`seeding the province: ${opt.units} units, ${opt.accounts} accounts (npm run seed:province)`);
    await run('npm', ['run', '--silent', 'seed:province', '--', '--units', opt.units, '--accounts', opt.accounts, '--out', file], { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 });
    seedSeconds = Math.round((performance.now() - t0) / 100) / 10;
    // What autovacuum and the checkpointer would catch up on within minutes of a million-row load is done
    // now, outside every benchmark's window: fresh planner statistics, the dirty pages written.
    log('ANALYZE and CHECKPOINT after the load');
    await adminQuery('ANALYZE', env.DATABASE_URL);
    await adminQuery('CHECKPOINT', env.DATABASE_URL);
    const seeded = JSON.parse(readFileSync(file, 'utf8'));
    province = { unitId: seeded.provinceUnitId, ...seeded.provinceAdmin, deepUnitId: seeded.deepUnitId };
    largeUnitId = seeded.largeUnitId;
    seedRates = {
      unitsPerSecond: Math.round(seeded.units / seeded.seconds.units),
      accountsPerSecond: Math.round((seeded.accounts - seeded.units) / seeded.seconds.accounts),
    };
  } else {
    const admin = person('省管理员');
    const out = JSON.parse(
      await cli('cli/bootstrap.ts', ['--json', '--unit-name', '基准测试省人力资源和社会保障厅', '--uscc', sampleUscc(serial++), '--admin-name', admin.name, '--admin-id-number', admin.idNumber, '--admin-phone', admin.phone], env),
    );
    province = { unitId: out.unit.id, username: out.admin.username, password: out.admin.initialPassword };
    clients = out.clients;
  }
  const consoleClient = { issuer: url, clientId: 'admin-console', redirectUri: `${url}/console/callback`, resource: 'urn:tongmen:admin-api', scope: 'openid' };
  const adminToken = (await passwordSignIn(consoleClient, province.username, province.password, PASSWORD)).access_token;
  // The subsystem client: its secret from bootstrap, or a new one (a seeded province's bootstrap kept it).
  const titleSecret = clients?.find((c) => c.clientId === 'title')?.clientSecret ?? (await api(url, adminToken, 'POST', '/clients/title/rotate-secret', {})).clientSecret;
  const titleClient = (await api(url, adminToken, 'GET', '/clients/title')) as { redirectUris: string[] };
  const title = { issuer: url, clientId: 'title', clientSecret: titleSecret as string, redirectUri: titleClient.redirectUris[0]!, resource: TITLE_RESOURCE, scope: 'openid offline_access' };
  const partner = await api(url, adminToken, 'POST', '/clients', { name: '基准测试合作应用', resources: [TITLE_RESOURCE, PARTNER_RESOURCE], introspection: true, grantTypes: ['client_credentials'] });
  // An operator of the province unit with a title role, who has changed the initial password.
  const opPerson = person('基准经办');
  const op = await api(url, adminToken, 'POST', '/accounts', { ...opPerson, roles: ['title.reviewer'] });
  const tokens = await passwordSignIn(title, opPerson.phone, op.initialPassword, PASSWORD);
  const signInUsers = [opPerson.phone];
  while (signInUsers.length < SIGNIN_CONCURRENCY) {
    const p = person('基准登录');
    const created = await api(url, adminToken, 'POST', '/accounts', { ...p, roles: ['title.reviewer'] });
    await passwordSignIn(title, p.phone, created.initialPassword, PASSWORD);
    signInUsers.push(p.phone);
  }
  // The deep unit: the seeded one, or an employer created here below the province.
  let deepUnitId = province.deepUnitId; // read by the province administrator: the jurisdiction check walks the whole path
  if (!deepUnitId) {
    const emp = await api(url, adminToken, 'POST', '/units', { kind: 'employer', category: 'institution', name: '基准测试学校', uscc: sampleUscc(serial++), admin: person('学校管理员') });
    deepUnitId = emp.unit.id as string;
  }
  return {
    adminToken,
    partner: { id: partner.clientId ?? partner.client.clientId, secret: partner.clientSecret },
    title,
    signInUsers,
    operatorId: op.account.id,
    provinceUnitId: province.unitId,
    deepUnitId: deepUnitId!,
    refreshToken: tokens.refresh_token!,
    ...(seedSeconds !== undefined ? { seedSeconds } : {}),
    ...(seedRates ? { seedRates } : {}),
    ...(largeUnitId ? { largeUnitId } : {}),
  };
}

async function freshAccessToken(w: World): Promise<string> {
  const res = await fetch(`${w.title.issuer}/token`, {
    method: 'POST',
    headers: formHeaders(basic(w.title.clientId, w.title.clientSecret)),
    body: form({ grant_type: 'refresh_token', refresh_token: w.refreshToken }),
  });
  const json = (await res.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`refresh failed: ${JSON.stringify(json)}`);
  return json.access_token;
}

// ---------------------------------------------------------------- runs

async function benchTongmen(env: NodeJS.ProcessEnv, url: string, workers: number, world: World | undefined) {
  const profileDir = opt.profile ? path.resolve(opt.profile, `tongmen-w${workers}`) : undefined;
  // As `npm start` runs it: the compiled build (scripts/build-server.ts, brought up to date below).
  const args = [...(profileDir ? [`--cpu-prof`, `--cpu-prof-dir=${profileDir}`] : []), ...START_ARGS];
  const server = startProcess(args, { ...env, WORKERS: String(workers) });
  const pids = () => processTree(server.child.pid!);
  const sides: Sides = { server: pids, database: () => databaseBackends(dbName) };
  try {
    await waitReady(url, server);
    const w = world ?? (await seedWorld(url, env));
    // The peak so far after each group: which load drove the process's memory up.
    const peaks: Array<{ after: string; peakMb: number[] }> = [];
    const peakAfter = (after: string) => peaks.push({ after, peakMb: pids().map((pid) => memory(pid).peakMb) });
    peakAfter('start');
    const tokens = ONLY.has('tokens') ? await tokenBenches(url, w, sides) : undefined;
    if (tokens) peakAfter('token grants');
    let signIn;
    if (ONLY.has('signin')) {
      log(`tongmen ×${workers}: password sign-ins (${SIGNIN_SECONDS}s)`);
      signIn = await signInLoad(w.title, w.signInUsers, sides, SIGNIN_SECONDS, SIGNIN_CONCURRENCY);
      peakAfter('sign-ins');
    }
    const admin = ONLY.has('admin') ? await adminBenches(url, w, workers) : undefined;
    if (admin) peakAfter('admin API');
    const memoryByPid = pids().map((pid) => ({ pid, ...memory(pid) }));
    return {
      world: w,
      figures: { workers, ...tokens, signIn, admin, memory: memoryByPid, peaks },
    };
  } finally {
    await server.stop();
  }
}

async function tokenBenches(url: string, w: World, sides: Sides) {
  log('tongmen: token grants');
  const partnerAuth = basic(w.partner.id, w.partner.secret);
  const cc = await cannon({ url: `${url}/token`, method: 'POST', headers: formHeaders(partnerAuth), body: form({ grant_type: 'client_credentials', resource: PARTNER_RESOURCE }), sides });
  const refresh = await cannon({ url: `${url}/token`, method: 'POST', headers: formHeaders(basic(w.title.clientId, w.title.clientSecret)), body: form({ grant_type: 'refresh_token', refresh_token: w.refreshToken }), sides });
  const jwt = await freshAccessToken(w);
  const check = await fetch(`${url}/token/introspection`, { method: 'POST', headers: formHeaders(partnerAuth), body: form({ token: jwt }) });
  const checked = (await check.json()) as { active?: boolean };
  if (!checked.active) throw new Error(`the subsystem token does not introspect as active: ${JSON.stringify(checked)}`);
  const introspect = await cannon({ url: `${url}/token/introspection`, method: 'POST', headers: formHeaders(partnerAuth), body: form({ token: jwt }), sides });
  return { cc, refresh, introspect };
}

async function adminBenches(url: string, w: World, workers: number) {
  log(`tongmen ×${workers}: admin API`);
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  const unitRead = await cannon({ url: `${url}/admin/v1/units/${w.deepUnitId}`, headers: bearer(w.adminToken) });
  const subtreePage = await cannon({ url: `${url}/admin/v1/units?limit=50`, headers: bearer(w.adminToken) });
  const subtree = await cannon({ url: `${url}/admin/v1/units/${w.provinceUnitId}/tree?depth=1`, headers: bearer(w.adminToken) });
  // The latency targets (issue 11: jurisdiction check p99 ≤ 10 ms, subtree page p99 ≤ 50 ms) are per request: one connection.
  const unitReadAlone = await cannon({ url: `${url}/admin/v1/units/${w.deepUnitId}`, headers: bearer(w.adminToken), connections: 1 });
  const subtreePageAlone = await cannon({ url: `${url}/admin/v1/units?limit=50`, headers: bearer(w.adminToken), connections: 1 });
  const accountsPage = w.largeUnitId ? await cannon({ url: `${url}/admin/v1/accounts?unitId=${w.largeUnitId}&limit=50`, headers: bearer(w.adminToken), connections: 1 }) : undefined;
  const created: string[] = [];
  const createOperator = await sequential(ADMIN_WRITES, async () => {
    const res = await fetch(`${url}/admin/v1/accounts`, { method: 'POST', headers: { ...bearer(w.adminToken), 'content-type': 'application/json' }, body: JSON.stringify(person('基准新经办')) });
    const clone = res.clone();
    if (res.status === 201) created.push(((await clone.json()) as any).account.id);
    return res;
  });
  const roleGrant = await sequential(created.length, (i) =>
    fetch(`${url}/admin/v1/roles/title.reviewer/members`, { method: 'POST', headers: { ...bearer(w.adminToken), 'content-type': 'application/json' }, body: JSON.stringify({ accountIds: [created[i]] }) }),
  );
  return { unitRead, subtreePage, subtree, unitReadAlone, subtreePageAlone, accountsPage, createOperator, roleGrant };
}

/** `npm start`'s node arguments (V8 flags, then the compiled server): the bench runs the server as deployed. */
const START_ARGS = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start as string).split(/\s+/).slice(1);
/** The same V8 flags for the baseline, so that neither process is tuned and the other not. */
const NODE_FLAGS = START_ARGS.filter((a) => a.startsWith('--'));

/** The baseline compiled like Tongmen's server (no TypeScript loader in either process's time or memory). */
const baselineScript = path.join(ROOT, 'dist', 'bench-baseline.js');
async function buildBaseline() {
  await esbuild.build({
    absWorkingDir: ROOT, entryPoints: ['bench/baseline.ts'], outfile: baselineScript,
    bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node22', logLevel: 'warning',
  });
}

async function benchBaseline(alg: string) {
  await buildBaseline();
  let info: any;
  const ready = new Promise<void>((resolve) => {
    const proc = startProcess([...NODE_FLAGS, baselineScript], { ...process.env, BENCH_ALG: alg }, (line) => {
      try {
        info = JSON.parse(line);
        resolve();
      } catch {
        // not ours
      }
    });
    baselineProc = proc;
  });
  await ready;
  try {
    const auth = basic(info.clientId, info.clientSecret);
    const sides: Sides = { server: () => [baselineProc!.child.pid!] };
    log('baseline: token grants');
    // Refresh first: the in-memory adapter is an LRU of 1,000 entries, which the client-credentials
    // run's tokens would flush the grant and refresh token out of.
    const refresh = await cannon({ url: `${info.url}/token`, method: 'POST', headers: formHeaders(auth), body: form({ grant_type: 'refresh_token', refresh_token: info.refreshToken }), sides });
    const cc = await cannon({ url: `${info.url}/token`, method: 'POST', headers: formHeaders(auth), body: form({ grant_type: 'client_credentials', resource: info.partnerResource }), sides });
    const tokenRes = await fetch(`${info.url}/token`, { method: 'POST', headers: formHeaders(auth), body: form({ grant_type: 'client_credentials', resource: info.partnerResource }) });
    const opaque = ((await tokenRes.json()) as { access_token: string }).access_token;
    const introspect = await cannon({ url: `${info.url}/token/introspection`, method: 'POST', headers: formHeaders(auth), body: form({ token: opaque }), sides });
    return { cc, refresh, introspect, memory: memory(baselineProc!.child.pid!) };
  } finally {
    await baselineProc?.stop();
  }
}
let baselineProc: Proc | undefined;

// ---------------------------------------------------------------- report

const ratio = (a: number, b: number) => (b ? Math.round((a / b) * 100) / 100 : 0);
const pad = (s: string | number, n: number) => String(s).padEnd(n);
const padl = (s: string | number, n: number) => String(s).padStart(n);

const province = (p: any) =>
  p
    ? `; province ${p.units} units / ${p.accounts} accounts, loaded in ${p.seedSeconds} s (${p.seedRates?.unitsPerSecond} units/s, ${p.seedRates?.accountsPerSecond} operators/s; target ≥ 5,000 accounts/s)`
    : '';

function table(result: any): string {
  const b = result.baseline;
  const rows: string[] = [];
  const a = result.argon2;
  rows.push(
    `machine: ${result.machine.cores} cores, ${result.machine.model}, node ${result.machine.node}; load average at the end ${result.machine.loadAvg.map((x: number) => x.toFixed(1)).join(' ')}`,
    a
      ? `argon2id m=${a.params.memoryKiB} KiB t=${a.params.iterations} p=${a.params.parallelism}: ${a.perSecond} verifications/s with ${a.parallel} in parallel, ${a.cpuMsPerVerify} ms CPU each; JWT access tokens ${result.settings.accessTokenAlg} (baseline the same)`
      : `JWT access tokens ${result.settings.accessTokenAlg} (baseline the same)`,
    `${result.settings.connections} connections × ${result.settings.durationSeconds}s per HTTP benchmark; sign-ins ${result.settings.signInConcurrency} at a time for ${result.settings.signInSeconds}s${province(result.settings.province)}`,
    '',
  );
  const head = `${pad('benchmark', 34)}${padl('req/s', 9)}${padl('p50 ms', 9)}${padl('p99 ms', 9)}${padl('ratio', 8)}  vs`;
  rows.push(head, '-'.repeat(head.length + 20));
  const line = (name: string, f: { rps: number; p50: number; p99: number }, r?: number, vs = '') =>
    rows.push(`${pad(name, 34)}${padl(f.rps, 9)}${padl(f.p50, 9)}${padl(f.p99, 9)}${padl(r === undefined ? '' : `${r}×`, 8)}  ${vs}`);
  // Where a request's CPU went: on 2 shared cores the rate is bounded by the sum over every process.
  const cpuLine = (f: Figure) => {
    if (!f.cpu) return;
    const { serverMs, databaseMs, harnessMs } = f.cpu;
    const db = databaseMs ? ` + PostgreSQL ${databaseMs}` : '';
    rows.push(`${pad('', 34)}CPU ms per request: server ${serverMs}${db} + load generator ${harnessMs} = ${Math.round((serverMs + databaseMs + harnessMs) * 100) / 100}`);
  };
  if (b) {
    line('baseline client credentials', b.cc);
    cpuLine(b.cc);
    line('baseline refresh', b.refresh);
    cpuLine(b.refresh);
    line('baseline introspection (opaque)', b.introspect);
    cpuLine(b.introspect);
  }
  for (const t of result.tongmen) {
    const w = `×${t.workers}`;
    if (b && t.cc) {
      line(`tongmen ${w} client credentials`, t.cc, ratio(t.cc.rps, b.cc.rps), 'baseline');
      cpuLine(t.cc);
      line(`tongmen ${w} refresh`, t.refresh, ratio(t.refresh.rps, b.refresh.rps), 'baseline');
      cpuLine(t.refresh);
      line(`tongmen ${w} introspection (JWT)`, t.introspect, ratio(t.introspect.rps, b.introspect.rps), 'baseline');
      cpuLine(t.introspect);
    }
    if (a && t.signIn) {
      const s = t.signIn;
      line(`tongmen ${w} password sign-in`, { rps: s.perSecond, p50: s.p50, p99: s.p99 }, ratio(s.perSecond, a.perSecond), `argon2id ${a.perSecond}/s; hash = ${s.hashCpuShare}% of server CPU`);
      if (s.signIns) {
        const per = (sec: number) => Math.round((sec * 1000 * 10) / s.signIns) / 10;
        rows.push(
          `${pad('', 34)}CPU per sign-in: hash ${a.cpuMsPerVerify} ms + rest of the server ${Math.round((per(s.serverCpuSeconds) - a.cpuMsPerVerify) * 10) / 10} ms + PostgreSQL ${per(s.databaseCpuSeconds)} ms + user agents ${per(s.agentCpuSeconds)} ms`,
        );
      }
    }
    if (t.admin) {
      line(`tongmen ${w} admin: deep unit read`, t.admin.unitRead);
      line(`tongmen ${w} admin: units page`, t.admin.subtreePage);
      line(`tongmen ${w} admin: subtree depth 1`, t.admin.subtree);
      if (t.admin.unitReadAlone) {
        line(`tongmen ${w} admin: deep unit read`, t.admin.unitReadAlone, undefined, '1 connection; target p99 ≤ 10 ms');
        line(`tongmen ${w} admin: units page`, t.admin.subtreePageAlone, undefined, '1 connection; target p99 ≤ 50 ms');
      }
      if (t.admin.accountsPage) line(`tongmen ${w} admin: accounts page`, t.admin.accountsPage, undefined, '1 connection; the largest unit, first 50');
      line(`tongmen ${w} admin: create operator`, t.admin.createOperator, undefined, 'sequential');
      line(`tongmen ${w} admin: role grant`, t.admin.roleGrant, undefined, 'sequential');
    }
    rows.push(`${pad(`tongmen ${w} peak RSS`, 34)}${t.memory.map((m: any) => `${m.peakMb} MB`).join(' + ')}  (the node process first, then its workers)`);
    if (t.peaks?.length) rows.push(`${pad('', 34)}peak so far after ${t.peaks.map((p: any) => `${p.after} ${p.peakMb.join(' + ')}`).join(', ')} MB`);
  }
  if (b) rows.push(`${pad('baseline peak RSS', 34)}${b.memory.peakMb} MB`);
  const one = result.tongmen.find((t: any) => t.workers === 1);
  const two = result.tongmen.find((t: any) => t.workers === 2);
  if (one && two) {
    const scale = [
      ...(one.cc ? [`client credentials ${ratio(two.cc.rps, one.cc.rps)}×`, `refresh ${ratio(two.refresh.rps, one.refresh.rps)}×`, `introspection ${ratio(two.introspect.rps, one.introspect.rps)}×`] : []),
      ...(one.signIn ? [`sign-in ${ratio(two.signIn.perSecond, one.signIn.perSecond)}×`] : []),
    ];
    if (scale.length) rows.push(`scaling 1 → 2 processes: ${scale.join(', ')}`);
  }
  const errors = [...(b ? [{ ...b, workers: 'baseline' }] : []), ...result.tongmen].flatMap((t: any) =>
    (['cc', 'refresh', 'introspect'] as const).filter((k) => t[k] && (t[k].non2xx || t[k].errors)).map((k) => `${t.workers} ${k}: ${t[k].non2xx} non-2xx, ${t[k].errors} errors`),
  );
  if (errors.length) rows.push(`WARNING ${errors.join('; ')}`);
  return rows.join('\n');
}

// ---------------------------------------------------------------- main

const dbName = `tongmen_bench_${crypto.randomBytes(4).toString('hex')}`;
const dbUrl = new URL(databaseUrl);
dbUrl.pathname = `/${dbName}`;
let exitCode = 0;
try {
  await adminQuery(`CREATE DATABASE ${dbName}`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Not production: that demands a second factor for administrators (R23), which the bench does not walk.
    // The argon2id parameters are the same constants in every environment.
    NODE_ENV: 'development',
    PORT: String(port),
    ISSUER: url,
    DATABASE_URL: dbUrl.toString(),
    PII_KEY: generatePiiKey(),
    COOKIE_KEYS: crypto.randomBytes(24).toString('base64url'),
    LOG_LEVEL: 'warn',
    ADMIN_MFA: 'off',
    DEMO: 'off',
    // The bench signs one account in many times from one address: the per-address throttle would stop it.
    SIGNIN_THROTTLE_PER_MINUTE: '1000000',
  };
  const alg = (await import('../identity/resources.ts')).ACCESS_TOKEN_ALG;
  log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model}), node ${process.version}; JWT access tokens ${alg}`);
  let argon2: Awaited<ReturnType<typeof argon2Rate>> | undefined;
  if (ONLY.has('signin')) {
    log('argon2id verification rate');
    argon2 = await argon2Rate(quick ? 1 : 10, os.availableParallelism());
  }
  await cli('scripts/build-server.ts', ['--if-stale'], process.env);
  const baseline = ONLY.has('tokens') ? await benchBaseline(alg) : undefined;
  const tongmen = [];
  let world: World | undefined;
  for (const workers of WORKER_COUNTS) {
    const { world: w, figures } = await benchTongmen(env, url, workers, world);
    world = w;
    const { signIn } = figures;
    const hashCpu = signIn && argon2 ? (signIn.signIns * argon2.cpuMsPerVerify) / 1000 : 0;
    tongmen.push({ ...figures, signIn: signIn && { ...signIn, hashCpuShare: signIn.serverCpuSeconds ? Math.round((hashCpu / signIn.serverCpuSeconds) * 100) : 0 } });
  }
  const result = {
    at: new Date().toISOString(),
    machine: { cores: os.cpus().length, availableParallelism: os.availableParallelism(), model: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAvg: os.loadavg() },
    settings: { durationSeconds: DURATION, connections: CONNECTIONS, signInSeconds: SIGNIN_SECONDS, signInConcurrency: SIGNIN_CONCURRENCY, adminWrites: ADMIN_WRITES, province: opt.province ? { units: Number(opt.units), accounts: Number(opt.accounts), seedSeconds: world?.seedSeconds, seedRates: world?.seedRates } : null, accessTokenAlg: alg },
    argon2,
    baseline,
    tongmen,
  };
  const printed = table(result);
  process.stdout.write(`${printed}\n`);
  const out = opt.out ?? path.join(ROOT, 'bench', 'results', `${result.at.replace(/[:.]/g, '-')}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ ...result, table: printed }, null, 2)}\n`);
  log(`written ${out}`);
} catch (err) {
  log(`failed: ${err instanceof Error ? err.stack : String(err)}`);
  exitCode = 1;
} finally {
  await baselineProc?.stop();
  if (opt['keep-db']) log(`kept database ${dbName}`);
  else await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((err: unknown) => log(`could not drop ${dbName}: ${String(err)}`));
}
process.exit(exitCode);
