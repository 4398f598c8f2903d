import { describe, expect, it } from 'vitest';
import { ERROR_AREAS, ERROR_CATALOGUE, isErrorCode, type ErrorCode } from '../platform/error-codes/index.ts';
import { INDIRECT, readSources, scan } from './support/error-sites.ts';

/**
 * Issue 6 item 5 — every code the product can answer is in the catalogue, with the status it is
 * thrown with. The compiler already refuses an uncatalogued literal code and a helper of the wrong
 * status; this scan (test/support/error-sites.ts) also covers what it cannot see: codes that reach
 * `AppError` through a variable, codes written straight into an answer, `new AppError(status, …)`
 * with a status the catalogue does not give, and entries that no site throws any more.
 */

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
    const files = readSources();
    expect(problems(files, ERROR_CATALOGUE)).toEqual([]);
    // The scan sees the sites: the known indirect ones are all resolved, and there are many literal ones.
    const { sites, indirectUsed } = scan(files);
    expect(indirectUsed.size).toBe(INDIRECT.length);
    expect(sites.length).toBeGreaterThan(100);
  });

  it('the check names a code missing from the catalogue, a wrong status and an unresolved variable code', () => {
    const files = readSources();
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
    const raw = { ...files, 'platform/http/error-responder.ts': `${files['platform/http/error-responder.ts']}\nerrorBody('request.typo', lang);\n` };
    expect(problems(raw, ERROR_CATALOGUE)).toEqual([expect.stringMatching(/^platform\/http\/error-responder\.ts:\d+ throws request\.typo, which is not in the catalogue/)]);
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
