import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeApp } from '../../server/app.ts';
import { RESOURCES } from '../../directory/catalogue/modules.ts';
import { getResourceServerInfo } from '../../identity/resources.ts';
import type { openBootstrappedCore } from './core.ts';

type Core = Awaited<ReturnType<typeof openBootstrappedCore>>;

export interface ApiAnswer {
  status: number;
  headers: Headers;
  // Test answers are read field by field; their shapes are the OpenAPI document's business.
  body: any;
}

/**
 * The whole Tongmen HTTP app (identity + admin API) on the directory core, over real HTTP. Admin
 * tokens are real: a Grant and a JWT access token minted by the provider itself (its keys, its
 * format, its claims), so the admin API verifies them exactly as in production; the interactive
 * sign-in that normally precedes them is covered by the identity and end-to-end suites.
 */
export async function startAdminApp(core: Core) {
  const { identity, adminApi, app } = await composeApp(core.base, core.services);
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = identity.provider;
  const tokens = new Map<string, string>();

  /** A new real admin-API access token for `accountId`, under a new grant (as after a new sign-in). */
  async function mintToken(accountId: string): Promise<string> {
    const client = await provider.Client.find('admin-console');
    if (!client) throw new Error('admin-console client missing');
    const info = await getResourceServerInfo({ oidc: { params: {} } } as never, RESOURCES.admin, client);
    const grant = new provider.Grant({ accountId, clientId: client.clientId });
    grant.addOIDCScope('openid');
    grant.addResourceScope(RESOURCES.admin, info.scope);
    const grantId = await grant.save();
    const token = new provider.AccessToken({
      accountId,
      client,
      grantId,
      gty: 'authorization_code',
      scope: info.scope,
      resourceServer: new provider.ResourceServer(RESOURCES.admin, info),
    });
    return token.save();
  }

  /** A real admin-API access token for `accountId` (cached per account for the file). */
  async function tokenFor(accountId: string): Promise<string> {
    const cached = tokens.get(accountId);
    if (cached) return cached;
    const value = await mintToken(accountId);
    tokens.set(accountId, value);
    return value;
  }

  const raw = (path: string, init: RequestInit = {}) => fetch(`${url}${path}`, init);
  async function api(token: string | null | Promise<string>, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    const bearer = await token;
    const res = await raw(`/admin/v1${path}`, {
      method,
      headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const json = res.headers.get('content-type')?.includes('application/json') && text ? JSON.parse(text) : text;
    return { status: res.status, headers: res.headers, body: json };
  }

  return {
    url,
    raw,
    api,
    identity,
    adminApi,
    tokenFor,
    mintToken,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await identity.close();
    },
  };
}
