import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';

/**
 * Fixed-window counters shared by every node (table `throttles`): one atomic upsert per hit, so
 * parallel requests on any number of nodes are all counted. Queries use named replacements, not
 * bind parameters: see the note in credential-repository.ts about the embedded database.
 */
export class ThrottleRepository {
  private readonly sequelize: Sequelize;

  constructor(deps: { sequelize: Sequelize }) {
    this.sequelize = deps.sequelize;
  }

  /** Counts a hit; returns the count in the current window, this hit included (the caller compares it with its limit). */
  async hit(key: string, windowSeconds: number, transaction?: Transaction): Promise<number> {
    const rows = await this.sequelize.query<{ count: number }>(
      `INSERT INTO throttles (key, count, window_start) VALUES (:key, 1, now())
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN throttles.window_start <= now() - make_interval(secs => :seconds) THEN 1 ELSE throttles.count + 1 END,
         window_start = CASE WHEN throttles.window_start <= now() - make_interval(secs => :seconds)
                        THEN now() ELSE throttles.window_start END
       RETURNING count`,
      { replacements: { key, seconds: windowSeconds }, type: QueryTypes.SELECT, transaction },
    );
    return rows[0]!.count;
  }

  /**
   * The count of the current window without counting a hit (0 when the window has passed): lets a
   * caller refuse before doing the work a hit would count (issue 5 item 4).
   */
  async count(key: string, windowSeconds: number, transaction?: Transaction): Promise<number> {
    const rows = await this.sequelize.query<{ count: number }>(
      `SELECT count FROM throttles WHERE key = :key AND window_start > now() - make_interval(secs => :seconds)`,
      { replacements: { key, seconds: windowSeconds }, type: QueryTypes.SELECT, transaction },
    );
    return rows[0]?.count ?? 0;
  }

  /**
   * Takes back one hit of the current window (never below zero): a limit that reserves a hit before
   * checking (so parallel attempts on any node are all counted) returns it when the attempt succeeded.
   */
  async release(key: string, transaction?: Transaction): Promise<void> {
    await this.sequelize.query(`UPDATE throttles SET count = greatest(count - 1, 0) WHERE key = :key`, {
      replacements: { key },
      transaction,
    });
  }

  /** Deletes windows older than `olderThanSeconds` (called by the periodic cleanup). */
  async purge(olderThanSeconds: number): Promise<void> {
    await this.sequelize.query(`DELETE FROM throttles WHERE window_start < now() - make_interval(secs => :seconds)`, {
      replacements: { seconds: olderThanSeconds },
    });
  }
}
