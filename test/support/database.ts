import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/** Name of the migrated template database made by the global setup (real PostgreSQL runs only). */
export const templateName = (runId: string) => `tongmen_tpl_${runId}`;

/**
 * A fresh database for one test file: with DATABASE_URL, a clone of the migrated template on that
 * server; otherwise an embedded PGlite in a copy of the run's migrated data folder (or in memory,
 * `DATA_DIR=memory://`, when the file runs without the global setup).
 */
export async function freshDatabaseEnv(): Promise<Record<string, string>> {
  const url = process.env.DATABASE_URL;
  const runId = process.env.TONGMEN_TEST_RUN;
  if (!url) return embeddedCopy();
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

/**
 * freshDatabaseEnv for a database that other processes or later starts open too (a spawned command
 * or node, a restart): on the embedded engine the migrated copy is a folder already; only without the
 * global setup (no template) does it fall back to the empty folder `dir`, migrated on first open.
 */
export async function freshDatabaseEnvOnDisk(dir: string): Promise<Record<string, string>> {
  const env = await freshDatabaseEnv();
  return env.DATA_DIR === 'memory://' ? { DATA_DIR: dir } : env;
}

const embeddedCopies: string[] = [];

/** A copy of the run's migrated PGlite folder, removed when this test process exits. */
function embeddedCopy(): Record<string, string> {
  const template = process.env.TONGMEN_TEST_PGLITE_TEMPLATE;
  if (!template || !fs.existsSync(template)) return { DATA_DIR: 'memory://' };
  const dir = path.join(path.dirname(template), `db-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  fs.cpSync(template, dir, { recursive: true });
  if (!embeddedCopies.length) {
    process.once('exit', () => embeddedCopies.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  }
  embeddedCopies.push(dir);
  return { DATA_DIR: dir };
}
