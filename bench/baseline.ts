import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

/**
 * The baseline of `npm run bench` (issue 11): a bare oidc-provider 9 with its in-memory adapter and
 * one confidential client, in a process of its own. It issues what Tongmen issues for the same
 * grants — an opaque token for a partner resource, a JWT access token signed with BENCH_ALG for a
 * first-party resource plus an RS256 ID token on refresh — and introspects opaque tokens.
 * Prints one JSON line (its URL, client, a refresh token) once it listens.
 */
const alg = (process.env.BENCH_ALG ?? 'RS256') as 'RS256' | 'ES256';
const PARTNER = 'https://partner.example/api';
const JWT_RESOURCE = 'urn:bench:subsystem';
const secret = crypto.randomBytes(24).toString('base64url');

const jwk = (type: 'rsa' | 'ec', a: string) => {
  const { privateKey } = type === 'rsa' ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }) : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...(privateKey.export({ format: 'jwk' }) as Record<string, string>), kid: `bench-${a.toLowerCase()}`, alg: a, use: 'sig' };
};

const server = http.createServer();
await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const configuration: Configuration = {
  clients: [
    {
      client_id: 'bench',
      client_secret: secret,
      grant_types: ['client_credentials', 'refresh_token', 'authorization_code'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/cb'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [jwk('rsa', 'RS256'), jwk('ec', 'ES256')] },
  scopes: ['openid', 'offline_access'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) =>
        resource === JWT_RESOURCE
          ? { scope: 'title', audience: resource, accessTokenTTL: 300, accessTokenFormat: 'jwt', jwt: { sign: { alg } } }
          : { scope: 'access', audience: resource, accessTokenTTL: 600, accessTokenFormat: 'opaque' },
    },
  },
  issueRefreshToken: () => true,
  rotateRefreshToken: () => false,
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
};
const provider = new Provider(issuer, configuration);
server.on('request', provider.callback());

// A refresh token as a code exchange would leave it: a grant with openid + the JWT resource.
const client = await provider.Client.find('bench');
const grant = new provider.Grant({ accountId: 'bench-account', clientId: 'bench' });
grant.addOIDCScope('openid offline_access');
grant.addResourceScope(JWT_RESOURCE, 'title');
const grantId = await grant.save();
const refresh = new provider.RefreshToken({
  client: client!,
  accountId: 'bench-account',
  grantId,
  scope: 'openid offline_access',
  resource: JWT_RESOURCE,
  gty: 'authorization_code',
  authTime: Math.floor(Date.now() / 1000),
} as ConstructorParameters<typeof provider.RefreshToken>[0]);
const refreshToken = await refresh.save();

process.stdout.write(`${JSON.stringify({ url: issuer, clientId: 'bench', clientSecret: secret, refreshToken, partnerResource: PARTNER, jwtResource: JWT_RESOURCE, alg })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
