import type { Client, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../platform/config.ts';
import { clientMayIntrospect, clientResources, isFirstParty } from './clients.ts';

type Token = { kind: string; clientId?: string | undefined; aud?: string | string[] | undefined };

const audiences = (t: Token) => (t.aud === undefined ? [] : Array.isArray(t.aud) ? t.aud : [t.aud]);

/**
 * SPEC §6 — a client may introspect only if registered for it, and then only tokens whose audience
 * is among its registered resources; refresh tokens (no audience) only when they are its own.
 */
export async function introspectionAllowed(_ctx: KoaContextWithOIDC, client: Client, token: Token): Promise<boolean> {
  if (!clientMayIntrospect(client)) return false;
  if (token.kind === 'RefreshToken') return token.clientId === client.clientId;
  const mine = new Set(clientResources(client));
  return audiences(token).some((aud) => mine.has(aud));
}

/** RFC 7009 — a client revokes only its own tokens; anything else is silently ignored. */
export async function revocationAllowed(_ctx: KoaContextWithOIDC, client: Client, token: Token): Promise<boolean> {
  return token.clientId === client.clientId;
}

/**
 * Token lifetimes. R24: the SSO session ends after `idle` without activity and at most `max`
 * after sign-in (each request that loads the session re-saves it with this TTL, which slides the
 * idle window). Grants and refresh tokens live as long as the longest session; access tokens of
 * Tongmen resources 5 minutes (set per resource).
 */
export function ttls(config: Config): NonNullable<Configuration['ttl']> {
  const { idleSeconds, maxSeconds } = config.session;
  return {
    AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 10 * 60,
    ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 10 * 60,
    AuthorizationCode: 60,
    IdToken: 10 * 60,
    Interaction: 30 * 60,
    Session: (_ctx, session) => {
      const loginTs = session.loginTs ?? Math.floor(Date.now() / 1000);
      const remaining = loginTs + maxSeconds - Math.floor(Date.now() / 1000);
      return Math.max(1, Math.min(idleSeconds, remaining));
    },
    Grant: maxSeconds,
    RefreshToken: (ctx, token, client) => {
      // A rotated token keeps the remaining life of the one it replaces: rotation never extends a login.
      const rotated = ctx?.oidc?.entities.RotatedRefreshToken;
      return rotated && client.clientAuthMethod === 'none' ? Math.max(1, rotated.remainingTTL) : maxSeconds;
    },
  };
}

/**
 * First-party clients get refresh tokens without `offline_access` (oidc-provider drops that scope
 * unless consent was prompted); others only when they asked for `offline_access`.
 */
export async function issueRefreshToken(
  _ctx: KoaContextWithOIDC,
  client: Client,
  code: { scopes: Set<string> },
): Promise<boolean> {
  return client.grantTypeAllowed('refresh_token') && (isFirstParty(client) || code.scopes.has('offline_access'));
}

/**
 * Refresh token rotation, decided per client type:
 * - confidential clients (the subsystems) are NOT rotated: the secret already binds the token to
 *   the client, and a subsystem running several workers refreshes in parallel; with rotation the
 *   second refresh would reuse a consumed token, which oidc-provider treats as theft and revokes
 *   the whole grant — signing the user out of that subsystem at random.
 * - public clients (the admin console in a browser) ARE rotated on every use, with reuse detection
 *   as the theft protection; the console must therefore serialize its refreshes (one at a time).
 */
export function rotateRefreshToken(ctx: KoaContextWithOIDC): boolean {
  return ctx.oidc.client?.clientAuthMethod === 'none';
}

/**
 * Tokens of an interactive sign-in end with the SSO session (RP-initiated logout revokes them,
 * R24); nothing is marked as outliving a logout.
 */
export async function expiresWithSession(): Promise<boolean> {
  return true;
}
