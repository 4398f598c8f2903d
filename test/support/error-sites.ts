import fs from 'node:fs';
import path from 'node:path';

/**
 * Issue 6 item 5 — finds every place the product throws or answers an error code: literal codes
 * given to `AppError` and its helpers, codes that reach them through a variable (each such site
 * named in `INDIRECT`, with where its codes are written), and answers written without an AppError
 * (`errorBody`). Used by the catalogue check and by the OpenAPI check.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
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

export interface Site {
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
export const INDIRECT: Array<{ file: string; call: RegExp; source?: string; literal?: RegExp; status?: number }> = [
  // The error responder answers an AppError with its own code.
  { file: 'platform/http/error-responder.ts', call: /^errorBody\(err\.code\b/ },
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
    file: 'directory/persons/person-rules.ts',
    call: /^conflict\(\s*PERSON_UNAVAILABLE\b/,
    source: 'directory/persons/person-rules.ts',
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
export function scan(files: Record<string, string>) {
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

/** The scanned source, file → text. */
export const readSources = (): Record<string, string> => Object.fromEntries(sourceFiles().map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8')]));
