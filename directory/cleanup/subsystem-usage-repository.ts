import type { Sequelize } from 'sequelize';

/**
 * How long one record of a subsystem's use stands before the next token refreshes it: the table is
 * written at most once per account, subsystem and window (here and on every node, by the SQL).
 */
export const USAGE_WINDOW_MINUTES = 60;

/** Issue 8 — when each account last got a token for each subsystem (migration 0012). */
export class SubsystemUsageRepository {
  private readonly sequelize: Sequelize;

  constructor(deps: { sequelize: Sequelize }) {
    this.sequelize = deps.sequelize;
  }

  /**
   * One upsert: a first use inserts the row; a later one moves `last_used_at` only when the stored
   * one is older than the window, so a busy account rewrites its row once an hour, not per token.
   */
  async touch(accountId: string, subsystem: string): Promise<void> {
    await this.sequelize.query(
      `INSERT INTO subsystem_usage AS s (account_id, subsystem) VALUES (:accountId, :subsystem)
       ON CONFLICT (account_id, subsystem) DO UPDATE SET last_used_at = EXCLUDED.last_used_at
       WHERE s.last_used_at < EXCLUDED.last_used_at - make_interval(mins => :window)`,
      { replacements: { accountId, subsystem, window: USAGE_WINDOW_MINUTES } },
    );
  }
}
