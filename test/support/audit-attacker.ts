import type { Sequelize, Transaction } from 'sequelize';

/**
 * SQL run with the owner's rights, as an attacker holding the database's owner login would: the
 * pool of the server runs as `tongmen_app`; `ROLE NONE` goes back to the login role for one
 * transaction (the superuser `postgres` in tests, on PostgreSQL and on PGlite alike).
 */
export async function asOwner<T>(sequelize: Sequelize, work: (sql: (text: string, bind?: unknown[]) => Promise<Array<Record<string, unknown>>>, tx: Transaction) => Promise<T>): Promise<T> {
  return sequelize.transaction(async (tx) => {
    const sql = async (text: string, bind?: unknown[]) =>
      (await sequelize.query(text, { transaction: tx, ...(bind ? { bind } : {}) }))[0] as Array<Record<string, unknown>>;
    await sql('SET LOCAL ROLE NONE');
    return work(sql, tx);
  });
}

/** Name of the audit partition holding `date`'s month (`audit_events_YYYY_MM`). */
export const partitionOf = (date: Date) =>
  `audit_events_${date.getUTCFullYear()}_${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
