import type { Provider } from 'oidc-provider';
import type { Transaction } from 'sequelize';
import type { Logger } from '../platform/logger.ts';
import type { SessionEnder } from '../directory/session-ender.ts';
import type { PayloadRepository } from './store/payload-repository.ts';

/** Token artifacts a client holds at the provider (oidc-provider models stored in `oidc_payloads`). */
const CLIENT_ARTIFACTS = ['AccessToken', 'ClientCredentials', 'RefreshToken', 'AuthorizationCode', 'Grant'];

/**
 * R11, R12 — ends everything an account holds at the provider, inside the caller's transaction:
 * its sessions, its grants and every artifact issued under them (refresh tokens, opaque access
 * tokens, codes), found by account id and by grant id. JWT access tokens cannot be deleted; they
 * die at introspection because their grant is gone, and by expiry within 5 minutes.
 * Returns the post-commit step: back-channel logout to the clients of the ended sessions that
 * registered a URI (best effort: a subsystem that is down is logged, not retried).
 */
export class ProviderSessionEnder implements SessionEnder {
  constructor(
    private readonly payloads: PayloadRepository,
    private readonly provider: Provider,
    private readonly logger: Logger,
  ) {}

  async endAll(tx: Transaction, accountId: string): Promise<() => Promise<void>> {
    const sessions = await this.payloads.ofAccount(tx, 'Session', accountId);
    const grants = await this.payloads.ofAccount(tx, 'Grant', accountId);
    const notices = sessions.flatMap((s) =>
      Object.entries(s.payload.authorizations ?? {}).map(([clientId, a]) => ({ clientId, sid: a.sid, grantId: a.grantId })),
    );
    const grantIds = [...new Set([...grants.map((g) => g.id), ...notices.flatMap((n) => (n.grantId ? [n.grantId] : []))])];
    await this.payloads.deleteOfAccount(tx, accountId, grantIds);
    return () => this.notify(accountId, notices);
  }

  async endClientTokens(tx: Transaction, clientId: string): Promise<void> {
    await this.payloads.deleteOfClient(tx, CLIENT_ARTIFACTS, clientId);
  }

  private async notify(accountId: string, notices: Array<{ clientId: string; sid?: string | undefined }>): Promise<void> {
    await Promise.all(
      notices.map(async ({ clientId, sid }) => {
        try {
          const client = await this.provider.Client.find(clientId);
          const send = client?.['backchannelLogout'];
          if (!client?.backchannelLogoutUri || typeof send !== 'function') return;
          await send.call(client, accountId, sid);
          this.logger.info({ clientId, accountId }, 'back-channel logout sent');
        } catch (err) {
          this.logger.warn({ err, clientId, accountId }, 'back-channel logout failed');
        }
      }),
    );
  }
}
