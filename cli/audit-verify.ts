import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { openCore } from '../server/core.ts';
import { loadConfig } from '../platform/config.ts';
import { createLogger } from '../platform/logger.ts';
import { checkpointKey, isAuthentic, parseCheckpoints } from '../directory/audit/audit-checkpoints.ts';
import type { ChainVerdict, CheckpointFact } from '../directory/audit/audit-service.ts';

/**
 * `npm run audit:verify [-- --checkpoint <file> …]`: re-computes the audit hash chain (R25) and,
 * given the signed checkpoints the servers emitted (their export file or their JSON log), checks
 * each signature and that the chain still holds every checkpoint — so a rewritten history or a
 * deleted tail is found even when the chain was re-computed. Exit 0: intact; 1: tampering found;
 * 2: bad usage.
 */
let files: string[];
try {
  files = parseArgs({ options: { checkpoint: { type: 'string', multiple: true } } }).values.checkpoint ?? [];
} catch (err) {
  process.stderr.write(`${(err as Error).message}\nusage: npm run audit:verify [-- --checkpoint <file> …]\n`);
  process.exit(2);
}

const config = loadConfig();

/** The signed checkpoints of the given files, or why they cannot be trusted. */
function readCheckpoints(): { facts: CheckpointFact[] } | { verdict: ChainVerdict } {
  const facts: CheckpointFact[] = [];
  const refuse = (problem: string, message: string): { verdict: ChainVerdict } => ({ verdict: { ok: false, checked: 0, brokenAt: 0, problem, message } });
  if (!files.length) return { facts };
  const key = checkpointKey(config.auditCheckpoints);
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      return refuse('checkpoint file unreadable', `${file}: ${(err as Error).message}`);
    }
    const found = parseCheckpoints(text);
    if (!found.length) return refuse('no checkpoints', `${file} holds no audit checkpoint.`);
    for (const { line, checkpoint } of found) {
      if (!isAuthentic(key, checkpoint)) {
        return refuse('checkpoint signature invalid', `${file}:${line}: the checkpoint's signature does not verify (edited, or another AUDIT_CHECKPOINT_KEY).`);
      }
      facts.push({ seq: checkpoint.seq, hash: checkpoint.hash, at: checkpoint.at });
    }
  }
  return { facts };
}

const checkpoints = readCheckpoints();
let result: ChainVerdict;
if ('verdict' in checkpoints) {
  result = checkpoints.verdict;
} else {
  const core = await openCore(config, config.issuer ?? `http://localhost:${config.port}`, createLogger('warn', { stderr: true }));
  try {
    result = await core.base.audit.verifyChain(checkpoints.facts);
  } finally {
    await core.base.db.close();
  }
}
process.stdout.write(`${JSON.stringify(result)}\n`);
if (!result.ok) {
  process.stderr.write(`audit:verify: ${result.message}\n`);
  process.exitCode = 1;
}
