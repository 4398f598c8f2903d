import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Issue 11: `npm run bench:profile` sums a server's CPU profile, over the whole run or over the
 * seconds of one benchmark (`--during`). A small profile made here: second 0 runs `grant` (under
 * `handler`), second 1 runs `tree` (an admin read), each with one idle sample.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'tongmen-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 1, columnNumber: 0, scriptId: '0' }, children });
const profile = {
  nodes: [
    frame(1, '(root)', '', [2, 3, 5, 7]),
    frame(2, '(idle)', ''),
    frame(3, 'handler', 'file:///srv/node_modules/oidc-provider/lib/actions/grants/client_credentials.js', [4]),
    frame(4, 'grant', 'file:///srv/dist/serve.js'),
    frame(5, 'tree', 'file:///srv/dist/serve.js', [6]),
    frame(6, 'query', 'file:///srv/node_modules/pg/lib/client.js'),
    frame(7, '(garbage collector)', ''),
  ],
  startTime: 0,
  // second 0: grant ×3, gc, idle; second 1: query ×2, tree, idle
  samples: [4, 4, 4, 7, 2, 6, 6, 5, 2],
  timeDeltas: [100_000, 100_000, 100_000, 100_000, 100_000, 600_000, 100_000, 100_000, 100_000],
};
const file = path.join(dir, 'server.cpuprofile');
writeFileSync(file, JSON.stringify(profile));

const summary = async (...args: string[]) =>
  (await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/profile-summary.ts', file, ...args], { cwd: path.resolve(import.meta.dirname, '..') })).stdout;

describe('issue 11: npm run bench:profile', () => {
  it('gives each function its share of the busy samples, idle left out', async () => {
    const out = await summary();
    expect(out).toContain('2 s of the profile, 7 busy samples');
    expect(out).toMatch(/42\.9 % {2}grant dist\/serve\.js:1/);
    expect(out).toMatch(/28\.6 % {2}query pg\/lib\/client\.js:1/);
    expect(out).toMatch(/14\.3 % {2}\(garbage collector\)/);
  });

  it('--during keeps only the seconds in which a matching function or file ran', async () => {
    const out = await summary('--during', 'grants/client_credentials');
    expect(out).toContain('1 s of the profile (those running /grants/client_credentials/), 4 busy samples');
    expect(out).toMatch(/75\.0 % {2}grant/);
    expect(out).toMatch(/25\.0 % {2}\(garbage collector\)/);
    expect(out).not.toContain('query');
  });

  it('refuses bad input with a clear line and exit code 2, never a stack trace', async () => {
    const refusal = async (args: string[]) => {
      const err = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/profile-summary.ts', ...args], { cwd: path.resolve(import.meta.dirname, '..') }).then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      );
      expect(err?.code).toBe(2);
      expect(err?.stderr).toContain('usage: npm run bench:profile');
      expect(err?.stderr).not.toMatch(/\n\s+at /);
      return err!.stderr;
    };
    expect(await refusal([])).toContain('no profile given');
    expect(await refusal([file, '--during', '(unclosed'])).toContain('--during: not a regular expression: (unclosed');
    expect(await refusal([file, '--top', 'many'])).toContain('--top: not a count: many');
    expect(await refusal([path.join(dir, 'missing.cpuprofile')])).toContain('not a readable V8 CPU profile');
    writeFileSync(path.join(dir, 'other.json'), '{"a":1}');
    expect(await refusal([path.join(dir, 'other.json')])).toContain('no nodes, samples and timeDeltas');
  });
});
