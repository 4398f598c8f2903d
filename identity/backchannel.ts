import type Provider from 'oidc-provider';
import type { Transaction } from 'sequelize';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import type { IdentityDeps } from './deps.ts';
import type { BackchannelRepository, ClaimedDelivery, LogoutNotice } from './store/backchannel-repository.ts';

const LEASE_MS = 30_000; // well above one try (oidc-provider aborts a request after 2.5 s)
const BATCH = 50;
const POLL_MS = 2000;

type SendLogout = (this: unknown, sub: string, sid?: string | null) => Promise<void>;

/** The delay before try `attempts + 1`: 1 s, 2 s, 4 s … never more than the cap. */
export function backoffMs(attempts: number, c: Config['backchannel']): number {
  return Math.min(c.baseDelayMs * 2 ** Math.max(0, attempts - 1), c.maxDelayMs);
}

/**
 * R24 — back-channel logout that survives a relying party being down. Notices go into the durable
 * queue in PostgreSQL (`BackchannelRepository`): those of an ended account in the transaction that
 * ends it, those of an RP-initiated logout when oidc-provider's own first try fails. Every node
 * works the queue (a timer, plus a pass right after an account ends); each try signs a fresh
 * logout token; a failure is retried with exponential backoff; after the last try the delivery is
 * dropped with a `logout.backchannel_failed` audit event. The clock is the provider's (`Date`).
 */
export class BackchannelDeliveries {
  private pass: Promise<number> = Promise.resolve(0);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      provider: Provider;
      queue: BackchannelRepository;
      db: IdentityDeps['db'];
      audit: IdentityDeps['audit'];
      accounts: IdentityDeps['directory']['accounts'];
      config: Config['backchannel'];
      logger: Logger;
    },
  ) {}

  /** Queues notices to send now, inside the caller's transaction (they exist iff the ending commits). */
  enqueue(tx: Transaction, notices: readonly LogoutNotice[]): Promise<void> {
    return this.deps.queue.enqueue(notices, new Date(), { tx });
  }

  /** A first try made elsewhere (oidc-provider's end_session) failed: the queue takes over. */
  async firstTryFailed(notice: LogoutNotice, err: unknown): Promise<void> {
    const at = new Date(Date.now() + backoffMs(1, this.deps.config));
    await this.deps.queue.enqueue([notice], at, { attempts: 1, lastError: describe(err) });
  }

  /** Sends every due delivery (one pass at a time on this node); resolves to the number of tries made. */
  deliverDue(): Promise<number> {
    const run = this.pass.then(() => this.drain());
    this.pass = run.catch((err: unknown) => {
      this.deps.logger.warn({ err }, 'back-channel logout queue pass failed; retrying at the next one');
      return 0;
    });
    return run;
  }

  start(pollMs = POLL_MS): void {
    this.timer = setInterval(() => void this.deliverDue().catch(() => {}), pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.pass;
  }

  private async drain(): Promise<number> {
    let tries = 0;
    for (;;) {
      const claimed = await this.deps.queue.claimDue(new Date(), LEASE_MS, BATCH);
      tries += (await Promise.all(claimed.map((d) => this.deliver(d)))).filter(Boolean).length;
      if (claimed.length < BATCH) return tries;
    }
  }

  /** One try of one delivery; true when a request was made. */
  private async deliver(d: ClaimedDelivery): Promise<boolean> {
    const { provider, queue, logger, config } = this.deps;
    const client = await provider.Client.find(d.clientId);
    const send = client?.['backchannelLogout'] as SendLogout | undefined;
    if (!client?.backchannelLogoutUri || typeof send !== 'function') {
      // No URI (nothing to notify) or a client since disabled (its tokens ended with it).
      await queue.remove(d.id);
      return false;
    }
    const attempts = d.attempts + 1;
    try {
      await send.call(client, d.accountId, d.sid);
      await queue.remove(d.id);
      logger.info({ clientId: d.clientId, accountId: d.accountId, attempts }, 'back-channel logout delivered');
    } catch (err) {
      if (attempts >= config.maxAttempts) await this.giveUp(d, attempts, err);
      else {
        await queue.retryAt(d.id, attempts, new Date(Date.now() + backoffMs(attempts, config)), describe(err));
        logger.warn({ clientId: d.clientId, accountId: d.accountId, attempts, err: describe(err) }, 'back-channel logout failed; will retry');
      }
    }
    return true;
  }

  private async giveUp(d: ClaimedDelivery, attempts: number, err: unknown): Promise<void> {
    const { db, audit, accounts, queue, logger } = this.deps;
    await db.transaction(async (tx) => {
      const account = await accounts.signInView(tx, d.accountId);
      await queue.remove(d.id, tx);
      await audit.record(tx, {
        action: 'logout.backchannel_failed',
        target: { type: 'account', id: d.accountId },
        unitId: account?.unitId ?? null,
        result: 'failure',
        reason: 'unreachable',
        details: { clientId: d.clientId, attempts, error: describe(err) },
      });
    });
    logger.error({ clientId: d.clientId, accountId: d.accountId, attempts }, 'back-channel logout given up');
  }
}

/**
 * RP-initiated logout (oidc-provider's end_session) makes its own first try, bounded by the
 * provider's 2.5 s request timeout so that a logout never waits long on a subsystem that is down;
 * when it fails, the durable queue takes over. Each outcome is logged.
 */
export function queueFailedLogouts(provider: Provider, deliveries: Pick<BackchannelDeliveries, 'firstTryFailed'>, logger: Logger): void {
  provider.on('backchannel.success', (_ctx, client, accountId: string) =>
    logger.info({ clientId: client.clientId, accountId }, 'back-channel logout delivered'),
  );
  provider.on('backchannel.error', (_ctx, err, client, accountId: string, sid?: string) => {
    logger.warn({ err: describe(err), clientId: client.clientId, accountId }, 'back-channel logout failed; queued for retry');
    deliveries
      .firstTryFailed({ clientId: client.clientId, accountId, sid }, err)
      .catch((e: unknown) => logger.error({ err: e, clientId: client.clientId, accountId }, 'could not queue a back-channel logout'));
  });
}

/** The error of a try, short and free of secrets (a status line or a network error's message). */
function describe(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 300);
}
