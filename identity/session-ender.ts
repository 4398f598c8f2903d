import type { Transaction } from 'sequelize';
import type { SessionEnder } from '../directory/session-ender.ts';
import type { BackchannelDeliveries } from './backchannel.ts';
import type { PayloadRepository } from './store/payload-repository.ts';

/** Token artifacts a client holds at the provider (oidc-provider models stored in `oidc_payloads`). */
const CLIENT_ARTIFACTS = ['AccessToken', 'ClientCredentials', 'RefreshToken', 'AuthorizationCode', 'Grant'];

/**
 * R11, R12 — ends everything an account holds at the provider, inside the caller's transaction:
 * its sessions, its grants and every artifact issued under them (refresh tokens, opaque access
 * tokens, codes), found by account id and by grant id. JWT access tokens cannot be deleted; they
 * die at introspection because their grant is gone, and by expiry within 5 minutes.
 * R24 — the back-channel logouts to the clients of the ended sessions are queued in the same
 * transaction (offboarding, migration and disabling all come here), so none is lost if the node
 * stops; the post-commit step it returns makes the first try at once. A relying party that is down
 * is retried with backoff by the queue (identity/backchannel.ts).
 */
export class ProviderSessionEnder implements SessionEnder {
  constructor(
    private readonly payloads: PayloadRepository,
    private readonly deliveries: BackchannelDeliveries,
  ) {}

  async endAll(tx: Transaction, accountId: string): Promise<() => Promise<void>> {
    const sessions = await this.payloads.ofAccount(tx, 'Session', accountId);
    const grants = await this.payloads.ofAccount(tx, 'Grant', accountId);
    const notices = sessions.flatMap((s) =>
      Object.entries(s.payload.authorizations ?? {}).map(([clientId, a]) => ({ clientId, accountId, sid: a.sid, grantId: a.grantId })),
    );
    const grantIds = [...new Set([...grants.map((g) => g.id), ...notices.flatMap((n) => (n.grantId ? [n.grantId] : []))])];
    await this.payloads.deleteOfAccount(tx, accountId, grantIds);
    await this.deliveries.enqueue(tx, notices);
    return async () => {
      if (notices.length > 0) await this.deliveries.deliverDue();
    };
  }

  async endClientTokens(tx: Transaction, clientId: string): Promise<void> {
    await this.payloads.deleteOfClient(tx, CLIENT_ARTIFACTS, clientId);
  }
}
