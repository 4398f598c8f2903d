import type { Provider } from 'oidc-provider';
import type { Sequelize, Transaction } from 'sequelize';
import type { Logger } from '../platform/logger.ts';
import type { SessionEnder } from '../directory/session-ender.ts';

/** Token artifacts a client holds at the provider (oidc-provider models stored in `oidc_payloads`). */
const CLIENT_ARTIFACTS = ['AccessToken', 'ClientCredentials', 'RefreshToken', 'AuthorizationCode', 'Grant'];

interface StoredSession {
  authorizations?: Record<string, { sid?: string; grantId?: string }>;
}

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
    private readonly sequelize: Sequelize,
    private readonly provider: Provider,
    private readonly logger: Logger,
  ) {}

  async endAll(tx: Transaction, accountId: string): Promise<() => Promise<void>> {
    const q = async <T>(sql: string, replacements: Record<string, unknown>) =>
      (await this.sequelize.query(sql, { replacements, transaction: tx }))[0] as T[];
    const sessions = await q<{ payload: StoredSession }>(
      `SELECT payload FROM oidc_payloads WHERE model = 'Session' AND account_id = :accountId`,
      { accountId },
    );
    const grants = await q<{ id: string }>(`SELECT id FROM oidc_payloads WHERE model = 'Grant' AND account_id = :accountId`, {
      accountId,
    });
    const notices = sessions.flatMap((s) =>
      Object.entries(s.payload.authorizations ?? {}).map(([clientId, a]) => ({ clientId, sid: a.sid, grantId: a.grantId })),
    );
    const grantIds = [...new Set([...grants.map((g) => g.id), ...notices.flatMap((n) => (n.grantId ? [n.grantId] : []))])];
    await q(
      `DELETE FROM oidc_payloads WHERE account_id = :accountId OR grant_id = ANY(CAST(:grantIds AS text[]))
         OR (model = 'Grant' AND id = ANY(CAST(:grantIds AS text[])))`,
      // oidc-provider ids are URL-safe (nanoid): the array literal needs no quoting.
      { accountId, grantIds: `{${grantIds.join(',')}}` },
    );
    return () => this.notify(accountId, notices);
  }

  async endClientTokens(tx: Transaction, clientId: string): Promise<void> {
    await this.sequelize.query(`DELETE FROM oidc_payloads WHERE model IN (:models) AND payload->>'clientId' = :clientId`, {
      replacements: { models: CLIENT_ARTIFACTS, clientId },
      transaction: tx,
    });
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
