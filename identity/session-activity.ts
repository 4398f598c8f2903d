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
 *
 * Issue 11: one slide per session per minute and node is enough — a subsystem refreshing in a
 * burst does not write the session row each time. The idle window is therefore measured from the
 * first refresh of that minute: it may end up to a minute earlier than the last refresh plus
 * the idle timeout, never later.
 */
const SLIDE_EVERY_MS = 60_000;
const MAX_REMEMBERED = 100_000;
export function slideSessionOnRefresh(provider: Provider, payloads: Pick<PayloadRepository, 'slideSession'>, config: Config, logger: Logger): void {
  const { idleSeconds, maxSeconds } = config.session;
  const slidAt = new Map<string, number>();
  provider.on('grant.success', (ctx) => {
    const token = ctx.oidc.entities.RefreshToken;
    if (ctx.oidc.params?.grant_type !== 'refresh_token' || !token?.sessionUid) return;
    const now = Date.now(); // the provider's clock, as slideSession's
    const last = slidAt.get(token.sessionUid);
    if (last !== undefined && now - last >= 0 && now - last < SLIDE_EVERY_MS) return;
    if (slidAt.size >= MAX_REMEMBERED) slidAt.clear();
    slidAt.set(token.sessionUid, now);
    payloads
      .slideSession(token.sessionUid, idleSeconds, maxSeconds)
      .catch((err: unknown) => {
        slidAt.delete(token.sessionUid!); // the next refresh tries again
        logger.warn({ err }, 'could not extend the session after a refresh');
      });
  });
}
