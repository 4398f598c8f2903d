import crypto from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { createLogger } from '../platform/logger.ts';
import { templateName } from './support/database.ts';

/**
 * With DATABASE_URL: migrate one template database for this run, so that each test file gets a
 * migrated clone in milliseconds; drop every database of the run at the end.
 */
export default async function setup() {
  const url = process.env.DATABASE_URL;
  if (!url) return;
  const runId = crypto.randomBytes(4).toString('hex');
  process.env.TONGMEN_TEST_RUN = runId;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${templateName(runId)}`);
  const u = new URL(url);
  u.pathname = `/${templateName(runId)}`;
  const db = await openDatabase(loadConfig({ DATABASE_URL: u.toString() }), createLogger('silent'));
  await db.close();
  return async () => {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`tongmen_%${runId}%`],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.end();
  };
}
