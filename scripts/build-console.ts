/**
 * Builds the web console (console/ → console/dist, issue 10). Run by `npm install` / `npm ci`
 * (the `prepare` script) and, with `--if-missing`, by `npm start` before the server starts, so the
 * README's two commands still do all the set-up. Where the build tools are not installed (a
 * production install with `--omit=dev`, whose image copies a dist built in an earlier stage) it says
 * so and succeeds: the server then answers /console with how to build it.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../console/', import.meta.url));
const ifMissing = process.argv.includes('--if-missing');

if (ifMissing && fs.existsSync(`${root}dist/index.html`)) process.exit(0);
if (!fs.existsSync(`${root}vite.config.ts`)) process.exit(0);

let vite: typeof import('vite');
try {
  vite = await import('vite');
} catch {
  process.stdout.write('Web console not built: its build tools (dev dependencies) are not installed.\n');
  process.exit(0);
}
const started = Date.now();
await vite.build({ configFile: `${root}vite.config.ts`, logLevel: 'warn' });
process.stdout.write(`Web console built into console/dist in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
