import type { Database } from '../../platform/db/database.ts';
import type { PiiCipher } from '../../platform/crypto/pii.ts';
import type { AuditService } from '../audit/audit-service.ts';
import { SEALED_COLUMNS, type PiiRotationRepository } from './pii-rotation-repository.ts';

export interface PiiRotationResult {
  toKid: string;
  /** Values sealed again, per `table.column`. */
  resealed: Record<string, number>;
  /** Values still under another key afterwards (0 everywhere unless a value could not be opened). */
  remaining: Record<string, number>;
}

/**
 * Issue 12 — `PII_KEY` rotation without downtime: every value sealed under an older key is opened
 * and sealed again under the current one, in short transactions of `batchSize` rows (row locks
 * only, skipped when busy: the servers keep reading and writing meanwhile — they hold every key of
 * `PII_KEY` and open old and new values alike). Lookup hashes do not change (see
 * `platform/crypto/pii.ts`). The run ends with one audit event. Safe to run again or twice at once.
 */
export class PiiRotation {
  constructor(private readonly deps: { db: Database; pii: PiiCipher; audit: Pick<AuditService, 'record'>; repo: PiiRotationRepository }) {}

  async run(options: { batchSize?: number; extra?: Record<string, number>; onBatch?: (column: string, done: number) => void } = {}): Promise<PiiRotationResult> {
    const { db, pii, repo } = this.deps;
    const kid = pii.currentKid;
    const limit = options.batchSize ?? 500;
    const resealed: Record<string, number> = {};
    for (const c of SEALED_COLUMNS) {
      const name = `${c.table}.${c.column}`;
      resealed[name] = 0;
      for (;;) {
        const n = await db.transaction(async (tx) => {
          const batch = await repo.staleBatch(tx, c, kid, limit);
          const values = batch.map((r) => ({ id: r.id, old: r.sealed, sealed: pii.encrypt(pii.decrypt(r.sealed)) }));
          await repo.replace(tx, c, values);
          return batch.length;
        });
        if (!n) break;
        resealed[name] += n;
        options.onBatch?.(name, resealed[name]);
      }
    }
    Object.assign(resealed, options.extra);
    const remaining = await repo.remaining(kid);
    await db.transaction((tx) =>
      this.deps.audit.record(tx, {
        actor: null,
        action: 'platform.pii_rotated',
        target: { type: 'pii-key', id: kid },
        result: Object.values(remaining).some((n) => n > 0) ? 'failure' : 'success',
        details: { toKid: kid, resealed, remaining },
      }),
    );
    return { toKid: kid, resealed, remaining };
  }
}
