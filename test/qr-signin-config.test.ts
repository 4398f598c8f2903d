import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/app.ts';
import { bootstrapProvince } from '../directory/bootstrap/bootstrap.ts';
import { generatePiiKey } from '../platform/crypto/pii.ts';
import { generateEsscDevKeyPair, signEsscAssertion } from '../identity/essc/simulator.ts';
import { startTestServer } from './support/harness.ts';
import { samplePerson } from './support/core.ts';
import { FormBrowser } from './support/browser.ts';
import { clientConfig, pkceAuthorizationUrl } from './support/oidc.ts';

/**
 * R22, SPEC §5 — where the card app's key comes from decides what exists: with ESSC_PUBLIC_KEY the
 * server verifies with it and has no simulator (it holds no private key); in production without
 * it, QR sign-in is off (no tab, the confirmation endpoint answers 503 `essc.not_configured`) and
 * the simulator is absent; the simulator's own page works as a plain form.
 */
const servers: RunningServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

async function start(env: Record<string, string>) {
  const server = await startTestServer(env);
  servers.push(server);
  const admin = samplePerson('扫码配置管理员');
  const root = await bootstrapProvince(server.tongmen.base, server.tongmen.services, { unitName: '扫码配置测试省厅', uscc: '91350100M000100Y43', admin });
  return { server, admin, root };
}

/** A sign-in page of `admin-console` read without JavaScript; `method` picks a tab. */
async function signInPage(url: string, method?: string) {
  const config = await clientConfig(url, 'admin-console');
  const { url: auth } = await pkceAuthorizationUrl(config, { redirectUri: `${url}/console/callback`, resource: 'urn:tongmen:admin-api' });
  const b = new FormBrowser();
  const at = new URL(await b.follow(auth.toString()));
  if (method) {
    at.searchParams.set('method', method);
    await b.follow(at.toString());
  }
  return b;
}

describe('R22 the card app\'s key', () => {
  it('R22: in production without ESSC_PUBLIC_KEY, QR sign-in is off: no tab, 503 essc.not_configured (audited), no simulator', async () => {
    const { server } = await start({
      NODE_ENV: 'production',
      ADMIN_MFA: 'hrss',
      PII_KEY: generatePiiKey(),
      AUDIT_CHECKPOINT_KEY: 'qr-config-test-checkpoint-key-0123456789',
      AUDIT_CHECKPOINT_FILE: 'off',
      // Production refuses the console SMS gateway (R21); a real one is configured (never called here).
      SMS_PROVIDER: 'aliyun', SMS_ACCESS_KEY_ID: 'id', SMS_ACCESS_KEY_SECRET: 'secret', SMS_SIGN_NAME: '统门', SMS_TEMPLATE_ID: 'SMS_1',
    });
    expect(server.tongmen.base.essc).toEqual({ publicKeyPem: undefined, devPrivateKeyPem: undefined });
    const b = await signInPage(server.url);
    expect(b.lastHtml).toContain('name="password"');
    expect(b.lastHtml).not.toContain('method=qr');
    // Asked for anyway: the password tab, no ticket.
    const qr = await signInPage(server.url, 'qr');
    expect(qr.lastHtml).not.toContain('data-ticket');
    const res = await fetch(`${server.url}/essc/confirm`, { method: 'POST', headers: { 'content-type': 'application/jose' }, body: 'x.y.z' });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('essc.not_configured');
    const [events] = await server.tongmen.base.db.sequelize.query(`SELECT result, reason FROM audit_events WHERE action = 'signin.essc.confirm'`);
    expect(events).toEqual([{ result: 'failure', reason: 'not_configured' }]);
    expect((await fetch(`${server.url}/dev/essc`)).status).toBe(404);
    expect((await fetch(`${server.url}/dev/essc/confirm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);
  });

  it('R22: with ESSC_PUBLIC_KEY (RSA) the server verifies with it; another key is refused; there is no simulator', async () => {
    const app = generateEsscDevKeyPair('rsa');
    const { server, admin } = await start({ ESSC_PUBLIC_KEY: app.publicKeyPem.replaceAll('\n', '\\n') });
    expect(server.tongmen.base.essc.devPrivateKeyPem).toBeUndefined();
    expect((await fetch(`${server.url}/dev/essc`)).status).toBe(404);
    const b = await signInPage(server.url, 'qr');
    const ticket = /data-ticket="([^"]+)"/.exec(b.lastHtml)?.[1];
    expect(ticket).toBeTruthy();
    expect(b.lastHtml).not.toContain('/dev/essc');
    const post = async (jws: string) =>
      fetch(`${server.url}/essc/confirm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ assertion: jws }) });
    const foreign = await post(await signEsscAssertion({ ticket: ticket!, idNumber: admin.idNumber, name: admin.name }, generateEsscDevKeyPair('rsa').privateKeyPem));
    expect(foreign.status).toBe(401);
    const ok = await post(await signEsscAssertion({ ticket: ticket!, idNumber: admin.idNumber, name: admin.name }, app.privateKeyPem));
    expect(await ok.json()).toEqual({ ticket, status: 'confirmed' });
  });

  it('R22, SPEC §5: the development key is generated once and shared through the database; the simulator page works as a plain form', async () => {
    const { server, admin } = await start({});
    const keys = server.tongmen.base.essc;
    expect(keys.publicKeyPem).toMatch(/BEGIN PUBLIC KEY/);
    const [rows] = await server.tongmen.base.db.sequelize.query(`SELECT value->>'publicKeyPem' AS pem FROM settings WHERE key = 'essc_dev_key'`);
    expect(rows).toEqual([{ pem: keys.publicKeyPem }]);
    const b = await signInPage(server.url, 'qr');
    const ticket = /data-ticket="([^"]+)"/.exec(b.lastHtml)![1]!;
    // The QR tab links the simulator with its ticket filled in; the developer types the person.
    const sim = new FormBrowser();
    await sim.follow(`${server.url}/dev/essc?ticket=${ticket}`);
    expect(sim.lastHtml).toContain('电子社保卡模拟器');
    await sim.submit({ idNumber: admin.idNumber, name: '不是本人' });
    expect(sim.lastStatus).toBe(403);
    expect(sim.lastHtml).toContain('essc.person_mismatch');
    await sim.submit({ idNumber: admin.idNumber, name: admin.name });
    expect(sim.lastStatus).toBe(200);
    expect(sim.lastHtml).toContain('已确认');
    const status = await b.get(`${server.url}${/data-status-url="([^"]+)"/.exec(b.lastHtml)![1]!.replaceAll('&amp;', '&')}`);
    expect(await status.json()).toEqual({ status: 'confirmed' });
  });
});
