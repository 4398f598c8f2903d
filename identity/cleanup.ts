import type { Sequelize } from 'sequelize';
import type { Logger } from '../platform/logger.ts';
import { ThrottleRepository } from '../directory/credentials/throttle-repository.ts';
import { deleteExpiredPayloads } from './adapter.ts';

const EVERY_MS = 5 * 60 * 1000;
const THROTTLE_RETENTION_SECONDS = 2 * 24 * 3600;

/**
 * Periodic deletion of expired artifacts, step state and old throttle windows. Every node runs it;
 * the deletes are idempotent, so overlapping runs only cost a little work. The timer is unref'd so
 * it never keeps a process alive; `stop` waits for a run in progress.
 */
export function startCleanup(sequelize: Sequelize, logger: Logger): { stop(): Promise<void> } {
  const throttles = new ThrottleRepository({ sequelize });
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= (async () => {
      try {
        const deleted = await deleteExpiredPayloads(sequelize);
        await throttles.purge(THROTTLE_RETENTION_SECONDS);
        if (deleted) logger.debug({ deleted }, 'expired identity artifacts deleted');
      } catch (err) {
        logger.warn({ err }, 'identity cleanup failed; retrying at the next run');
      } finally {
        running = undefined;
      }
    })();
  };
  const timer = setInterval(run, EVERY_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
