import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The compiled server `npm start` runs (scripts/build-server.ts, issue 11 memory): what its
 * start-up loads. The packages only rare paths need are loaded when one is taken, never at start:
 * exceljs (an xlsx import), PGlite (the embedded database), umzug (a pending migration), the
 * subsystems' OIDC client (the demo) — and no TypeScript loader at all.
 */
const DIST = path.resolve('dist');
const LAZY = ['exceljs', '@electric-sql/pglite', '@electric-sql/pglite-socket', 'umzug', 'openid-client', 'tsx', 'esbuild'];

/**
 * The packages a file of the build imports statically, following its static imports of other files
 * of the build; from the entry, its dynamic import too (`cli/start.ts` loads the server that way).
 */
function loadedAtStart(file: string, seen = new Set<string>(), packages = new Set<string>()): Set<string> {
  if (seen.has(file)) return packages;
  seen.add(file);
  const code = fs.readFileSync(path.join(DIST, file), 'utf8');
  const imports = [...code.matchAll(/^import\s+(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/gm)];
  if (file === 'start.js') imports.push(...code.matchAll(/\bimport\(["']([^"']+)["']\)/g));
  for (const [, spec] of imports) {
    if (spec!.startsWith('./')) loadedAtStart(spec!.slice(2), seen, packages);
    else if (!spec!.startsWith('node:')) packages.add(spec!.startsWith('@') ? spec!.split('/').slice(0, 2).join('/') : spec!.split('/')[0]!);
  }
  return packages;
}

describe('the compiled server (issue 11, memory)', () => {
  it('loads none of the packages of rare paths at start; they stay reachable through dynamic imports', () => {
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-server.ts', '--if-stale'], { stdio: 'pipe' });
    const atStart = loadedAtStart('start.js');
    expect(atStart).toContain('oidc-provider');
    expect(atStart).toContain('koa');
    for (const name of LAZY) expect(atStart, name).not.toContain(name);
    const all = fs.readdirSync(DIST).filter((f) => f.endsWith('.js')).map((f) => fs.readFileSync(path.join(DIST, f), 'utf8')).join('\n');
    for (const name of ['exceljs', '@electric-sql/pglite', 'umzug', 'openid-client']) expect(all, name).toContain(`"${name}`);
    expect(fs.readdirSync(path.join(DIST, 'assets'))).toContain('sms-countdown.js');
  }, 60_000);
});
