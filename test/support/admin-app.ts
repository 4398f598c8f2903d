import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { createAdminApi } from '../../admin-api/index.ts';
import { RESOURCES } from '../../directory/catalogue/modules.ts';
import { requestContext } from '../../server/http.ts';
import type { openBootstrappedCore } from './core.ts';

type Core = Awaited<ReturnType<typeof openBootstrappedCore>>;

export interface ApiAnswer {
  status: number;
  headers: Headers;
  // Test answers are read field by field; their shapes are the OpenAPI document's business.
  body: any;
}

/**
 * The admin API over real HTTP on the directory core, with a stand-in for identity's token check:
 * the token `test.<accountId>` is valid for the admin-API resource. Everything after the token —
 * loading the live account, authorization, guards, services, errors — is the real code. The token
 * path itself is covered end to end (openid-client) in `e2e-foundation.test.ts`.
 */
export async function startAdminApp(core: Core) {
  const identity = {
    async verifyAccessToken(token: string, resource: string) {
      if (resource !== RESOURCES.admin || !token.startsWith('test.')) throw new Error('invalid token');
      return { sub: token.slice(5) };
    },
  };
  const adminApi = createAdminApi(core.base, core.services, identity);
  const app = new Koa();
  app.silent = true;
  app.use(requestContext(core.base.logger));
  app.use(adminApi.routes);
  app.use((ctx) => {
    ctx.body = 'outside the admin API';
  });
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const raw = (path: string, init: RequestInit = {}) => fetch(`${url}${path}`, init);
  async function api(token: string | null, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    const res = await raw(`/admin/v1${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
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
    adminApi,
    tokenFor: (accountId: string) => `test.${accountId}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
