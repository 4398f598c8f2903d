import type { ClientMetadata } from 'oidc-provider';

/** The first-party client through which the person's own page gets a browser signed in (issue 7). */
export const ACCOUNT_CLIENT_ID = 'account';
export const ACCOUNT_PATH = '/account';
export const accountCallbackUrl = (issuer: string) => `${issuer}${ACCOUNT_PATH}/callback`;

/**
 * The person's own page is served by the provider itself, so its client is built in rather than
 * stored: it exists on every deployment, however old its bootstrap, and no administrator can change
 * or disable it. Public (no secret: the code is redeemed in-process, bound by PKCE to the browser's
 * flow cookie), authorization code only (no refresh token, no access token is ever used), first-party
 * (no consent screen), no resources.
 */
export function accountClientMetadata(issuer: string): ClientMetadata {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: '个人中心',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [accountCallbackUrl(issuer)],
    post_logout_redirect_uris: [`${issuer}${ACCOUNT_PATH}`],
    tongmen_kind: 'first-party',
    tongmen_resources: [],
    tongmen_introspect: false,
  };
}
