import type { Logger } from '../platform/logger.ts';
import type { IdentityDeps } from './deps.ts';
import type { InteractionStateRepository } from './store/interaction-state-repository.ts';
import type { PayloadRepository } from './store/payload-repository.ts';

const EVERY_MS = 5 * 60 * 1000;
const THROTTLE_RETENTION_SECONDS = 2 * 24 * 3600;

/**
 * Periodic deletion of expired artifacts, step state, old throttle windows and dead SMS codes. Every node runs it;
 * the deletes are idempotent, so overlapping runs only cost a little work. The timer is unref'd so
 * it never keeps a process alive; `stop` waits for a run in progress.
 */
export function startCleanup(
  stores: {
    payloads: Pick<PayloadRepository, 'deleteExpired'>;
    states: Pick<InteractionStateRepository<object>, 'deleteExpired'>;
    throttles: IdentityDeps['directory']['throttles'];
    smsCodes: IdentityDeps['directory']['smsCodes'];
    qrTickets: Pick<IdentityDeps['qrTickets'], 'purge'>;
  },
  logger: Logger,
): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= (async () => {
      try {
        const deleted = await stores.payloads.deleteExpired();
        await stores.states.deleteExpired();
        await stores.throttles.purge(THROTTLE_RETENTION_SECONDS);
        await stores.smsCodes.purge();
        await stores.qrTickets.purge();
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
