import type Provider from 'oidc-provider';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import type { PayloadRepository } from './store/payload-repository.ts';

/**
 * R24 — using a subsystem counts as activity. Tokens end with the SSO session (logout must kill
 * them), so a refresh token is only good while its session lives; without this, a person working
 * in a subsystem for longer than the idle timeout — refreshing every 5 minutes but never passing
 * through the sign-in pages again — would be thrown out. Each successful refresh slides the
 * session's idle window (never past its absolute lifetime). It only updates a session row that
 * still exists, so it can never bring back a session that logout or offboarding has ended.
 */
export function slideSessionOnRefresh(provider: Provider, payloads: Pick<PayloadRepository, 'slideSession'>, config: Config, logger: Logger): void {
  const { idleSeconds, maxSeconds } = config.session;
  provider.on('grant.success', (ctx) => {
    const token = ctx.oidc.entities.RefreshToken;
    if (ctx.oidc.params?.grant_type !== 'refresh_token' || !token?.sessionUid) return;
    payloads
      .slideSession(token.sessionUid, idleSeconds, maxSeconds)
      .catch((err: unknown) => logger.warn({ err }, 'could not extend the session after a refresh'));
  });
}
