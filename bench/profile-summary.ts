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

const { values, positionals } = parseArgs({
  options: { during: { type: 'string' }, top: { type: 'string', default: '30' } },
  allowPositionals: true,
  strict: true,
});
const [file] = positionals;
if (!file) {
  process.stderr.write('usage: npm run bench:profile -- <file.cpuprofile> [--during <regex>] [--top N]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
const stack = (id: number) => {
  const out: ProfileNode[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) out.push(nodes.get(at)!);
  return out;
};
const name = (n: ProfileNode) => {
  const { functionName, url, lineNumber } = n.callFrame;
  return `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${lineNumber}`;
};

let clock = profile.startTime;
const second = profile.samples.map((_, i) => Math.floor(((clock += profile.timeDeltas[i]!) - profile.startTime) / 1e6));
const during = values.during ? new RegExp(values.during) : undefined;
const chosen = new Set<number>();
profile.samples.forEach((id, i) => {
  if (!during || stack(id).some((n) => during.test(n.callFrame.functionName) || during.test(n.callFrame.url))) chosen.add(second[i]!);
});

const own = new Map<string, number>();
const inclusive = new Map<string, number>();
let busy = 0;
profile.samples.forEach((id, i) => {
  if (!chosen.has(second[i]!)) return;
  const frames = stack(id);
  if (frames[0]!.callFrame.functionName === '(idle)') return;
  busy++;
  own.set(name(frames[0]!), (own.get(name(frames[0]!)) ?? 0) + 1);
  for (const key of new Set(frames.map(name))) inclusive.set(key, (inclusive.get(key) ?? 0) + 1);
});

const top = Number(values.top);
const print = (title: string, counts: Map<string, number>) => {
  process.stdout.write(`${title}\n`);
  for (const [key, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${((100 * n) / busy).toFixed(1).padStart(6)} %  ${key}\n`);
  }
};
process.stdout.write(`${chosen.size} s of the profile${during ? ` (those running /${values.during}/)` : ''}, ${busy} busy samples\n`);
print('own time (share of the busy samples)', own);
print('inclusive', inclusive);
