import type { Sequelize, Transaction } from 'sequelize';

/** One back-channel logout to send: to which client, about which account and session. */
export interface LogoutNotice {
  clientId: string;
  accountId: string;
  sid?: string | null | undefined;
}

/** A delivery claimed by this node: the notice, the tries already made, when it was first queued. */
export interface ClaimedDelivery extends LogoutNotice {
  id: string;
  attempts: number;
}

/**
 * The one owner of `backchannel_deliveries` (R24): the durable queue of back-channel logouts that
 * every node works. Times come from the caller's clock (the provider's: the one logout tokens and
 * sessions are dated with), so a test that sets the clock ahead moves the queue with it.
 *
 * Named replacements (one simple-query message), never bind parameters: see PayloadRepository.
 */
export class BackchannelRepository {
  private readonly sequelize: Sequelize;

  constructor(deps: { sequelize: Sequelize }) {
    this.sequelize = deps.sequelize;
  }

  private async rows<T>(sql: string, replacements: Record<string, unknown>, transaction?: Transaction): Promise<T[]> {
    const [rows] = await this.sequelize.query(sql, { replacements, ...(transaction ? { transaction } : {}) });
    return rows as T[];
  }

  /** Queues notices due at `at`, with `attempts` tries already made (in the caller's transaction, if any). */
  async enqueue(notices: readonly LogoutNotice[], at: Date, opts: { attempts?: number; lastError?: string; tx?: Transaction } = {}): Promise<void> {
    if (notices.length === 0) return;
    const values = notices.map((_, i) => `(:c${i}, :a${i}, :s${i}, :attempts, :at, :err)`).join(', ');
    const replacements: Record<string, unknown> = { attempts: opts.attempts ?? 0, at, err: opts.lastError ?? null };
    notices.forEach((n, i) => Object.assign(replacements, { [`c${i}`]: n.clientId, [`a${i}`]: n.accountId, [`s${i}`]: n.sid ?? null }));
    await this.rows(
      `INSERT INTO backchannel_deliveries (client_id, account_id, sid, attempts, next_attempt_at, last_error) VALUES ${values}`,
      replacements,
      opts.tx,
    );
  }

  /**
   * Claims up to `limit` due deliveries for `leaseMs`: rows another node is claiming right now are
   * skipped (SKIP LOCKED), rows it holds a lease on are not due. One statement, so two nodes never
   * take the same row; a node that dies mid-send lets its lease run out and another node retries.
   */
  async claimDue(now: Date, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    return this.rows<ClaimedDelivery>(
      `UPDATE backchannel_deliveries d SET lease_until = CAST(:now AS timestamptz) + make_interval(secs => :lease)
       WHERE d.id IN (
         SELECT id FROM backchannel_deliveries
         WHERE next_attempt_at <= :now AND (lease_until IS NULL OR lease_until <= :now)
         ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED)
       RETURNING d.id::text AS id, d.client_id AS "clientId", d.account_id AS "accountId", d.sid, d.attempts`,
      { now, lease: leaseMs / 1000, limit },
    );
  }

  /** A delivery sent (or no longer sendable): gone from the queue, in the caller's transaction if any. */
  async remove(id: string, tx?: Transaction): Promise<void> {
    await this.rows(`DELETE FROM backchannel_deliveries WHERE id = CAST(:id AS bigint)`, { id }, tx);
  }

  /** A failed try: counted, its error kept, the next one scheduled, the lease released. */
  async retryAt(id: string, attempts: number, at: Date, lastError: string): Promise<void> {
    await this.rows(
      `UPDATE backchannel_deliveries SET attempts = :attempts, next_attempt_at = :at, last_error = :lastError, lease_until = NULL
       WHERE id = CAST(:id AS bigint)`,
      { id, attempts, at, lastError },
    );
  }
}
