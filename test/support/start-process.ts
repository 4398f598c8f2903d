import { spawn, type ChildProcess } from 'node:child_process';

/** A node started as a deployment starts it (`cli/start.ts` in a child process), with its output kept. */
export interface StartedProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  out: { text: string };
  exited: Promise<number | null>;
}

/** Spawns `cli/start.ts` with `env` and records the child in `children`, for the file's clean-up. */
export function spawnStart(env: NodeJS.ProcessEnv, children: ChildProcess[]): StartedProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/start.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const out = { text: '' };
  child.stdout!.on('data', (d) => (out.text += d));
  child.stderr!.on('data', (d) => (out.text += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out, exited };
}
