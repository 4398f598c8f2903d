import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { createLogger } from '../platform/logger.ts';
import { startSharedChromium } from './support/chromium.ts';
import { templateName } from './support/database.ts';
import { report, scanDir, scanRun } from './support/pii-scan.ts';

/**
 * One Chromium for the run's page suites and sign-in browsers, and one migrated template database, so
 * that each test file gets a migrated copy quickly: on the PostgreSQL server (DATABASE_URL) a template
 * database cloned by CREATE DATABASE … TEMPLATE; on the embedded engine a PGlite data folder copied
 * file by file (a fresh PGlite runs initdb, ~3 s of WebAssembly per database; a copy opens in ~1 s).
 * The teardown scans what the run's servers answered, logged and audited for full ID numbers and
 * phones (issue 12, `support/pii-scan.ts`) and fails the run when it finds one.
 */
export default async function setup() {
  const piiRun = crypto.randomBytes(6).toString('hex');
  process.env.TONGMEN_PII_RUN = piiRun;
  const [stopChromium, dropDatabases] = await Promise.all([startSharedChromium(), setUpDatabases()]);
  return async () => {
    await dropDatabases?.();
    await stopChromium();
    const dir = scanDir(piiRun);
    const started = Date.now();
    const { findings, records, bytes } = scanRun(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    const summary = `Personal information scan: ${records} answers, log lines and audit events (${(bytes / 1e6).toFixed(1)} MB) in ${Date.now() - started} ms`;
    if (findings.length) {
      // Vitest reports a teardown error but keeps the run's exit code: the run must fail all the same.
      process.exitCode = 1;
      process.once('exit', () => {
        process.exitCode = 1;
      });
      throw new Error(`${report(findings)}\n${summary}`);
    }
    process.stdout.write(`${summary}: no full ID number or phone.\n`);
  };
}

/** Migrates the run's template database; the teardown drops every database of the run. */
async function setUpDatabases() {
  const url = process.env.DATABASE_URL;
  const runId = crypto.randomBytes(4).toString('hex');
  process.env.TONGMEN_TEST_RUN = runId;
  if (!url) return setUpEmbeddedTemplate(runId);
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

/** The embedded pass: one migrated PGlite data folder that each test file copies (see freshDatabaseEnv). */
async function setUpEmbeddedTemplate(runId: string) {
  const runDir = path.join(os.tmpdir(), `tongmen-test-${runId}`);
  const template = path.join(runDir, 'template');
  const db = await openDatabase(loadConfig({ DATA_DIR: template }), createLogger('silent'));
  await db.close();
  process.env.TONGMEN_TEST_PGLITE_TEMPLATE = template;
  return async () => fs.rmSync(runDir, { recursive: true, force: true });
}
