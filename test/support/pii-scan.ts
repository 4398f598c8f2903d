import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseIdNumber } from '../../directory/codes/id-number.ts';

/**
 * Issue 12, personal information — the whole test run is scanned for full citizen ID numbers and
 * mobile numbers: every HTTP answer a Tongmen process of the run wrote, every log line, every audit
 * event (see `pii-tee.ts`, which writes them under {@link scanDir}); the global teardown fails the
 * run when one is found (`test/global-setup.ts`).
 */
export const scanDir = (runId: string) => path.join(os.tmpdir(), `tongmen-pii-${runId}`);

/** One thing the run wrote: an answer (`http`), a log line (`log`) or an audit event (`audit`). */
export interface TeeRecord {
  kind: 'http' | 'log' | 'audit';
  /** The test file and test that were running (for the report). */
  test: string;
  /** `GET /admin/v1/accounts/…` (path only: a query may carry what the client sent) or the logger's / table's name. */
  where: string;
  text: string;
}

// 17 digits + check character, not part of a longer code (a USCC has letters; random ids are hex):
// only those whose check character and birth date are valid (GB 11643) count.
const ID_NUMBER = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g;
// 11 digits 1[3-9]…, not inside a longer number, a decimal fraction or an identifier; or after +86.
const PHONE = /(?<![0-9A-Za-z.])1[3-9]\d{9}(?![0-9A-Za-z])|(?<=\+86[\s-]?)1[3-9]\d{9}(?!\d)/g;

const isIdNumber = (s: string) => {
  try {
    parseIdNumber(s);
    return true;
  } catch {
    return false;
  }
};

/**
 * Answers that carry a full value on purpose, each with its reason; `before` (when given) must match
 * the text just before the value. Nothing else may.
 */
export const ALLOWED: ReadonlyArray<{ kind: TeeRecord['kind']; where: RegExp; before?: RegExp; why: string }> = [
  {
    kind: 'http',
    where: /^GET \/dev\/sms-outbox$/,
    why: 'SPEC §5: the development SMS outbox (never mounted in production) answers {messages: [{phone, …}]} for the phone the caller named',
  },
  {
    kind: 'http',
    where: /^POST \/(interaction|account)\//,
    before: /<input [^>]*name="(username|phone)"[^>]*value="$/,
    why: 'a form answering its own submission keeps what the person typed in the sign-in name or phone field (never shown to anyone else; the pages are no-store)',
  },
  {
    kind: 'http',
    where: /^POST \/dev\/essc\/confirm$/,
    before: /<input [^>]*name="idNumber"[^>]*value="$/,
    why: 'SPEC §5: the development card-app simulator (never mounted in production) keeps the ID number its tester typed in its own form',
  },
];

export interface Finding {
  kind: TeeRecord['kind'];
  what: 'id_number' | 'phone';
  test: string;
  where: string;
  /** The value masked (the report itself must not leak it) and a little context around it, masked too. */
  value: string;
  context: string;
}

const mask = (s: string) => s.replace(/(\d{3,4})\d+(\d{4}|\d{3}[Xx])/g, (_m, a: string, b: string) => `${a}****${b}`);

/** The full ID numbers and phones in one record. */
export function findingsIn(r: TeeRecord): Finding[] {
  const rules = ALLOWED.filter((a) => a.kind === r.kind && a.where.test(r.where));
  if (rules.some((a) => !a.before)) return [];
  const out: Finding[] = [];
  const add = (what: Finding['what'], m: RegExpMatchArray) => {
    const at = m.index ?? 0;
    if (rules.some((a) => a.before?.test(r.text.slice(Math.max(0, at - 300), at)))) return;
    out.push({ kind: r.kind, what, test: r.test, where: r.where, value: mask(m[0]), context: mask(r.text.slice(Math.max(0, at - 60), at + m[0].length + 40)) });
  };
  for (const m of r.text.matchAll(ID_NUMBER)) if (isIdNumber(m[0])) add('id_number', m);
  for (const m of r.text.matchAll(PHONE)) add('phone', m);
  return out;
}

/** Scans every record file of a run; returns the findings and how much was read. */
export function scanRun(dir: string): { findings: Finding[]; records: number; bytes: number } {
  const findings: Finding[] = [];
  let records = 0;
  let bytes = 0;
  if (!fs.existsSync(dir)) return { findings, records, bytes };
  for (const file of fs.readdirSync(dir)) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    bytes += text.length;
    for (const line of text.split('\n')) {
      if (!line) continue;
      records++;
      findings.push(...findingsIn(JSON.parse(line) as TeeRecord));
    }
  }
  return { findings, records, bytes };
}

/** The teardown's report: what leaked where (values masked), at most 20 lines. */
export function report(findings: Finding[]): string {
  const lines = findings.slice(0, 20).map((f) => `- ${f.what} in ${f.kind} ${f.where} (${f.test}): ${f.value} … ${JSON.stringify(f.context)}`);
  const more = findings.length > 20 ? [`… and ${findings.length - 20} more`] : [];
  return [`Personal information scan (issue 12): ${findings.length} full ID number(s) or phone(s) found:`, ...lines, ...more].join('\n');
}
