import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AuditCheckpointConfig } from '../../platform/config.ts';
import type { CheckpointFact } from './audit-service.ts';

/**
 * Signed audit checkpoints (R25): `{seq, hash, at}` of the chain head, with an HMAC-SHA256 under a
 * key that is never in the database. Whoever can rewrite the database (and re-compute the unkeyed
 * hash chain) cannot make a checkpoint for the history they forged, nor hide that events a
 * checkpoint covered are gone. Checkpoints are facts about the chain: any node may emit them, and
 * duplicates are harmless.
 */
export interface Checkpoint extends CheckpointFact {
  v: 1;
  mac: string;
}

const macOf = (key: string, f: CheckpointFact) =>
  crypto.createHmac('sha256', key).update(JSON.stringify(['tongmen.audit.checkpoint/1', f.seq, f.hash, f.at])).digest('hex');

export function signCheckpoint(key: string, fact: CheckpointFact): Checkpoint {
  return { v: 1, seq: fact.seq, hash: fact.hash, at: fact.at, mac: macOf(key, fact) };
}

export function isAuthentic(key: string, cp: Checkpoint): boolean {
  const expected = Buffer.from(macOf(key, cp), 'hex');
  const given = Buffer.from(cp.mac, 'hex');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

const isCheckpoint = (v: unknown): v is Checkpoint => {
  const c = v as Partial<Checkpoint> | null;
  return (
    !!c && typeof c === 'object' && Number.isSafeInteger(c.seq) && typeof c.hash === 'string' &&
    typeof c.at === 'string' && typeof c.mac === 'string'
  );
};

/**
 * The checkpoints in an export file (one JSON object a line) or in a JSON log that carries them as
 * `auditCheckpoint` (the server's log line); other lines are not checkpoints and are skipped.
 */
export function parseCheckpoints(text: string): Array<{ line: number; checkpoint: Checkpoint }> {
  const found: Array<{ line: number; checkpoint: Checkpoint }> = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim().startsWith('{')) return;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      return;
    }
    const inner = (v as { auditCheckpoint?: unknown }).auditCheckpoint;
    if (isCheckpoint(inner)) found.push({ line: i + 1, checkpoint: inner });
    else if (isCheckpoint(v)) found.push({ line: i + 1, checkpoint: v });
  });
  return found;
}

let processKey: string | undefined;

/**
 * The checkpoint key: AUDIT_CHECKPOINT_KEY (required in production), else — in development — a key
 * generated once into DATA_DIR/audit-checkpoint.key (beside, never inside, the database), else (an
 * in-memory DATA_DIR, tests) a key of this process only. Resolved when first needed.
 */
export function checkpointKey(config: AuditCheckpointConfig): string {
  if (config.key) return config.key;
  if (!config.keyFile) return (processKey ??= crypto.randomBytes(32).toString('base64url'));
  try {
    return fs.readFileSync(config.keyFile, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(path.dirname(config.keyFile), { recursive: true });
  try {
    fs.writeFileSync(config.keyFile, `${crypto.randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    // Another process of this node generated it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return fs.readFileSync(config.keyFile, 'utf8').trim();
}
