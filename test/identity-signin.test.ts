import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormBrowser } from './support/browser.ts';
import { pkceAuthorizationUrl, clientConfig, signIn } from './support/oidc.ts';
import { argon2Hasher } from '../directory/credentials/password-hasher.ts';
import { ClientModel } from '../directory/models/index.ts';
import { toClientRow } from '../directory/bootstrap/first-party-clients.ts';
import { insertAccount, insertCredential, insertPerson, WORLD_PASSWORD, openSignInWorld, type SignInWorld } from './identity-fixtures.ts';

const NEW_PASSWORD = 'Changed#Pass2025';
let env: SignInWorld;
let server: SignInWorld['server'];
let rp: SignInWorld['rp'];
let world: SignInWorld['world'];

beforeAll(async () => {
  env = await openSignInWorld();
  ({ server, rp, world } = env);
});
afterAll(() => env?.close());

const title = () => world.client('title');
const titleSignIn = (o: { username: string; password: string; newPassword?: string; accountId?: string; browser?: FormBrowser }) =>
  signIn({
    issuer: server.url,
    clientId: 'title',
    clientSecret: title().clientSecret!,
    redirectUri: title().redirectUris[0]!,
    resource: 'urn:tongmen:title',
    ...o,
  });

/** Follows an authorization request to the client's callback and returns the `error` it carries. */
async function callbackError(url: URL) {
  const back = await new FormBrowser().follow(url.toString(), (u) => u.pathname === '/callback');
  return new URL(back).searchParams.get('error');
}

/** Starts an authorization request for `title` and returns the browser on the sign-in page. */
async function openSignIn(query = '') {
  const config = await clientConfig(server.url, 'title', title().clientSecret!);
  const { url } = await pkceAuthorizationUrl(config, { redirectUri: title().redirectUris[0]!, resource: 'urn:tongmen:title' });
  const browser = new FormBrowser();
  const page = await browser.follow(url.toString());
  if (query) await browser.follow(`${page}${query}`);
  return { browser, page };
}

const sessionsOf = async (accountId: string) => {
  const [rows] = await server.tongmen.base.db.sequelize.query(
    `SELECT count(*)::int AS n FROM oidc_payloads WHERE model = 'Session' AND account_id = :accountId`,
    { replacements: { accountId } },
  );
  return (rows as Array<{ n: number }>)[0]!.n;
};

