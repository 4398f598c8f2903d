import fs from 'node:fs';
import path from 'node:path';
import type { AuditCheckpointConfig } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import { checkpointKey, signCheckpoint, type Checkpoint } from './audit-checkpoints.ts';
import type { AuditRepository, ChainHead } from './audit-repository.ts';

/** Partitions are kept twelve months ahead by the database function; checking hourly is plenty. */
const PARTITION_CHECK_MS = 60 * 60 * 1000;

/**
 * Emits a signed checkpoint of the chain head (R25) to the log and to the export file when the
 * chain has moved and either `everySeconds` passed or `everyEvents` were added since this process's
 * last one.
 */
export class AuditCheckpointer {
  private last: { seq: number; at: number };
  private readonly events: Pick<AuditRepository, 'head'>;
  private readonly config: AuditCheckpointConfig;
  private readonly logger: Logger;

  /** `now`: when this process's checkpoint clock starts (tests set it). */
  constructor(deps: { events: Pick<AuditRepository, 'head'>; config: AuditCheckpointConfig; logger: Logger; now?: number }) {
    this.events = deps.events;
    this.config = deps.config;
    this.logger = deps.logger;
    this.last = { seq: 0, at: deps.now ?? Date.now() };
  }

  async tick(now = Date.now()): Promise<Checkpoint | undefined> {
    const head = await this.head();
    if (head.seq <= this.last.seq) return undefined;
    const due = head.seq - this.last.seq >= this.config.everyEvents || now - this.last.at >= this.config.everySeconds * 1000;
    return due ? this.emit(head, now) : undefined;
  }

  /** A checkpoint of the current head now (nothing while the chain is empty). */
  async emitNow(): Promise<Checkpoint | undefined> {
    const head = await this.head();
    return head.seq > 0 ? this.emit(head, Date.now()) : undefined;
  }

  private async head(): Promise<ChainHead> {
    return (await this.events.head()) ?? { seq: 0, hash: '' };
  }

  private emit(head: ChainHead, now: number): Checkpoint {
    const checkpoint = signCheckpoint(checkpointKey(this.config), { seq: head.seq, hash: head.hash, at: new Date(now).toISOString() });
    this.logger.info({ auditCheckpoint: checkpoint }, 'audit checkpoint');
    if (this.config.file) {
      fs.mkdirSync(path.dirname(this.config.file), { recursive: true });
      // One short line per write with O_APPEND: the workers of a node may share the file.
      fs.appendFileSync(this.config.file, `${JSON.stringify(checkpoint)}\n`);
    }
    this.last = { seq: head.seq, at: now };
    return checkpoint;
  }
}

/**
 * The audit trail's upkeep while the server runs: signed checkpoints, and partitions created ahead
 * (plus default-partition rows moved out) through `audit_maintain_partitions()`, which the server's
 * restricted role may call. Timers are unref'd; `stop()` waits for a running round.
 */
export function startAuditUpkeep(events: AuditRepository, config: AuditCheckpointConfig, logger: Logger) {
  const checkpointer = new AuditCheckpointer({ events, config, logger });
  let running: Promise<unknown> = Promise.resolve();
  const every = (ms: number, work: () => Promise<unknown>, what: string) => {
    const timer = setInterval(() => {
      running = running.then(work).catch((err: unknown) => logger.warn({ err }, `audit upkeep: ${what} failed`));
    }, ms);
    timer.unref();
    return timer;
  };
  const timers = [
    every(Math.min(config.everySeconds, 10) * 1000, () => checkpointer.tick(), 'checkpoint'),
    every(PARTITION_CHECK_MS, () => events.maintainPartitions(), 'partition maintenance'),
  ];
  return {
    checkpointer,
    async stop() {
      for (const t of timers) clearInterval(t);
      await running;
    },
  };
}
