import type { IdentityReads } from '../directory/identity-reads.ts';

/**
 * oidc-provider's outbound `fetch` (back-channel logout, client `jwks_uri`). By default the
 * provider pins a dispatcher that refuses loopback and private addresses (an SSRF guard). Tongmen's
 * subsystems run on the internal network, so — a deliberate choice — the guard is lifted for
 * exactly one kind of URL: the back-channel logout URI registered on an active FIRST-PARTY client
 * (registered by bootstrap, never by a partner). Every other URL keeps the guard.
 */
export function makeOutboundFetch(clients: IdentityReads['clients']) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (init && (await clients.isFirstPartyBackchannelUri(url))) {
      // `dispatcher` is undici's per-request option, not in the standard RequestInit type.
      const guarded: RequestInit & { dispatcher?: unknown } = init;
      const { dispatcher: _guard, ...rest } = guarded;
      return fetch(url, rest);
    }
    return fetch(input, init);
  };
}
