import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_AREAS, ERROR_CATALOGUE, isErrorCode, type ErrorCode } from '../platform/error-codes/index.ts';

/**
 * Issue 6 item 5 — every code the product can answer is in the catalogue, with the status it is
 * thrown with. The compiler already refuses an uncatalogued literal code and a helper of the wrong
 * status; this scan also covers what it cannot see: codes that reach `AppError` through a variable
 * (each such site is named below with where its codes are written), codes written straight into an
 * answer, `new AppError(status, …)` with a status the catalogue does not give, and entries that no
 * site throws any more.
 */

const ROOT = path.resolve(import.meta.dirname, '..');
const SCANNED = ['platform', 'directory', 'identity', 'admin-api', 'server', 'subsystems', 'cli'];
/** The error type, its helpers and the catalogue itself: `new AppError(400, code, …)` there is no throw site. */
const isDefinition = (file: string) => file === 'platform/errors.ts' || file.startsWith('platform/error-codes/');

const HELPER_STATUS: Record<string, number> = {
  badRequest: 400,
  unauthorized: 401,
  forbidden: 403,
  notFound: 404,
  conflict: 409,
  tooManyRequests: 429,
};

interface Site {
  file: string;
  line: number;
  code: string;
  /** Undefined where the status comes from the catalogue itself (`appError`, a raw answer). */
  status: number | undefined;
}

/**
 * The sites that pass a code through a variable, each with the file and pattern where its codes are
 * written as literals (and the status they are thrown with), or none when the site only forwards
 * the code of an AppError thrown elsewhere. A new non-literal site fails the test until it is added here.
 */
const INDIRECT: Array<{ file: string; call: RegExp; source?: string; literal?: RegExp; status?: number }> = [
  // The error responder answers an AppError with its own code.
  { file: 'server/http.ts', call: /^errorBody\(err\.code\b/ },
  {
    // The account-power rule returns refusals; the guard throws them with their own status.
    file: 'directory/authz/account-power-guard.ts',
    call: /^new AppError\(r\.status, r\.code/,
    source: 'directory/authz/account-power.ts',
    literal: /\brefuse\(\s*(\d{3}),\s*'([^']+)'/g,
  },
  {
    file: 'directory/unique-conflicts.ts',
    call: /^conflict\(code\b/,
    source: 'directory/unique-conflicts.ts',
    literal: /\[\s*'([^']+)',\s*'[^']*'\s*\]/g,
    status: 409,
  },
  {
    file: 'admin-api/auth.ts',
    call: /^unauthorized\(code\b/,
    source: 'admin-api/auth.ts',
    literal: /\brefuse\([^,()]+,\s*[^,()]+,\s*'([^']+)'/g,
    status: 401,
  },
  {
    file: 'directory/persons/person-service.ts',
    call: /^conflict\(\s*PERSON_UNAVAILABLE\b/,
    source: 'directory/persons/person-service.ts',
    literal: /\bPERSON_UNAVAILABLE = '([^']+)'/g,
    status: 409,
  },
];

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (rel.endsWith('.ts') && !rel.endsWith('.test.ts')) out.push(rel);
    }
  };
  SCANNED.forEach(walk);
  return out.sort();
}

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;
const literalOf = (expr: string) => /^\s*'([^']*)'\s*$/.exec(expr)?.[1];

/** Every throw site and raw answer of the scanned source, and the non-literal sites left unresolved. */
function scan(files: Record<string, string>) {
  const sites: Site[] = [];
  const unresolved: string[] = [];
  const indirectUsed = new Set<number>();
  const indirect = (file: string, at: number, expr: string) => {
    const i = INDIRECT.findIndex((x) => x.file === file && x.call.test(files[file]!.slice(at)));
    if (i < 0) unresolved.push(`${file}:${lineOf(files[file]!, at)} passes the code as \`${expr.trim()}\``);
    else indirectUsed.add(i);
  };
  for (const [file, text] of Object.entries(files)) {
    if (isDefinition(file)) continue;
    for (const m of text.matchAll(/\b(badRequest|unauthorized|forbidden|notFound|conflict|tooManyRequests)\(\s*([^,)]*)/g)) {
      const code = literalOf(m[2]!);
      if (code === undefined) indirect(file, m.index, m[2]!);
      else sites.push({ file, line: lineOf(text, m.index), code, status: HELPER_STATUS[m[1]!] });
    }
    for (const m of text.matchAll(/\bnew AppError(?:<[^>]*>)?\(\s*([^,]+),\s*([^,)]+)/g)) {
      const code = literalOf(m[2]!);
      const status = /^\s*(\d{3})\s*$/.exec(m[1]!)?.[1];
      if (code === undefined || status === undefined) indirect(file, m.index, `${m[1]}, ${m[2]}`);
      else sites.push({ file, line: lineOf(text, m.index), code, status: Number(status) });
    }
    // The catalogue's own status: `appError(code)`, and answers written without an AppError.
    for (const m of text.matchAll(/\b(?:appError|errorBody)\(\s*([^,)]+)/g)) {
      const codes = [...m[1]!.matchAll(/'([^']+)'/g)].map((c) => c[1]!);
      if (!codes.length) indirect(file, m.index, m[1]!);
      for (const code of codes) sites.push({ file, line: lineOf(text, m.index), code, status: undefined });
    }
  }
  INDIRECT.forEach((x, i) => {
    if (!indirectUsed.has(i) || !x.source || !x.literal) return;
    const text = files[x.source]!;
    for (const m of text.matchAll(x.literal)) {
      const [status, code] = m.length > 2 ? [Number(m[1]), m[2]!] : [x.status, m[1]!];
      sites.push({ file: x.source, line: lineOf(text, m.index), code, status });
    }
  });
  return { sites, unresolved, indirectUsed };
}

