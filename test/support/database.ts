import crypto from 'node:crypto';
import pg from 'pg';

/** Name of the migrated template database made by the global setup (real PostgreSQL runs only). */
export const templateName = (runId: string) => `tongmen_tpl_${runId}`;

/**
 * A fresh database for one test file: with DATABASE_URL, a clone of the migrated template on that
 * server; otherwise an in-memory embedded PGlite (`DATA_DIR=memory://`).
 */
export async function freshDatabaseEnv(): Promise<Record<string, string>> {
  const url = process.env.DATABASE_URL;
  const runId = process.env.TONGMEN_TEST_RUN;
  if (!url) return { DATA_DIR: 'memory://' };
  const name = `tongmen_t_${runId}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const template = runId ? ` TEMPLATE ${templateName(runId)}` : '';
    await admin.query(`CREATE DATABASE ${name}${template}`);
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return { DATABASE_URL: u.toString() };
}
