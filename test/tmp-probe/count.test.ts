import * as oidc from 'openid-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.ts';
import { startTestServer } from '../support/harness.ts';
import { clientConfig, signIn } from '../support/oidc.ts';
import { seedWorld, startFakeRp, WORLD_PASSWORD } from '../identity-fixtures.ts';

let server: RunningServer;
let rp: Awaited<ReturnType<typeof startFakeRp>>;
let world: Awaited<ReturnType<typeof seedWorld>>;
beforeAll(async () => {
  server = await startTestServer({ LOG_LEVEL: 'error' });
  rp = await startFakeRp();
  world = await seedWorld(server.tongmen.base, rp.url);
});
afterAll(async () => { await server?.close(); await rp?.close(); });

it('count', async () => {
  const seq = server.tongmen.base.db.sequelize as any;
  const log: string[] = [];
  const orig = seq.query.bind(seq);
  seq.query = (sql: any, opts: any) => { log.push(String(typeof sql === 'string' ? sql : sql.query).replace(/\s+/g, ' ').slice(0, 150)); return orig(sql, opts); };
  const origFetch = globalThis.fetch;
  globalThis.fetch = (async (u: any, init: any) => { const before = log.length; const r = await origFetch(u, init); log.push(`^^^ ${init?.method ?? 'GET'} ${String(u).replace(server.url, '').slice(0, 60)} -> ${r.status} (${log.length - before} queries)`); return r; }) as any;
  const title = world.client('title');
  const r = await signIn({ issuer: server.url, clientId: 'title', clientSecret: title.clientSecret!, redirectUri: title.redirectUris[0]!, resource: 'urn:tongmen:title', username: world.dual.phone, password: WORLD_PASSWORD, accountId: world.dual.operatorId });
  if (!r.ok) throw new Error(r.html);
  log.push('===== refresh');
  await oidc.refreshTokenGrant(r.config, r.tokens.refresh_token!);
  log.push('===== introspect');
  await oidc.tokenIntrospection(r.config, r.tokens.access_token);
  log.push('===== introspect refresh');
  await oidc.tokenIntrospection(r.config, r.tokens.refresh_token!);
  globalThis.fetch = origFetch;
  console.log(log.join('\n'));
  expect(1).toBe(1);
});