describe('OpenID provider at the issuer root (SPEC §5)', () => {
  it('serves discovery and one JWKS with RS256 and ES256 public keys of unique kids', async () => {
    const meta = await (await fetch(`${server.url}/.well-known/openid-configuration`)).json();
    expect(meta).toMatchObject({
      issuer: server.url,
      authorization_endpoint: `${server.url}/auth`,
      token_endpoint: `${server.url}/token`,
      introspection_endpoint: `${server.url}/token/introspection`,
      revocation_endpoint: `${server.url}/token/revocation`,
      end_session_endpoint: `${server.url}/session/end`,
      backchannel_logout_supported: true,
      code_challenge_methods_supported: ['S256'],
    });
    // Resource scopes are not OIDC scopes (else every sign-in would stop at consent).
    expect(meta.scopes_supported).toEqual(['openid', 'offline_access', 'profile', 'phone']);
    const { keys } = await (await fetch(`${server.url}/jwks`)).json();
    expect(keys.map((k: { alg: string }) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(new Set(keys.map((k: { kid: string }) => k.kid)).size).toBe(keys.length);
    expect(keys.some((k: Record<string, unknown>) => 'd' in k)).toBe(false);
  });
});

describe('authorization requests', () => {
  it('PKCE is required of every client, confidential ones included', async () => {
    const config = await clientConfig(server.url, 'title', title().clientSecret!);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: title().redirectUris[0]!,
      scope: 'openid',
      resource: 'urn:tongmen:title',
    });
    expect(await callbackError(url)).toBe('invalid_request');
  });

  it('answers an unknown client with the provider\'s error page in Chinese', async () => {
    const res = await fetch(`${server.url}/auth?client_id=nobody&response_type=code&scope=openid`);
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('出错了');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('a partner app using sign-in gets a consent page; allowing returns a code', async () => {
    const secret = 'partner-signin-secret-0123456789';
    await ClientModel.create(
      toClientRow(
        {
          clientId: 'partner-signin', name: '合作门户', kind: 'partner', clientSecret: secret,
          grantTypes: ['authorization_code'], redirectUris: [`${rp.url}/callback`], postLogoutRedirectUris: [],
          backchannelLogoutUri: null, resources: [], canIntrospect: false,
        },
        server.tongmen.base.pii,
      ),
    );
    const config = await clientConfig(server.url, 'partner-signin', secret);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: `${rp.url}/callback`,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const browser = new FormBrowser();
    await browser.follow(url.toString());
    await browser.submit({ username: world.dual.phone, password: WORLD_PASSWORD });
    await browser.submit({ accountId: world.dual.operatorId });
    expect(browser.lastHtml).toContain('授权确认');
    expect(browser.lastHtml).toContain('合作门户');
    const back = await browser.submit({ decision: 'allow' }, { actionPart: '/consent', stopAt: (u) => u.pathname === '/callback' });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back), { pkceCodeVerifier: verifier });
    expect(tokens.claims()?.sub).toBe(world.dual.operatorId);
  });

  it('a client may ask only for its registered resources (RFC 8707)', async () => {
    const config = await clientConfig(server.url, 'title', title().clientSecret!);
    const { url } = await pkceAuthorizationUrl(config, { redirectUri: title().redirectUris[0]!, resource: 'urn:tongmen:personnel' });
    expect(await callbackError(url)).toBe('invalid_target');
  });
});

describe('partner clients never get a Tongmen resource token', () => {
  it('not through a user\'s sign-in either: a partner registered for a subsystem resource is refused it (invalid_target)', async () => {
    const secret = 'partner-signin-title-secret-0123456789';
    await ClientModel.create(
      toClientRow(
        {
          clientId: 'partner-signin-title', name: '合作门户二', kind: 'partner', clientSecret: secret,
          grantTypes: ['authorization_code'], redirectUris: [`${rp.url}/callback`], postLogoutRedirectUris: [],
          backchannelLogoutUri: null, resources: ['urn:tongmen:title'], canIntrospect: true,
        },
        server.tongmen.base.pii,
      ),
    );
    const config = await clientConfig(server.url, 'partner-signin-title', secret);
    const { url } = await pkceAuthorizationUrl(config, { redirectUri: `${rp.url}/callback`, resource: 'urn:tongmen:title' });
    expect(await callbackError(url)).toBe('invalid_target');
  });
});