const read = () => Object.fromEntries(sourceFiles().map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8')]));

/** What is wrong between the throw sites and the catalogue, one line each. */
function problems(files: Record<string, string>, catalogue: Record<string, { status: number }>): string[] {
  const { sites, unresolved, indirectUsed } = scan(files);
  const out = [...unresolved];
  INDIRECT.forEach((x, i) => {
    if (!indirectUsed.has(i)) out.push(`INDIRECT entry for ${x.file} matches no call any more: update the test`);
  });
  for (const s of sites) {
    const entry = Object.hasOwn(catalogue, s.code) ? catalogue[s.code] : undefined;
    if (!entry) out.push(`${s.file}:${s.line} throws ${s.code}, which is not in the catalogue (platform/error-codes/)`);
    else if (s.status !== undefined && s.status !== entry.status) {
      out.push(`${s.file}:${s.line} throws ${s.code} with ${s.status}, the catalogue says ${entry.status}`);
    }
  }
  const thrown = new Set(sites.map((s) => s.code));
  for (const code of Object.keys(catalogue)) {
    if (!thrown.has(code)) out.push(`${code} is catalogued but no site throws it: remove it from the catalogue`);
  }
  return out;
}

describe('issue 6 item 5: the error-code catalogue', () => {
  it('every code thrown or answered is catalogued with the status it is thrown with, and every entry is thrown', () => {
    const files = read();
    expect(problems(files, ERROR_CATALOGUE)).toEqual([]);
    // The scan sees the sites: the known indirect ones are all resolved, and there are many literal ones.
    const { sites, indirectUsed } = scan(files);
    expect(indirectUsed.size).toBe(INDIRECT.length);
    expect(sites.length).toBeGreaterThan(100);
  });

  it('the check names a code missing from the catalogue, a wrong status and an unresolved variable code', () => {
    const files = read();
    const { 'unit.uscc_taken': _gone, ...withoutOne } = ERROR_CATALOGUE;
    expect(problems(files, withoutOne)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^directory\/units\/unit-service\.ts:\d+ throws unit\.uscc_taken, which is not in the catalogue/)]),
    );
    const wrongStatus = { ...ERROR_CATALOGUE, 'unit.not_found': { ...ERROR_CATALOGUE['unit.not_found'], status: 403 } };
    expect(problems(files, wrongStatus)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^directory\/units\/unit-service\.ts:\d+ throws unit\.not_found with 404, the catalogue says 403$/)]),
    );
    const patched = { ...files, 'directory/units/unit-service.ts': `${files['directory/units/unit-service.ts']}\nconst c = 'unit.x';\nthrow notFound(c, 'x');\n` };
    expect(problems(patched, ERROR_CATALOGUE)).toEqual([expect.stringMatching(/^directory\/units\/unit-service\.ts:\d+ passes the code as `c`$/)]);
    const raw = { ...files, 'server/http.ts': `${files['server/http.ts']}\nerrorBody('request.typo', lang);\n` };
    expect(problems(raw, ERROR_CATALOGUE)).toEqual([expect.stringMatching(/^server\/http\.ts:\d+ throws request\.typo, which is not in the catalogue/)]);
  });

  it('each code belongs to one area and has a status, a zh-CN and an English message', () => {
    const seen = new Map<string, string>();
    for (const area of ERROR_AREAS) {
      for (const [code, entry] of Object.entries(area.codes) as Array<[ErrorCode, (typeof ERROR_CATALOGUE)[ErrorCode]]>) {
        expect(seen.get(code), `${code} is in ${seen.get(code)} and ${area.name}`).toBeUndefined();
        seen.set(code, area.name);
        expect(isErrorCode(code)).toBe(true);
        expect(entry.status, code).toBeGreaterThanOrEqual(400);
        expect(entry.status, code).toBeLessThan(600);
        expect(entry.zh, code).toMatch(/[\u4e00-\u9fff]/);
        expect(entry.en, code).toMatch(/^[\x20-\x7e’]+$/);
        const variants = 'zhByDetail' in entry ? Object.values(entry.zhByDetail.messages) : [];
        for (const v of variants) expect(v, code).toMatch(/[\u4e00-\u9fff]/);
      }
    }
    expect(seen.size).toBe(Object.keys(ERROR_CATALOGUE).length);
  });
});
