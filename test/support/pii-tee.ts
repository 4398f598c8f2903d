import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Sequelize } from 'sequelize';
import { expect } from 'vitest';
import { createLogger, type Logger } from '../../platform/logger.ts';
import { scanDir, type TeeRecord } from './pii-scan.ts';

/**
 * The run's tee for the personal-information scan (issue 12): what this test process's servers
 * answered, logged and audited, appended as ndjson to one file per process under the run's
 * directory (`TONGMEN_PII_RUN`, set by the global setup), read by the global teardown. Buffered in
 * memory and written after each test file (and when the buffer grows), so the suite does not slow.
 */
const runId = process.env.TONGMEN_PII_RUN;
const file = runId ? path.join(scanDir(runId), `${process.pid}.ndjson`) : undefined;
let buffer: string[] = [];
let buffered = 0;
const FLUSH_AT = 1 << 20;
/** Bodies beyond this are cut (binary exports); everything a leak would hide in is far smaller. */
const BODY_CAP = 4 << 20;

const currentTest = () => {
  const s = expect.getState();
  return `${path.basename(s.testPath ?? '?')} › ${s.currentTestName ?? '(setup)'}`;
};

export function tee(kind: TeeRecord['kind'], where: string, text: string): void {
  if (!file || !text) return;
  const line = JSON.stringify({ kind, test: currentTest(), where, text } satisfies TeeRecord);
  buffer.push(line);
  buffered += line.length;
  if (buffered >= FLUSH_AT) flushTee();
}

export function flushTee(): void {
  if (!file || !buffer.length) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, `${buffer.join('\n')}\n`);
  buffer = [];
  buffered = 0;
}

const TAPPED = Symbol.for('tongmen.pii-tee');
const UNTAPPED = Symbol.for('tongmen.pii-tee.untapped');

/**
 * Leaves a test's stand-in for a third party out of the scan: a fake SMS provider is the operator's
 * gateway, which receives the phone by design and answers with it as the real one does.
 */
export function untapped<T extends http.Server>(server: T): T {
  (server as T & { [UNTAPPED]?: boolean })[UNTAPPED] = true;
  return server;
}

/**
 * Every HTTP answer written by any server in this process (Tongmen nodes, whatever builds them)
 * is teed: status, `Location` and body. Installed once per test process by `pii-setup.ts`.
 */
export function tapResponses(): void {
  const proto = http.ServerResponse.prototype as http.ServerResponse & { [TAPPED]?: boolean };
  if (!file || proto[TAPPED]) return;
  proto[TAPPED] = true;
  const chunks = new WeakMap<http.ServerResponse, { parts: Buffer[]; size: number }>();
  const keep = (res: http.ServerResponse, chunk: unknown, encoding: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const entry = chunks.get(res) ?? { parts: [], size: 0 };
    chunks.set(res, entry);
    if (entry.size >= BODY_CAP) return;
    const buf = Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : Buffer.from(chunk as Uint8Array);
    entry.parts.push(buf);
    entry.size += buf.length;
  };
  const write = proto.write;
  const end = proto.end;
  proto.write = function (this: http.ServerResponse, chunk: unknown, ...rest: unknown[]) {
    keep(this, chunk, rest[0]);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof proto.write;
  proto.end = function (this: http.ServerResponse, ...args: unknown[]) {
    const server = (this.req?.socket as { server?: { [UNTAPPED]?: boolean } } | undefined)?.server;
    if (server?.[UNTAPPED]) {
      chunks.delete(this);
      return (end as (...a: unknown[]) => http.ServerResponse).apply(this, args);
    }
    keep(this, args[0], args[1]);
    const body = Buffer.concat(chunks.get(this)?.parts ?? []).toString('utf8');
    chunks.delete(this);
    const location = this.getHeader('location');
    const where = `${this.req?.method ?? '?'} ${(this.req?.url ?? '').split('?')[0]}`;
    tee('http', where, `${this.statusCode}${location ? ` location=${String(location)}` : ''} ${body}`);
    return (end as (...a: unknown[]) => http.ServerResponse).apply(this, args);
  } as typeof proto.end;
}

/**
 * The logger for the test servers: every line (level `debug` and up: the access log included) goes
 * to the tee; `TEST_LOG_LEVEL` also shows them on standard output as before.
 */
export function testLogger(level: string): Logger {
  if (!file) return createLogger(level);
  const show = level !== 'silent';
  return createLogger('debug', {
    destination: {
      write(line: string) {
        tee('log', 'tongmen', line);
        if (show) process.stdout.write(line);
      },
    },
  });
}

/** Tees every audit event of a test database (called when its server closes). */
export async function teeAuditEvents(sequelize: Sequelize): Promise<void> {
  if (!file) return;
  try {
    const [rows] = await sequelize.query('SELECT row_to_json(e)::text AS row FROM audit_events e ORDER BY seq');
    for (const r of rows as Array<{ row: string }>) tee('audit', 'audit_events', r.row);
  } catch {
    // A test that broke its own database on purpose (faults, tampering) has nothing to add here.
  }
}
