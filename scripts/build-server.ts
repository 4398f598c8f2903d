/**
 * Compiles the server to plain JavaScript (issue 11): `cli/start.ts` and everything of ours it
 * imports, bundled by esbuild into `dist/` (the packages stay in node_modules), so that `npm start`
 * runs `node dist/start.js` without a TypeScript loader — tsx kept a second V8 isolate for its
 * loader thread, an esbuild service process and every file's compiled code and source map in
 * memory: ≈ 50 MB of an idle server's resident memory, ≈ 90 MB of its peak under the bench
 * (docs/performance.md, "Memory"). No source maps (they would cost memory again): stack traces
 * name the bundle's functions and lines, which read like the sources. Tests and the other
 * commands still run the TypeScript through tsx and vitest.
 *
 * Run by `npm start` (prestart, with `--if-stale`: only when a source it was built from, or the list
 * of them, changed since) and by the Docker image; `npm run build:server` rebuilds. Without the
 * sources it does nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = path.join(root, 'dist');
const entry = path.join(root, 'cli/start.ts');
/** The files the build was made from (relative to the root). */
const metaFile = path.join(dist, 'inputs.json');
/** The sign-in pages' scripts, read from beside the module that serves them (identity/pages/assets.ts). */
const assets = path.join(root, 'identity/pages/assets');

if (!fs.existsSync(entry)) process.exit(0);

/** Built already from sources none of which changed since (a changed import list changes its importer). */
function fresh(): boolean {
  try {
    const builtAt = fs.statSync(path.join(dist, 'start.js')).mtimeMs;
    const inputs = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as string[];
    const sources = [...inputs.map((p) => path.join(root, p)), ...fs.readdirSync(assets).map((f) => path.join(assets, f)), fileURLToPath(import.meta.url)];
    return sources.every((p) => fs.statSync(p).mtimeMs <= builtAt);
  } catch {
    return false; // not built, or a source is gone
  }
}

if (process.argv.includes('--if-stale') && fresh()) process.exit(0);

const started = Date.now();
// Written over the previous build, not after deleting it: a process starting meanwhile (a test, the
// bench) still finds every file. Chunk names carry their content's hash; the old ones go after.
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: { start: entry },
  outdir: dist,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  packages: 'external',
  // cli/start.ts settles the process's settings before the rest loads (and the packages the rest
  // imports, which a bundle would hoist above them): the rest is a chunk of its own.
  splitting: true,
  metafile: true,
  logLevel: 'warning',
});
const written = new Set(Object.keys(result.metafile.outputs).map((p) => path.basename(p)));
for (const f of fs.readdirSync(dist)) if (f.endsWith('.js') && !written.has(f)) fs.rmSync(path.join(dist, f));
fs.cpSync(assets, path.join(dist, 'assets'), { recursive: true });
fs.writeFileSync(metaFile, JSON.stringify(Object.keys(result.metafile.inputs)));
process.stdout.write(`Server built into dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
