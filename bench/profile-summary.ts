import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * `npm run bench:profile -- <file.cpuprofile> [--during <regex>] [--top N]` (issue 11): where a
 * server's CPU went, from a profile `npm run bench -- --profile <dir>` wrote. With `--during`, only
 * the seconds in which some sampled stack ran a function or file matching the regex — one benchmark's
 * window, e.g. `grants/client_credentials` or `grants/refresh_token` (oidc-provider's grant handlers).
 * Prints each function's own share of the busy samples (idle left out), then the inclusive shares.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const USAGE = 'usage: npm run bench:profile -- <file.cpuprofile> [--during <regex>] [--top N]';
const refuse = (why: string): never => {
  process.stderr.write(`${why}\n${USAGE}\n`);
  process.exit(2);
};

let parsed;
try {
  parsed = parseArgs({ options: { during: { type: 'string' }, top: { type: 'string', default: '30' } }, allowPositionals: true, strict: true });
} catch (err) {
  refuse((err as Error).message);
}
const { values, positionals } = parsed!;
const [file] = positionals;
if (!file) refuse('no profile given');
const top = /^\d+$/.test(values.top) ? Number(values.top) : refuse(`--top: not a count: ${values.top}`);
let during: RegExp | undefined;
try {
  during = values.during === undefined ? undefined : new RegExp(values.during);
} catch {
  refuse(`--during: not a regular expression: ${values.during}`);
}
let profile: Profile;
try {
  profile = JSON.parse(readFileSync(file!, 'utf8')) as Profile;
  if (!Array.isArray(profile.nodes) || !Array.isArray(profile.samples) || !Array.isArray(profile.timeDeltas)) throw new Error('no nodes, samples and timeDeltas');
} catch (err) {
  refuse(`${file}: not a readable V8 CPU profile (${(err as Error).message})`);
}

const nodes = new Map(profile!.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of profile!.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
// Samples share their leaf nodes: each node's stack (leaf first) is walked once.
const stacks = new Map<number, ProfileNode[]>();
const stack = (id: number) => {
  let out = stacks.get(id);
  if (!out) {
    out = [];
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) out.push(nodes.get(at)!);
    stacks.set(id, out);
  }
  return out;
};
const name = (n: ProfileNode) => {
  const { functionName, url, lineNumber } = n.callFrame;
  return `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${lineNumber}`;
};

const { startTime, samples, timeDeltas } = profile!;
let clock = startTime;
const second = samples.map((_, i) => Math.floor(((clock += timeDeltas[i] ?? 0) - startTime) / 1e6));
const chosen = new Set<number>();
samples.forEach((id, i) => {
  if (!during || stack(id).some((n) => during.test(n.callFrame.functionName) || during.test(n.callFrame.url))) chosen.add(second[i]!);
});

const own = new Map<string, number>();
const inclusive = new Map<string, number>();
let busy = 0;
samples.forEach((id, i) => {
  if (!chosen.has(second[i]!)) return;
  const frames = stack(id);
  if (frames[0]!.callFrame.functionName === '(idle)') return;
  busy++;
  const leaf = name(frames[0]!);
  own.set(leaf, (own.get(leaf) ?? 0) + 1);
  for (const key of new Set(frames.map(name))) inclusive.set(key, (inclusive.get(key) ?? 0) + 1);
});

const print = (title: string, counts: Map<string, number>) => {
  process.stdout.write(`${title}\n`);
  for (const [key, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${((100 * n) / busy).toFixed(1).padStart(6)} %  ${key}\n`);
  }
};
process.stdout.write(`${chosen.size} s of the profile${during ? ` (those running /${values.during}/)` : ''}, ${busy} busy samples\n`);
print('own time (share of the busy samples)', own);
print('inclusive', inclusive);
