import * as oidc from 'openid-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../server/app.ts';
import { FormBrowser } from '../support/browser.ts';
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

async function open() {
  const title = world.client('title');
  const config = await clientConfig(server.url, 'title', title.clientSecret!);
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: title.redirectUris[0]!, scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    resource: 'urn:tongmen:title',
  });
  const browser = new FormBrowser();
  const page = await browser.follow(url.toString());
  return { browser, page };
}

it('probe', async () => {
  const out: string[] = [];
  const log = async (label: string, p: Promise<Response>) => { const r = await p; out.push(`${r.status} ${label} ${(await r.text()).slice(0, 120).replace(/\s+/g, ' ')}`); };
  await log('GET unknown uid', fetch(`${server.url}/interaction/unknown`));
  await log('GET bad pct', fetch(`${server.url}/interaction/%E0%A4%A`));
  await log('POST bad pct', fetch(`${server.url}/interaction/%E0%A4%A/password`, { method: 'POST', body: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
  await log('POST big', fetch(`${server.url}/interaction/x/password`, { method: 'POST', body: 'a=' + 'x'.repeat(100000), headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
  await log('POST charset', fetch(`${server.url}/interaction/x/password`, { method: 'POST', body: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=foo' } }));
  await log('POST bad form', fetch(`${server.url}/interaction/x/password`, { method: 'POST', body: 'a=%ZZ&%%=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
  const { browser, page } = await open();
  const cookie = (browser as any).jar as Map<string, string>;
  const ck = [...cookie.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  const csrf = browser.lastHtml.match(/name="csrf" value="([^"]+)"/)![1]!;
  const post = (path: string, body: string, ct = 'application/x-www-form-urlencoded', extra: Record<string, string> = {}) => fetch(`${page}${path}`, { method: 'POST', body, redirect: 'manual', headers: { 'content-type': ct, cookie: ck, ...extra } });
  await log('json body', post('/password', JSON.stringify({ csrf, username: 'a', password: 'b' }), 'application/json'));
  await log('dup csrf', post('/password', `csrf=${csrf}&csrf=${csrf}&username=a&password=b`));
  await log('dup username', post('/password', `csrf=${csrf}&username=a&username=b&password=b`));
  await log('nested', post('/password', `csrf=${csrf}&username[a]=1&password[b]=2`));
  await log('proto', post('/password', `csrf=${csrf}&__proto__[x]=1&username=a&password=b`));
  await log('constructor', post('/password', `csrf=${csrf}&constructor[prototype][x]=1&username=a&password=b`));
  await log('huge', post('/password', `csrf=${csrf}&username=${'a'.repeat(15000)}&password=b`));
  await log('huge pw', post('/password', `csrf=${csrf}&username=a&password=${'b'.repeat(15000)}`));
  await log('many keys', post('/password', `csrf=${csrf}&` + Array.from({ length: 2000 }, (_, i) => `k${i}=1`).join('&')));
  await log('consent at login', post('/consent', `csrf=${csrf}&decision=allow`));
  await log('account no auth', post('/account', `csrf=${csrf}&accountId=x`));
  await log('change no auth', post('/change-password', `csrf=${csrf}&newPassword=x&confirmPassword=x`));
  await log('no ct', fetch(`${page}/password`, { method: 'POST', body: 'x', redirect: 'manual', headers: { cookie: ck } }));
  // token endpoint
  const tok = (auth: string, body = 'grant_type=client_credentials') => fetch(`${server.url}/token`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: auth } : {}) } });
  for (const a of ['Basic !!!', 'Basic ' + Buffer.from('nocolon').toString('base64'), 'Basic ' + Buffer.from('%ZZ:x').toString('base64'), 'Bearer x', 'Basic', 'Basic ' + Buffer.from(':').toString('base64'), 'Basic ' + Buffer.from('partner-title:%ZZ').toString('base64'), 'Basic ' + Buffer.from('nobody:x').toString('base64')]) {
    await log(`token ${a}`, tok(a));
    await log(`introspect opaque ${a}`, fetch(`${server.url}/token/introspection`, { method: 'POST', body: 'token=abc', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: a } }));
    await log(`introspect jwt ${a}`, fetch(`${server.url}/token/introspection`, { method: 'POST', body: 'token=eyJhbGciOiJub25lIn0.e30.', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: a } }));
  }
  await log('introspect json', fetch(`${server.url}/token/introspection`, { method: 'POST', body: '{"token":"a"}', headers: { 'content-type': 'application/json' } }));
  await log('introspect dup token', fetch(`${server.url}/token/introspection`, { method: 'POST', body: 'token=a&token=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
  await log('introspect big', fetch(`${server.url}/token/introspection`, { method: 'POST', body: 'token=' + 'a'.repeat(20000), headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
  await log('introspect no body', fetch(`${server.url}/token/introspection`, { method: 'POST' }));
  await log('introspect jwt body creds', fetch(`${server.url}/token/introspection`, { method: 'POST', body: 'token=eyJhbGciOiJub25lIn0.e30.&client_id=x&client_secret=y', headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
  await log('introspect jwt both', fetch(`${server.url}/token/introspection`, { method: 'POST', body: `token=eyJhbGciOiJub25lIn0.e30.&client_id=title&client_secret=${world.client('title').clientSecret}`, headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic ' + Buffer.from('partner-title:x').toString('base64') } }));
  await log('token bad charset', fetch(`${server.url}/token`, { method: 'POST', body: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=foo' } }));
  await log('revocation bad', fetch(`${server.url}/token/revocation`, { method: 'POST', body: 'token=a', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic !!!' } }));
  await log('userinfo bad', fetch(`${server.url}/me`, { headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' } }));
  console.log(out.join('\n'));
  expect(out.length).toBeGreaterThan(0);
});
