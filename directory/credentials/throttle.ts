import type { Sequelize, Transaction } from 'sequelize';

/**
 * A fixed-window counter shared by every node (table `throttles`): one atomic upsert per hit, so
 * parallel requests on any number of nodes are all counted. Returns the count in the current window,
 * this hit included; the caller compares it with its limit.
 */
export async function hitThrottle(
  sequelize: Sequelize,
  key: string,
  windowSeconds: number,
  transaction?: Transaction,
): Promise<number> {
  const [rows] = await sequelize.query(
    `INSERT INTO throttles (key, count, window_start) VALUES (:key, 1, now())
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN throttles.window_start <= now() - make_interval(secs => :seconds) THEN 1 ELSE throttles.count + 1 END,
       window_start = CASE WHEN throttles.window_start <= now() - make_interval(secs => :seconds)
                      THEN now() ELSE throttles.window_start END
     RETURNING count`,
    { replacements: { key, seconds: windowSeconds }, transaction },
  );
  return (rows as Array<{ count: number }>)[0]!.count;
}

/**
 * The count of the current window without counting a hit (0 when the window has passed): lets a
 * caller refuse before doing the work a hit would count (issue 5 item 4).
 */
export async function throttleCount(sequelize: Sequelize, key: string, windowSeconds: number, transaction?: Transaction): Promise<number> {
  const [rows] = await sequelize.query(
    `SELECT count FROM throttles WHERE key = :key AND window_start > now() - make_interval(secs => :seconds)`,
    { replacements: { key, seconds: windowSeconds }, transaction },
  );
  return (rows as Array<{ count: number }>)[0]?.count ?? 0;
}

/** Deletes windows older than `olderThanSeconds` (called by the periodic cleanup). */
export async function purgeThrottles(sequelize: Sequelize, olderThanSeconds: number): Promise<void> {
  await sequelize.query(`DELETE FROM throttles WHERE window_start < now() - make_interval(secs => :seconds)`, {
    replacements: { seconds: olderThanSeconds },
  });
}
