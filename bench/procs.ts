import { readFileSync, readdirSync } from 'node:fs';

/** Process figures read from /proc (Linux): the harness measures the server from outside. */
const CLK_TCK = 100;

/** A process and all its descendants (a cluster primary and its workers). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Peak resident set size (VmHWM) and current RSS of a process, in MB. */
export function memory(pid: number): { peakMb: number; rssMb: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { peakMb: Math.round(kb('VmHWM') / 1024), rssMb: Math.round(kb('VmRSS') / 1024) };
  } catch {
    return { peakMb: 0, rssMb: 0 };
  }
}

/**
 * The PostgreSQL server processes serving one database on this machine (their titles name it:
 * `postgres: … <user> <database> <client> <state>`); empty when PostgreSQL runs elsewhere.
 */
export function databaseBackends(database: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (title.startsWith('postgres:') && title.split(' ').includes(database)) out.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

/** CPU seconds used meanwhile by the server's processes, the database's backends and this process (the load generator or user agents). */
export interface CpuSplit {
  server: number;
  database: number;
  harness: number;
}

/** The processes a run's CPU time is counted on: the server (its whole tree) and, for Tongmen, the database's backends. */
export interface Sides {
  server: () => number[];
  database?: () => number[];
}

/**
 * Starts counting CPU time; the function returned says how much each side used since. Processes
 * are listed again at the end (a backend or worker that started meanwhile counts from 0; one that
 * ended meanwhile is lost, which the server's pooled connections make rare).
 */
export function cpuMeter(sides: Sides): () => CpuSplit {
  const database = sides.database ?? (() => []);
  const start = new Map([...sides.server(), ...database()].map((p) => [p, cpuSeconds(p)]));
  const own = process.cpuUsage();
  const since = (pids: number[]) => pids.reduce((s, p) => s + cpuSeconds(p) - (start.get(p) ?? 0), 0);
  return () => {
    const harness = process.cpuUsage(own);
    return { server: since(sides.server()), database: since(database()), harness: (harness.user + harness.system) / 1e6 };
  };
}
