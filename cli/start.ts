import cluster from 'node:cluster';
import { startServer } from '../server/app.ts';
import { openCore } from '../server/core.ts';
import { loadConfig, type Config } from '../platform/config.ts';
import { startEmbeddedDatabase } from '../platform/db/embedded.ts';
import { isAppError } from '../platform/errors.ts';
import { createLogger, type Logger } from '../platform/logger.ts';
import { UnitModel } from '../directory/models/index.ts';
import { loadDemo } from '../directory/bootstrap/demo.ts';
import type { BaseContext } from '../server/context.ts';
import type { Services } from '../server/services.ts';
import { demoBanner } from './demo-banner.ts';

/**
 * `npm start`: the server on PORT (default 3000), on the embedded database unless DATABASE_URL
 * names a PostgreSQL server. On an empty embedded database it loads the demo province and prints
 * how to sign in; a real PostgreSQL never gets demo data. With WORKERS > 1 the node runs that many
 * HTTP processes (node:cluster) sharing the port; they are stateless, so a crashed one is replaced.
 */
const config = loadConfig();
const logger = createLogger(config.logLevel);

/** On an empty embedded database, the demo province (SPEC §4). */
async function maybeLoadDemo(base: BaseContext, services: Services, issuer: string) {
  if (!config.demo || (await UnitModel.count()) > 0) return;
  process.stdout.write(demoBanner(issuer, await loadDemo(base, services)));
}

function warnAboutSettings(log: Logger, c: Config) {
  if (c.initialPassword) log.warn('INITIAL_PASSWORD is set: every new or reset account gets the same initial password (R20)');
  if (c.adminMfa === 'off') log.warn('ADMIN_MFA=off: administrators sign in without a second factor (development and tests only)');
  else log.warn(`ADMIN_MFA=${c.adminMfa}: the second factor (R23) is not in this release yet; administrators sign in with a password only`);
}

/** One process serving HTTP: the whole node, or one worker of a cluster. */
async function serve(env: NodeJS.ProcessEnv, embeddedDemo: boolean) {
  const running = await startServer(env, logger);
  const { base, services } = running.tongmen;
  logger.info({ issuer: running.url, database: base.db.kind, pid: process.pid }, 'Tongmen listening');
  if (embeddedDemo && base.db.kind === 'embedded') await maybeLoadDemo(base, services, running.url);
  const stop = async () => {
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/**
 * The cluster's primary: it owns the embedded database (served to the workers over its loopback
 * socket) or nothing at all with an external one, migrates and seeds once, then forks the workers.
 */
async function supervise() {
  const embedded = config.database.kind === 'embedded' ? await startEmbeddedDatabase(config.database.dataDir) : null;
  const workerEnv: NodeJS.ProcessEnv = embedded
    ? { ...process.env, DATABASE_URL: embedded.url, TONGMEN_EMBEDDED_PRIMARY: 'true', DB_POOL_MAX: String(config.dbPoolMax ?? 3) }
    : { ...process.env };
  const core = await openCore(loadConfig(workerEnv), config.issuer ?? `http://localhost:${config.port}`, logger);
  if (embedded) await maybeLoadDemo(core.base, core.services, core.base.issuer);
  await core.base.db.close();
  let stopping = false;
  const fork = () => cluster.fork(workerEnv);
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.warn({ pid: worker.process.pid, code, signal }, 'worker exited; starting another');
    fork();
  });
  for (let i = 0; i < config.workers; i++) fork();
  logger.info({ workers: config.workers, database: embedded ? 'embedded' : 'external' }, 'Tongmen cluster started');
  const stop = async () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

try {
  if (cluster.isPrimary) warnAboutSettings(logger, config);
  if (config.workers > 1 && cluster.isPrimary) await supervise();
  else await serve(process.env, cluster.isPrimary);
} catch (err) {
  if (isAppError(err) && err.expose) process.stderr.write(`Tongmen could not start: ${err.message} (${err.code})\n`);
  else logger.fatal({ err }, 'Tongmen could not start');
  process.exitCode = 1;
}