describe('password sign-in pages', () => {
  it('R20: an initial password is changed before any session or code exists; policy errors are shown', async () => {
    // An operator of this test's own on an initial password (world.op's stays for the other tests).
    const { sequelize } = server.tongmen.base.db;
    const person = await insertPerson(sequelize, server.tongmen.base.pii, '初次登录');
    const accountId = await insertAccount(sequelize, { kind: 'operator', unitId: world.school.id, unitKind: 'employer', personId: person.id });
    await insertCredential(sequelize, { personId: person.id, hash: await argon2Hasher.hash(WORLD_PASSWORD), mustChange: true });
    const { browser } = await openSignIn();
    await browser.submit({ username: person.phone, password: WORLD_PASSWORD });
    expect(browser.lastHtml).toContain('name="newPassword"');
    expect(await sessionsOf(accountId)).toBe(0);

    await browser.submit({ newPassword: 'short', confirmPassword: 'short' });
    expect(browser.lastStatus).toBe(400);
    expect(browser.lastHtml).toContain('至少 8 位');
    await browser.submit({ newPassword: WORLD_PASSWORD, confirmPassword: WORLD_PASSWORD });
    expect(browser.lastHtml).toContain('新密码不能与初始密码相同');
    await browser.submit({ newPassword: NEW_PASSWORD, confirmPassword: `${NEW_PASSWORD}x` });
    expect(browser.lastHtml).toContain('两次输入的新密码不一致');
    const callback = await browser.submit(
      { newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD },
      { stopAt: (u) => u.pathname === '/callback' },
    );
    expect(new URL(callback).searchParams.get('code')).toBeTruthy();
    expect(await sessionsOf(accountId)).toBe(1);
  });

  it('SPEC §6: the subsystem token carries that subsystem\'s roles and modules only, as a 5-minute at+jwt', async () => {
    // world.op is on its initial password (R20): the sign-in changes it first.
    const r = await titleSignIn({ username: world.op.idNumber, password: WORLD_PASSWORD, newPassword: NEW_PASSWORD });
    if (!r.ok) throw new Error(r.html);
    const at = r.tokens.access_token;
    expect(decodeProtectedHeader(at).typ).toBe('at+jwt');
    const { payload } = await jwtVerify(at, createRemoteJWKSet(new URL(`${server.url}/jwks`)), {
      issuer: server.url,
      audience: 'urn:tongmen:title',
      typ: 'at+jwt',
    });
    expect(payload).toMatchObject({
      sub: world.op.accountId,
      acct_kind: 'operator',
      unit_id: world.school.id,
      unit_path: [world.root.id, world.school.id],
      unit_category: 'institution',
      roles: ['title.reviewer'],
      modules: ['title:unit-recommend', 'title:unit-verify'],
      client_id: 'title',
    });
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(typeof payload.gid).toBe('string');
    const id = r.tokens.claims()!;
    expect(id).toMatchObject({
      sub: world.op.accountId,
      acct_kind: 'operator',
      name: '王经办',
      unit: { id: world.school.id, uscc: world.school.uscc, name: '测试示范学校', kind: 'employer', category: 'institution' },
      unit_path: [world.root.id, world.school.id],
      phone_number: `${world.op.phone.slice(0, 3)}****${world.op.phone.slice(-4)}`,
    });
    expect(r.tokens.refresh_token).toBeTruthy();
  });

  it('R9: a person with two accounts chooses one; the administrator account never carries roles', async () => {
    const asAdmin = await titleSignIn({ username: world.dual.phone, password: WORLD_PASSWORD, accountId: world.dual.adminId });
    if (!asAdmin.ok) throw new Error(asAdmin.html);
    expect(asAdmin.pages).toEqual(['password', 'choose-account']);
    const admin = await server.tongmen.identity.verifyAccessToken(asAdmin.tokens.access_token, 'urn:tongmen:title');
    expect(admin).toMatchObject({ sub: world.dual.adminId, acct_kind: 'admin', roles: [], modules: [] });

    const asOperator = await titleSignIn({ username: world.dual.phone, password: WORLD_PASSWORD, accountId: world.dual.operatorId });
    if (!asOperator.ok) throw new Error(asOperator.html);
    const op = await server.tongmen.identity.verifyAccessToken(asOperator.tokens.access_token, 'urn:tongmen:title');
    expect(op).toMatchObject({ sub: world.dual.operatorId, acct_kind: 'operator', roles: ['title.reviewer'] });
  });

  it('R19: the third wrong password locks, the page says to ask the unit administrator, the right one is refused', async () => {
    const { sequelize } = server.tongmen.base.db;
    const victim = await insertPerson(sequelize, server.tongmen.base.pii, '赵锁定');
    await insertAccount(sequelize, { kind: 'operator', unitId: world.school.id, unitKind: 'employer', personId: victim.id });
    await insertCredential(sequelize, { personId: victim.id, hash: await argon2Hasher.hash(WORLD_PASSWORD) });
    const { browser } = await openSignIn();
    for (let i = 1; i <= 3; i++) {
      await browser.submit({ username: victim.idNumber, password: `Wrong#${i}pass` });
      expect(browser.lastStatus).toBe(401);
      expect(browser.lastHtml).toContain(i < 3 ? '用户名或密码错误' : '请联系本单位管理员重置密码');
    }
    await browser.submit({ username: victim.idNumber, password: WORLD_PASSWORD });
    expect(browser.lastStatus).toBe(401);
    expect(browser.lastHtml).toContain('账号已锁定');
  });

  it('R19: an unknown sign-in name gets the very page of a wrong password', async () => {
    const a = await openSignIn();
    await a.browser.submit({ username: '13900000000', password: 'Whatever#123' });
    const b = await openSignIn();
    await b.browser.submit({ username: world.op.phone, password: 'Whatever#123' });
    const message = (html: string) => html.match(/<p class="error"[^>]*>([^<]*)</)?.[1];
    expect(a.browser.lastStatus).toBe(b.browser.lastStatus);
    expect(message(a.browser.lastHtml)).toBe('用户名或密码错误。');
    expect(message(a.browser.lastHtml)).toBe(message(b.browser.lastHtml));
  });

  it('refuses a form without its anti-forgery token (403) and escapes what it echoes', async () => {
    const { browser, page } = await openSignIn();
    const res = await fetch(`${page}/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'x', password: 'y' }),
      redirect: 'manual',
    });
    expect([400, 403]).toContain(res.status); // no cookie: the interaction itself is not found (400)
    await browser.submit({ username: '<script>alert(1)</script>', password: 'x' }, { actionPart: '/password' });
    expect(browser.lastHtml).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(browser.lastHtml).not.toContain('<script>');
    const forged = await openSignIn();
    await forged.browser.submit({ username: 'x', password: 'y', csrf: 'forged' }, { actionPart: '/password' });
    expect(forged.browser.lastStatus).toBe(403);
  });

  it('answers (400, never a hung request) when the interaction ends between loading and finishing it', async () => {
    const person = await insertPerson(server.tongmen.base.db.sequelize, server.tongmen.base.pii, '孙竞态');
    await insertAccount(server.tongmen.base.db.sequelize, { kind: 'operator', unitId: world.school.id, unitKind: 'employer', personId: person.id });
    await insertCredential(server.tongmen.base.db.sequelize, { personId: person.id, hash: await argon2Hasher.hash(WORLD_PASSWORD) });
    const { browser } = await openSignIn();
    // As when a parallel request resumed it, or it expired, after this request had loaded it.
    const provider = server.tongmen.identity.provider;
    const finish = provider.interactionFinished.bind(provider);
    provider.interactionFinished = async (...args: Parameters<typeof finish>) => {
      await server.tongmen.base.db.sequelize.query(`DELETE FROM oidc_payloads WHERE model = 'Interaction'`);
      return finish(...args);
    };
    try {
      const answered = await Promise.race([
        browser.submit({ username: person.phone, password: WORLD_PASSWORD }).then(() => 'answered'),
        new Promise((resolve) => setTimeout(() => resolve('hung'), 5000)),
      ]);
      expect(answered).toBe('answered');
      expect(browser.lastStatus).toBe(400);
      expect(browser.lastHtml).toContain('登录页面已过期或已完成');
    } finally {
      provider.interactionFinished = finish;
    }
  });

  it('R12: a sign-in completed after its account ended leaves no session behind to block the browser', async () => {
    const { sequelize } = server.tongmen.base.db;
    const person = await insertPerson(sequelize, server.tongmen.base.pii, '周离岗');
    const adminId = await insertAccount(sequelize, { kind: 'admin', unitId: world.root.id, personId: person.id });
    const operatorId = await insertAccount(sequelize, { kind: 'operator', unitId: world.school.id, unitKind: 'employer', personId: person.id });
    await insertCredential(sequelize, { personId: person.id, hash: await argon2Hasher.hash(WORLD_PASSWORD) });
    const { browser } = await openSignIn();
    await browser.submit({ username: person.phone, password: WORLD_PASSWORD });
    expect(browser.lastHtml).toContain('name="accountId"');

    // Offboarded while the person is on the account-choice page: no session exists yet to end.
    const { db } = server.tongmen.base;
    const after = await db.transaction(async (tx) => {
      await sequelize.query(`UPDATE accounts SET status = 'offboarded' WHERE id = :id`, { replacements: { id: operatorId }, transaction: tx });
      return server.tongmen.identity.sessionEnder.endAll(tx, operatorId);
    });
    await after();
    const back = await browser.submit({ accountId: operatorId }, { stopAt: (u) => u.pathname === '/callback' });
    expect(new URL(back).searchParams.get('code')).toBeNull();
    expect(await sessionsOf(operatorId)).toBe(0);

    // The same browser can still sign in with the person's live account.
    const r = await signIn({
      issuer: server.url,
      clientId: 'admin-console',
      redirectUri: `${server.url}/console/callback`,
      resource: 'urn:tongmen:admin-api',
      username: person.phone,
      password: WORLD_PASSWORD,
      accountId: adminId,
      browser,
    });
    if (!r.ok) throw new Error(r.html);
    expect(r.tokens.claims()?.sub).toBe(adminId);
  });

  it('R20: after an administrator\'s reset, neither the SSO session nor a refresh token gives a token before the change', async () => {
    const { sequelize } = server.tongmen.base.db;
    const person = await insertPerson(sequelize, server.tongmen.base.pii, '吴重置');
    const accountId = await insertAccount(sequelize, { kind: 'operator', unitId: world.school.id, unitKind: 'employer', personId: person.id });
    await insertCredential(sequelize, { personId: person.id, hash: await argon2Hasher.hash(WORLD_PASSWORD) });
    const first = await titleSignIn({ username: person.phone, password: WORLD_PASSWORD });
    if (!first.ok) throw new Error(first.html);
    expect(await sessionsOf(accountId)).toBe(1);

    const { services, base: { db } } = server.tongmen;
    const initial = await services.credentials.prepareInitialPassword();
    await db.transaction((tx) => services.credentials.resetByAdmin(tx, { personId: person.id }, initial));

    await expect(oidc.refreshTokenGrant(first.config, first.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The browser's SSO session yields no code; the sign-in that follows asks for the change first.
    const { browser } = first;
    const config = await clientConfig(server.url, 'title', title().clientSecret!);
    const { url } = await pkceAuthorizationUrl(config, { redirectUri: title().redirectUris[0]!, resource: 'urn:tongmen:title' });
    const back = await browser.follow(url.toString(), (u) => u.pathname === '/callback');
    expect(new URL(back).searchParams.get('code')).toBeNull();
    const again = await titleSignIn({ username: person.phone, password: initial.password, newPassword: NEW_PASSWORD, browser });
    if (!again.ok) throw new Error(again.html);
    expect(again.pages).toEqual(['password', 'change-password']);
  });

  it('speaks English with ?lang=en', async () => {
    const { browser } = await openSignIn('?lang=en');
    expect(browser.lastHtml).toContain('lang="en"');
    expect(browser.lastHtml).toContain('ID number, phone or unit code (USCC)');
  });

  it('cancelling returns access_denied to the client', async () => {
    const { browser } = await openSignIn();
    const back = await browser.submit({}, { actionPart: '/abort', stopAt: (u) => u.pathname === '/callback' });
    expect(new URL(back).searchParams.get('error')).toBe('access_denied');
  });

  it('the admin console gets an admin-API token; verifyAccessToken checks its audience', async () => {
    const r = await signIn({
      issuer: server.url,
      clientId: 'admin-console',
      redirectUri: `${server.url}/console/callback`,
      resource: 'urn:tongmen:admin-api',
      username: world.dual.phone,
      password: WORLD_PASSWORD,
      accountId: world.dual.adminId,
    });
    if (!r.ok) throw new Error(r.html);
    const claims = await server.tongmen.identity.verifyAccessToken(r.tokens.access_token, 'urn:tongmen:admin-api');
    expect(claims).toMatchObject({ sub: world.dual.adminId, acct_kind: 'admin', unit_id: world.root.id });
    expect(claims.roles).toBeUndefined();
    await expect(server.tongmen.identity.verifyAccessToken(r.tokens.access_token, 'urn:tongmen:title')).rejects.toMatchObject({
      status: 401,
      code: 'auth.invalid_token',
    });
  });
});
