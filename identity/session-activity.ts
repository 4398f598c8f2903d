import type Provider from 'oidc-provider';
import type { Sequelize } from 'sequelize';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';

/**
 * R24 — using a subsystem counts as activity. Tokens end with the SSO session (logout must kill
 * them), so a refresh token is only good while its session lives; without this, a person working
 * in a subsystem for longer than the idle timeout — refreshing every 5 minutes but never passing
 * through the sign-in pages again — would be thrown out. Each successful refresh slides the
 * session's idle window (never past its absolute lifetime). It only updates a session row that
 * still exists, so it can never bring back a session that logout or offboarding has ended.
 */
export function slideSessionOnRefresh(provider: Provider, sequelize: Sequelize, config: Config, logger: Logger): void {
  const { idleSeconds, maxSeconds } = config.session;
  provider.on('grant.success', (ctx) => {
    const token = ctx.oidc.entities.RefreshToken;
    if (ctx.oidc.params?.grant_type !== 'refresh_token' || !token?.sessionUid) return;
    sequelize
      .query(
        `WITH next AS (
           SELECT id, LEAST(now() + make_interval(secs => :idle),
                            to_timestamp(CAST(payload->>'loginTs' AS bigint) + :max)) AS at
           FROM oidc_payloads WHERE model = 'Session' AND uid = :uid AND expires_at > now())
         UPDATE oidc_payloads p SET expires_at = next.at,
           payload = jsonb_set(p.payload, '{exp}', to_jsonb(CAST(extract(epoch FROM next.at) AS bigint)))
         FROM next WHERE p.model = 'Session' AND p.id = next.id AND next.at > p.expires_at`,
        { replacements: { idle: idleSeconds, max: maxSeconds, uid: token.sessionUid } },
      )
      .catch((err: unknown) => logger.warn({ err }, 'could not extend the session after a refresh'));
  });
}
