import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import type { UnitRepository } from '../units/unit-repository.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { maskSensitive } from '../masking.ts';
import type { AuditRepository, AuditRow, NewAuditRow } from './audit-repository.ts';

export interface AuditInput {
  actor?: Pick<Actor, 'accountId' | 'kind' | 'unitId'> | null;
  action: string;
  target?: { type: string; id: string } | null;
  /** The unit the event is about; its affiliation path scopes who may read the event. */
  unitId?: string | null;
  result?: 'success' | 'failure';
  reason?: string | null;
  details?: Record<string, unknown>;
  meta?: RequestMeta;
}

export interface AuditEvent {
  seq: number;
  id: string;
  at: string;
  actor: { accountId: string | null; kind: string | null; unitId: string | null };
  action: string;
  target: { type: string | null; id: string | null };
  unitId: string | null;
  result: 'success' | 'failure';
  reason: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** The canonical text an event's hash covers: every field but the hash, in a fixed order. */
function canonical(e: Omit<AuditEvent, 'hash'>): string {
  return JSON.stringify([
    e.seq, e.id, e.at, e.actor.accountId, e.actor.kind, e.actor.unitId, e.action, e.target.type, e.target.id,
    e.unitId, e.result, e.reason, e.ip, e.userAgent, e.requestId, sortKeys(e.details), e.prevHash,
  ]);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/** The hash of an event (exported for the chain verifier and for tests that forge a re-chained history). */
export const hashOf = (e: Omit<AuditEvent, 'hash'>) => crypto.createHash('sha256').update(canonical(e)).digest('hex');

export function toAuditEvent(r: AuditRow): AuditEvent {
  return {
    seq: r.seq,
    id: r.id,
    at: new Date(r.at).toISOString(),
    actor: { accountId: r.actor_account_id, kind: r.actor_kind, unitId: r.actor_unit_id },
    action: r.action,
    target: { type: r.target_type, id: r.target_id },
    unitId: r.unit_id,
    result: r.result,
    reason: r.reason,
    ip: r.ip,
    userAgent: r.user_agent,
    requestId: r.request_id,
    details: r.details,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/**
 * The audit trail (R25): every state change and sign-in attempt appends one event in the caller's
 * transaction, so the event exists if and only if the change does. Events are hash-chained through
 * the single chain head, locked for the rest of the transaction (the repository's `lockHead`): the
 * chain has one order on every node. The server's role cannot write the head; the database moves it
 * when an event that extends the chain is inserted (migration 0003). ID numbers and phones in
 * details are masked before they are written.
 */
export class AuditService {
  private readonly events: AuditRepository;
  private readonly units: UnitRepository;
  private readonly listeners: Array<(event: AuditEvent) => void> = [];

  constructor(deps: { events: AuditRepository; units: UnitRepository }) {
    this.events = deps.events;
    this.units = deps.units;
  }

  async record(tx: Transaction, input: AuditInput): Promise<AuditEvent> {
    // The unit's affiliation path when it happened: who may read the event later (R10, R25).
    const { unitPath, ...head } = await this.events.lockHeadWithPath(tx, input.unitId ?? null);
    const { event, row } = this.build(input, head, input.unitId ? unitPath : null);
    await this.events.insert(tx, row);
    this.tell(tx, [event]);
    return event;
  }

  /**
   * Calls `listener` with each event once its transaction has committed (issue 12: the metrics count
   * sign-ins and lockouts from the events, so a rolled-back attempt is never counted).
   */
  observe(listener: (event: AuditEvent) => void): void {
    this.listeners.push(listener);
  }

  private tell(tx: Transaction, events: AuditEvent[]) {
    if (!this.listeners.length) return;
    tx.afterCommit(() => {
      for (const e of events) for (const l of this.listeners) l(e);
    });
  }

  /**
   * Issue 8 (import batches) — appends several events, chained in order, in one statement: the same
   * events `record` would write one by one (one head lock, each unit's path read once).
   */
  async recordMany(tx: Transaction, inputs: AuditInput[]): Promise<void> {
    if (!inputs.length) return;
    let head = await this.events.lockHead(tx);
    const paths = new Map<string, string[] | null>();
    const rows: NewAuditRow[] = [];
    const events: AuditEvent[] = [];
    for (const input of inputs) {
      if (input.unitId && !paths.has(input.unitId)) paths.set(input.unitId, await this.units.pathOf(tx, input.unitId));
      const { event, row } = this.build(input, head, input.unitId ? paths.get(input.unitId)! : null);
      rows.push(row);
      events.push(event);
      head = { seq: event.seq, hash: event.hash };
    }
    await this.events.insertMany(tx, rows);
    this.tell(tx, events);
  }

  private build(input: AuditInput, head: { seq: number; hash: string }, unitPath: string[] | null): { event: AuditEvent; row: NewAuditRow } {
    const event: Omit<AuditEvent, 'hash'> = {
      seq: head.seq + 1,
      id: crypto.randomUUID(),
      at: new Date().toISOString(),
      actor: {
        accountId: input.actor?.accountId ?? null,
        kind: input.actor?.kind ?? null,
        unitId: input.actor?.unitId ?? null,
      },
      action: input.action,
      target: { type: input.target?.type ?? null, id: input.target?.id ?? null },
      unitId: input.unitId ?? null,
      result: input.result ?? 'success',
      reason: input.reason ?? null,
      ip: input.meta?.ip ?? null,
      userAgent: input.meta?.userAgent?.slice(0, 500) ?? null,
      requestId: input.meta?.requestId ?? null,
      // Plain JSON first: what is hashed must be exactly what the database returns (Dates → strings).
      details: maskSensitive(JSON.parse(JSON.stringify(input.details ?? {})) as Record<string, unknown>),
      prevHash: head.hash,
    };
    const hash = hashOf(event);
    const row: NewAuditRow = {
      seq: event.seq, id: event.id, at: event.at, actor_account_id: event.actor.accountId, actor_kind: event.actor.kind,
      actor_unit_id: event.actor.unitId, action: event.action, target_type: event.target.type, target_id: event.target.id,
      unit_id: event.unitId, unit_path: unitPath ?? [], result: event.result, reason: event.reason, ip: event.ip,
      user_agent: event.userAgent, request_id: event.requestId, details: event.details, prev_hash: event.prevHash, hash,
    };
    return { event: { ...event, hash }, row };
  }

  /**
   * Re-computes the chain from the first event (in pages) and reports the first break, if any; with
   * signed checkpoints (already authenticated by the caller), also that the chain still holds each
   * checkpoint's (seq, hash) — which a consistent rewrite of the history or a deleted tail cannot
   * fake without the checkpoint key. Used by `npm run audit:verify`.
   */
  async verifyChain(checkpoints: readonly CheckpointFact[] = []): Promise<ChainVerdict> {
    const bySeq = new Map<number, CheckpointFact[]>();
    for (const c of checkpoints) bySeq.set(c.seq, [...(bySeq.get(c.seq) ?? []), c]);
    let prev = '0'.repeat(64);
    let checked = 0;
    let after = 0;
    const broken = (brokenAt: number, problem: string, message: string): ChainVerdict => ({
      ok: false, checked, brokenAt, problem, message,
    });
    for (;;) {
      const rows = await this.events.after(after);
      if (!rows.length) break;
      for (const row of rows) {
        const e = toAuditEvent(row);
        if (e.seq > checked + 1) {
          return broken(e.seq, 'sequence gap', `Events ${checked + 1}…${e.seq - 1} are missing: the chain jumps from ${checked} to ${e.seq} (deleted events).`);
        }
        if (e.seq !== checked + 1) return broken(e.seq, 'duplicate sequence', `Event ${e.seq} appears twice.`);
        if (e.prevHash !== prev) {
          const later = await this.events.laterWithHash(e.prevHash, e.seq);
          return later !== undefined
            ? broken(e.seq, 'reordered', `Event ${e.seq} names the later event ${later} as its predecessor: events were reordered.`)
            : broken(e.seq, 'previous hash mismatch', `Event ${e.seq} is not chained to event ${checked}: an event was replaced, inserted or removed.`);
        }
        const { hash, ...rest } = e;
        if (hashOf(rest) !== hash) {
          return broken(e.seq, 'hash mismatch', `Event ${e.seq} was altered: its content does not match its hash.`);
        }
        const differs = bySeq.get(e.seq)?.find((c) => c.hash !== hash);
        if (differs) {
          return broken(e.seq, 'checkpoint mismatch', `Event ${e.seq} differs from the signed checkpoint of ${differs.at}: the history up to it was rewritten.`);
        }
        prev = hash;
        checked++;
        after = e.seq;
      }
    }
    const beyond = checkpoints.filter((c) => c.seq > checked).sort((a, b) => b.seq - a.seq)[0];
    if (beyond) {
      return broken(checked + 1, 'truncated tail', `The newest event is ${checked}, but the signed checkpoint of ${beyond.at} covers event ${beyond.seq}: the newest events were deleted.`);
    }
    const head = await this.events.head();
    if (head && (head.seq !== checked || head.hash !== prev)) {
      return broken(head.seq, 'chain head does not match the last event', `The chain head names event ${head.seq}, but the newest event is ${checked}: events were deleted or the head was moved.`);
    }
    return { ok: true, checked, ...(checkpoints.length ? { checkpoints: checkpoints.length } : {}) };
  }
}

/** A checkpoint's facts once its signature has been checked. */
export interface CheckpointFact {
  seq: number;
  hash: string;
  at: string;
}

export type ChainVerdict =
  | { ok: true; checked: number; checkpoints?: number }
  | { ok: false; checked: number; brokenAt: number; problem: string; message: string };
