import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { SHUTDOWN_GRACE_MS, startServer } from '../server/app.ts';
import { openCore } from '../server/core.ts';
import { joinClusterMetrics, serveClusterMetrics } from '../server/cluster-metrics.ts';
import { loadConfig, type Config } from '../platform/config.ts';
import { isAppError } from '../platform/errors.ts';
import { createLogger, type Logger } from '../platform/logger.ts';
import { loadDemo } from '../directory/bootstrap/demo.ts';
import { consoleAddress, demoBanner } from './demo-banner.ts';

/**
 * The server of `npm start` (loaded by cli/start.ts): on PORT (default 3000), on the embedded
 * database unless DATABASE_URL names a PostgreSQL server. On an empty embedded database it loads
 * the demo province and prints how to sign in; a real PostgreSQL never gets demo data. With
 * WORKERS > 1 the node runs that many HTTP processes (node:cluster) sharing the port; they are
 * stateless, so a crashed one is replaced.
 */
let config: Config;
try {
  config = loadConfig();
} catch (err) {
  // A configuration refusal is the operator's to fix: one clear line, no stack trace.
  if (isAppError(err)) process.stderr.write(`Tongmen could not start: ${err.message} (${err.code})\n`);
  else process.stderr.write(`Tongmen could not start: ${String(err)}\n`);
  process.exit(1);
}
const logger = createLogger(config.logLevel);

/** Runs `stop` on the first SIGTERM or SIGINT; later signals wait for the same stop (Ctrl+C reaches every process of a cluster). */
function onStopSignal(stop: () => Promise<void>) {
  let stopping: Promise<void> | undefined;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    logger.info({ signal, pid: process.pid }, 'Tongmen stopping');
    stopping = stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'Tongmen did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}

/** What the demo is loaded through: the core the composition root opened. */
type Core = Awaited<ReturnType<typeof openCore>>;

/** On an empty embedded database, the demo province (SPEC §4); the clients bootstrap made for it, when it was loaded now. */
async function maybeLoadDemo({ base, services }: Core, issuer: string) {
  if (!config.demo || (await services.bootstrap.isDone())) return undefined;
  const demo = await loadDemo(base, services);
  process.stdout.write(demoBanner(issuer, demo.logins));
  return demo.clients;
}

/** The demo's four subsystems beside the server (embedded database only: a real PostgreSQL never gets the demo). */
async function demoSubsystems(issuer: string, clients: Awaited<ReturnType<typeof maybeLoadDemo>>) {
  if (!config.demo || config.database.kind !== 'embedded') return async () => {};
  const { dataDir } = config.database;
  // Loaded only here: the subsystems' OIDC client libraries and stores stay out of a production node (issue 11).
  const { startDemoSubsystems } = await import('./demo-subsystems.ts');
  return startDemoSubsystems({ issuer, dataDir, subsystemUrls: config.subsystemUrls, clients, logger });
}

function warnAboutSettings(log: Logger, c: Config) {
  if (c.initialPassword) log.warn('INITIAL_PASSWORD is set: every new or reset account gets the same initial password (R20)');
  if (c.adminMfa === 'off') log.warn('ADMIN_MFA=off: administrators sign in without a second factor (development and tests only)');
}

/** One process serving HTTP: the whole node, or one worker of a cluster. */
async function serve(env: NodeJS.ProcessEnv, embeddedDemo: boolean) {
  const running = await startServer(env, logger);
  const { tongmen } = running;
  // WORKERS > 1: the primary sums every worker's registry for a scrape of /metrics (issue 12).
  if (cluster.isWorker) joinClusterMetrics(tongmen.metrics.registry);
  logger.info({ issuer: running.url, console: consoleAddress(running.url), database: tongmen.base.db.kind, pid: process.pid }, 'Tongmen listening');
  if (cluster.isPrimary) process.stdout.write(`管理控制台 Web console: ${consoleAddress(running.url)}\n`);
  const embedded = embeddedDemo && tongmen.base.db.kind === 'embedded';
  const clients = embedded ? await maybeLoadDemo(tongmen, running.url) : undefined;
  const stopSubsystems = embedded ? await demoSubsystems(running.url, clients) : async () => {};
  // Rolling restarts lose nothing: stop accepting, finish what is in flight, then close the database.
  onStopSignal(async () => {
    await stopSubsystems();
    await running.close();
    logger.info({ pid: process.pid }, 'Tongmen stopped');
  });
}

/**
 * The cluster's primary: it owns the embedded database (served to the workers over its loopback
 * socket) or nothing at all with an external one, migrates and seeds once, then forks the workers.
 */
async function supervise() {
  const embedded = config.database.kind === 'embedded' ? await (await import('../platform/db/embedded.ts')).startEmbeddedDatabase(config.database.dataDir) : null;
  const workerEnv: NodeJS.ProcessEnv = embedded
    ? { ...process.env, DATABASE_URL: embedded.url, TONGMEN_EMBEDDED_PRIMARY: 'true', DB_POOL_MAX: String(config.dbPoolMax ?? 3) }
    : { ...process.env };
  const core = await openCore(loadConfig(workerEnv), config.issuer ?? `http://localhost:${config.port}`, logger);
  const clients = embedded ? await maybeLoadDemo(core, core.base.issuer) : undefined;
  await core.base.db.close();
  const stopSubsystems = embedded ? await demoSubsystems(core.base.issuer, clients) : async () => {};
  let stopping = false;
  serveClusterMetrics();
  const fork = () => cluster.fork(workerEnv);
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.warn({ pid: worker.process.pid, code, signal }, 'worker exited; starting another');
    fork();
  });
  for (let i = 0; i < config.workers; i++) fork();
  logger.info({ workers: config.workers, database: embedded ? 'embedded' : 'external' }, 'Tongmen cluster started');
  process.stdout.write(`管理控制台 Web console: ${consoleAddress(core.base.issuer)}\n`);
  onStopSignal(async () => {
    stopping = true;
    await stopSubsystems();
    // Each worker drains itself on SIGTERM; the embedded database they use stops only after the last.
    await stopWorkers(Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w)));
    await embedded?.stop();
    logger.info('Tongmen cluster stopped');
  });
}

/** Sends SIGTERM to every worker and waits for all to exit; one still running after its grace time is killed. */
async function stopWorkers(workers: Worker[]) {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          const kill = setTimeout(() => {
            logger.warn({ pid: w.process.pid }, 'worker did not stop in time; killing it');
            w.process.kill('SIGKILL');
          }, SHUTDOWN_GRACE_MS + 5_000);
          w.process.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          // The signal itself, not worker.kill(): that disconnects first and cuts what is in flight.
          w.process.kill('SIGTERM');
        }),
    ),
  );
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
