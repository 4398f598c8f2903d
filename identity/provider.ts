import Provider, { type Configuration } from 'oidc-provider';
import { PayloadAdapter, RequestPrefetch } from './adapter.ts';
import { accountClientMetadata } from './account-page/client.ts';
import type { IdentityDeps } from './deps.ts';
import { makeFindAccount, SCOPE_CLAIMS } from './claims.ts';
import { ClientAdapter, EXTRA_CLIENT_METADATA } from './clients.ts';
import { makeOutboundFetch } from './fetch.ts';
import { signInPolicy } from './interaction-policy.ts';
import { loadExistingGrant } from './grants.ts';
import type { SigningKeys } from './keys.ts';
import type { PayloadRepository } from './store/payload-repository.ts';
import { logoutSource, postLogoutSuccessSource, renderError } from './pages/provider-pages.ts';
import {
  expiresWithSession, introspectionAllowed, issueRefreshToken, revocationAllowed, rotateRefreshToken, ttls,
} from './policies.ts';
import { getResourceServerInfo } from './resources.ts';
import { makeExtraTokenClaims } from './token-claims.ts';

/**
 * The OpenID provider, assembled from its parts (SPEC §5, OIDC-NOTES): PostgreSQL storage, shared
 * keys, clients from the `clients` table, our sign-in pages (devInteractions off), PKCE for every
 * client, resource indicators with JWT access tokens for Tongmen's resources, introspection,
 * revocation, client credentials, RP-initiated and back-channel logout.
 */
export function buildProvider(
  base: Pick<IdentityDeps, 'config' | 'issuer' | 'pii' | 'cookieKeys' | 'directory'>,
  keys: SigningKeys,
  payloads: PayloadRepository,
  /** How clients are read: the node's live view (issue 11), else the directory on every lookup. */
  clientReads: Pick<IdentityDeps['directory']['clients'], 'findActive'> = base.directory.clients,
): Provider {
  const { directory } = base;
  const prefetched = new RequestPrefetch();
  const clients = new ClientAdapter(clientReads, base.pii, [accountClientMetadata(base.issuer)]);
  // Issue 5 item 6: an https issuer means Secure cookies, always (platform/http/edge.ts servePublicScheme).
  const secure = new URL(base.issuer).protocol === 'https:' ? { secure: true } : {};
  const configuration: Configuration = {
    adapter: (name: string) => (name === 'Client' ? clients : new PayloadAdapter(payloads, name, prefetched)),
    jwks: keys.privateJwks,
    cookies: {
      keys: base.cookieKeys,
      long: { httpOnly: true, sameSite: 'lax', ...secure },
      short: { httpOnly: true, sameSite: 'lax', ...secure },
    },
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    extraClientMetadata: { properties: [...EXTRA_CLIENT_METADATA] },
    responseTypes: ['code'],
    scopes: ['openid', 'offline_access', 'profile', 'phone'],
    claims: SCOPE_CLAIMS,
    // Subsystems read the unit context from the ID token; they need not call userinfo.
    conformIdTokenClaims: false,
    findAccount: makeFindAccount(directory.accounts),
    loadExistingGrant,
    extraTokenClaims: makeExtraTokenClaims(directory),
    issueRefreshToken,
    rotateRefreshToken,
    expiresWithSession,
    pkce: { required: () => true },
    ttl: ttls(base.config),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: introspectionAllowed },
      revocation: { enabled: true, allowedPolicy: revocationAllowed },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        getResourceServerInfo,
        // A client that asked for one resource gets its access token without naming it again.
        useGrantedResource: () => true,
      },
    },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: signInPolicy(directory.accounts, base.config.adminMfa),
    },
    renderError,
    // No cross-origin client: only Tongmen's own pages (the web console at /console, issue 10) may
    // call the token and logout endpoints from a browser — their requests carry our own origin.
    clientBasedCORS: (_ctx, origin) => origin === new URL(base.issuer).origin,
    fetch: makeOutboundFetch(directory.clients),
  };
  const provider = new Provider(base.issuer, configuration);
  provider.proxy = base.config.trustProxy;
  return provider;
}
