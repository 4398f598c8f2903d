import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PayloadAdapter } from '../identity/adapter.ts';
import { PayloadRepository } from '../identity/store/payload-repository.ts';
import { FormBrowser } from './support/browser.ts';
import { clientConfig, signIn } from './support/oidc.ts';
import { argon2Hasher } from '../directory/credentials/password-hasher.ts';
import { insertAccount, insertCredential, insertPerson, WORLD_PASSWORD, openSignInWorld, type SignInWorld } from './identity-fixtures.ts';

let env: SignInWorld;
let server: SignInWorld['server'];
let rp: SignInWorld['rp'];
let world: SignInWorld['world'];

beforeAll(async () => {
  env = await openSignInWorld();
  ({ server, rp, world } = env);
});
afterAll(() => env?.close());

const config = (clientId: string) => clientConfig(server.url, clientId, world.client(clientId).clientSecret ?? undefined);
const introspect = async (clientId: string, token: string) => oidc.tokenIntrospection(await config(clientId), token);
const sql = async (query: string, replacements: Record<string, unknown> = {}) =>
  (await server.tongmen.base.db.sequelize.query(query, { replacements }))[0] as Array<Record<string, unknown>>;

let opChanged = false;

/** Signs in to the `title` subsystem (the operator first changes its initial password). */
async function titleSession(who: 'op' | 'dualOperator') {
  const title = world.client('title');
  const r = await signIn({
    issuer: server.url,
    clientId: 'title',
    clientSecret: title.clientSecret!,
    redirectUri: title.redirectUris[0]!,
    resource: 'urn:tongmen:title',
    username: who === 'op' ? world.op.phone : world.dual.phone,
    password: who === 'op' && opChanged ? 'Changed#Pass2025' : WORLD_PASSWORD,
    newPassword: 'Changed#Pass2025',
    accountId: world.dual.operatorId,
  });
  if (!r.ok) throw new Error(r.html);
  if (who === 'op') opChanged = true;
  return r;
}

describe('introspection (SPEC §6)', () => {
  it('answers for JWTs: the subsystem for its own resource, a partner only for its registered resources', async () => {
    const { tokens } = await titleSession('op');
    const at = tokens.access_token;
    expect(await introspect('title', at)).toMatchObject({
      active: true,
      sub: world.op.accountId,
      aud: 'urn:tongmen:title',
      client_id: 'title',
      token_type: 'Bearer',
      acct_kind: 'operator',
      unit_id: world.school.id,
      unit_path: [world.root.id, world.school.id],
      unit_category: 'institution',
      roles: ['title.reviewer'],
      iss: server.url,
    });
    expect(await introspect('partner-title', at)).toMatchObject({ active: true, sub: world.op.accountId });
    expect(await introspect('partner-other', at)).toEqual({ active: false });
    expect(await introspect('personnel', at)).toEqual({ active: false });
    expect(await introspect('title', `${at.slice(0, -4)}AAAA`)).toEqual({ active: false });
  });

  it('refuses a wrong client secret with 401 invalid_client', async () => {
    const { tokens } = await titleSession('op');
    const res = await fetch(`${server.url}/token/introspection`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('partner-title:wrong').toString('base64')}`,
      },
      body: new URLSearchParams({ token: tokens.access_token }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('delegates opaque tokens to the provider: a refresh token only to its own client', async () => {
    const { tokens } = await titleSession('op');
    expect(await introspect('title', tokens.refresh_token!)).toMatchObject({ active: true, client_id: 'title', sub: world.op.accountId });
    expect(await introspect('partner-title', tokens.refresh_token!)).toEqual({ active: false });
  });

  it('partner apps: client credentials give opaque tokens for partner resources only', async () => {
    const partner = await config('partner-title');
    const cc = await oidc.clientCredentialsGrant(partner, { resource: 'https://partner.example/api' });
    expect(cc.access_token.split('.')).toHaveLength(1);
    expect(await introspect('partner-title', cc.access_token)).toMatchObject({ active: true, aud: 'https://partner.example/api' });
    expect(await introspect('partner-other', cc.access_token)).toEqual({ active: false });
    await expect(oidc.clientCredentialsGrant(partner, { resource: 'urn:tongmen:title' })).rejects.toMatchObject({
      error: 'invalid_target',
    });
  });
});

describe('partner clients', () => {
  it('revoke their own opaque tokens (RFC 7009)', async () => {
    const partner = await config('partner-title');
    const cc = await oidc.clientCredentialsGrant(partner, { resource: 'https://partner.example/api' });
    await oidc.tokenRevocation(partner, cc.access_token);
    expect(await introspect('partner-title', cc.access_token)).toEqual({ active: false });
  });

  it('a disabled client no longer exists for the provider — even disabled by hand in SQL, within the 1 s the live view allows', async () => {
    const other = await config('partner-other');
    await oidc.clientCredentialsGrant(other, { resource: 'https://other.example/api' }); // the view now holds it
    await sql(`UPDATE clients SET status = 'disabled' WHERE client_id = 'partner-other'`);
    try {
      const grant = () =>
        oidc.clientCredentialsGrant(other, { resource: 'https://other.example/api' }).then(
          () => 'granted',
          (err: { error?: string }) => err.error,
        );
      await expect.poll(grant, { timeout: 1_000, interval: 50 }).toBe('invalid_client');
    } finally {
      // Other tests introspect as partner-other: leave it as the world made it, whatever the order.
      await sql(`UPDATE clients SET status = 'active' WHERE client_id = 'partner-other'`);
    }
    expect((await oidc.clientCredentialsGrant(other, { resource: 'https://other.example/api' })).access_token).toBeTruthy();
  });
});

describe('ending an account and a session', () => {
  it('R12/§6: ending an account ends sessions, grants and tokens at once, with back-channel logout', async () => {
    const r = await titleSession('dualOperator');
    const accountId = world.dual.operatorId;
    expect(await introspect('title', r.tokens.access_token)).toMatchObject({ active: true });
    const before = rp.logoutTokens.length;

    const { db, logger } = server.tongmen.base;
    const afterCommit = await db.transaction(async (tx) => {
      await db.sequelize.query(`UPDATE accounts SET status = 'offboarded' WHERE id = :id`, { replacements: { id: accountId }, transaction: tx });
      return server.tongmen.identity.sessionEnder.endAll(tx, accountId);
    });
    await afterCommit();
    logger.debug('account ended');

    expect(await introspect('title', r.tokens.access_token)).toEqual({ active: false });
    await expect(oidc.refreshTokenGrant(r.config, r.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await sql(`SELECT model FROM oidc_payloads WHERE account_id = :accountId`, { accountId })).toEqual([]);
    expect(rp.logoutTokens.length).toBe(before + 1);
    const { payload } = await jwtVerify(rp.logoutTokens.at(-1)!, createRemoteJWKSet(new URL(`${server.url}/jwks`)), {
      issuer: server.url,
      audience: 'title',
      typ: 'logout+jwt',
    });
    expect(payload).toMatchObject({ sub: accountId, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });

    // The browser's old session cookie leads to a clean sign-in page, never an error.
    const again = await config('title');
    const url = oidc.buildAuthorizationUrl(again, {
      redirect_uri: world.client('title').redirectUris[0]!,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      resource: 'urn:tongmen:title',
    });
    await r.browser.follow(url.toString());
    expect(r.browser.lastStatus).toBe(200);
    expect(r.browser.lastHtml).toContain('name="password"');
  });

  it('R11: a JWT of an account that moved to another unit answers active:false', async () => {
    const { tokens } = await titleSession('op');
    await sql(`UPDATE accounts SET unit_id = :unitId WHERE id = :id`, { unitId: world.root.id, id: world.op.accountId });
    try {
      expect(await introspect('title', tokens.access_token)).toEqual({ active: false });
    } finally {
      await sql(`UPDATE accounts SET unit_id = :unitId WHERE id = :id`, { unitId: world.school.id, id: world.op.accountId });
    }
  });

  it('confidential subsystems refresh in parallel without rotation tripping theft detection', async () => {
    const r = await titleSession('op');
    const [a, b] = await Promise.all([
      oidc.refreshTokenGrant(r.config, r.tokens.refresh_token!),
      oidc.refreshTokenGrant(r.config, r.tokens.refresh_token!),
    ]);
    for (const t of [a, b]) expect(await introspect('title', t.access_token)).toMatchObject({ active: true });
  });

  it('R24: a refresh counts as activity: it slides the idle window of the SSO session', async () => {
    const r = await titleSession('op');
    const soon = `UPDATE oidc_payloads SET expires_at = now() + interval '20 seconds',
      payload = jsonb_set(payload, '{exp}', to_jsonb(CAST(extract(epoch FROM now() + interval '20 seconds') AS bigint)))
      WHERE model = 'Session' AND account_id = :a`;
    await sql(soon, { a: world.op.accountId });
    await oidc.refreshTokenGrant(r.config, r.tokens.refresh_token!);
    const longest = async () =>
      (await sql(`SELECT max(expires_at) > now() + interval '20 minutes' AS slid FROM oidc_payloads
        WHERE model = 'Session' AND account_id = :a`, { a: world.op.accountId }))[0]!.slid;
    for (let i = 0; i < 20 && !(await longest()); i++) await new Promise((res) => setTimeout(res, 50));
    expect(await longest()).toBe(true);
  });

  it('R24: RP-initiated logout ends the SSO session, revokes the grant and notifies back-channel', async () => {
    const r = await titleSession('op');
    const before = rp.logoutTokens.length;
    const end = oidc.buildEndSessionUrl(r.config, {
      id_token_hint: r.tokens.id_token!,
      post_logout_redirect_uri: `${rp.url}/`,
      state: 'bye',
    });
    await r.browser.follow(end.toString());
    expect(r.browser.lastHtml).toContain('是否退出统一身份认证');
    const landed = await r.browser.submit({ logout: 'yes' }, { stopAt: (u) => u.origin === rp.url });
    expect(new URL(landed).searchParams.get('state')).toBe('bye');
    expect(rp.logoutTokens.length).toBeGreaterThan(before);
    await expect(oidc.refreshTokenGrant(r.config, r.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await introspect('title', r.tokens.access_token)).toEqual({ active: false });
  });
});

/** A code for `title` (a fresh operator of the school), with its PKCE verifier, not yet redeemed. */
async function titleCode() {
  const { sequelize } = server.tongmen.base.db;
  const person = await insertPerson(sequelize, server.tongmen.base.pii, '钱并发');
  await insertAccount(sequelize, { kind: 'operator', unitId: world.school.id, unitKind: 'employer', personId: person.id });
  await insertCredential(sequelize, { personId: person.id, hash: await argon2Hasher.hash(WORLD_PASSWORD) });
  const title = world.client('title');
  const cfg = await config('title');
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(cfg, {
    redirect_uri: title.redirectUris[0]!,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    resource: 'urn:tongmen:title',
  });
  const browser = new FormBrowser();
  await browser.follow(url.toString());
  const back = await browser.submit({ username: person.phone, password: WORLD_PASSWORD }, { stopAt: (u) => u.pathname === '/callback' });
  return { code: new URL(back).searchParams.get('code')!, verifier, title };
}

const postToken = (body: Record<string, string>) =>
  fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  });

describe('one-time artifacts under parallel use', () => {
  it('an authorization code redeemed in parallel gives tokens once, and the replay revokes the grant (RFC 6749 §4.1.2)', async () => {
    const { code, verifier, title } = await titleCode();
    const redeem = () =>
      postToken({
        grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: title.redirectUris[0]!,
        client_id: 'title', client_secret: title.clientSecret!, resource: 'urn:tongmen:title',
      });
    const answers = await Promise.all([redeem(), redeem(), redeem()]);
    const bodies = await Promise.all(answers.map((r) => r.json()));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400, 400]);
    expect(bodies.filter((b) => b.error === 'invalid_grant')).toHaveLength(2);
    const won = bodies.find((b) => b.access_token)!;
    expect(await introspect('title', won.access_token)).toEqual({ active: false });
    const refreshed = await postToken({
      grant_type: 'refresh_token', refresh_token: won.refresh_token, client_id: 'title', client_secret: title.clientSecret!,
    });
    expect(refreshed.status).toBe(400);
  });

  it('a rotated refresh token (public admin console) used in parallel is honoured once, and the reuse revokes the grant', async () => {
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
    const refresh = () => postToken({ grant_type: 'refresh_token', refresh_token: r.tokens.refresh_token!, client_id: 'admin-console' });
    const answers = await Promise.all([refresh(), refresh(), refresh()]);
    const bodies = await Promise.all(answers.map((a) => a.json()));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400]);
    const won = bodies.find((b) => b.refresh_token)!;
    const next = await postToken({ grant_type: 'refresh_token', refresh_token: won.refresh_token, client_id: 'admin-console' });
    expect(next.status).toBe(400);
    expect(await server.tongmen.identity.isTokenLive(
      await server.tongmen.identity.verifyAccessToken(won.access_token, 'urn:tongmen:admin-api'),
    )).toBe(false);
  });
});

describe('hot paths', () => {
  it('the token endpoint reads the account once per request (findAccount and the token claims share it)', async () => {
    const { tokens } = await titleSession('op');
    const { sequelize } = server.tongmen.base.db;
    const seen: string[] = [];
    const query = sequelize.query.bind(sequelize);
    const spy = ((sql: unknown, options: unknown) => {
      seen.push(String(sql));
      return (query as (s: unknown, o: unknown) => unknown)(sql, options);
    }) as typeof sequelize.query;
    sequelize.query = spy;
    try {
      await oidc.refreshTokenGrant(await config('title'), tokens.refresh_token!);
    } finally {
      sequelize.query = query;
    }
    expect(seen.filter((q) => /FROM accounts a JOIN units u/.test(q))).toHaveLength(1);
  });
});

describe('issue 11: round trips of the token endpoint', () => {
  /** The SQL the server sends while `run` goes on, each statement followed by its replacements. */
  async function statementsDuring(run: () => Promise<unknown>) {
    const { sequelize } = server.tongmen.base.db;
    const seen: string[] = [];
    const query = sequelize.query.bind(sequelize);
    sequelize.query = ((sql: unknown, options: { replacements?: unknown } | undefined) => {
      seen.push(`${String(sql)} -- ${JSON.stringify(options?.replacements ?? {})}`);
      return (query as (s: unknown, o: unknown) => unknown)(sql, options);
    }) as typeof sequelize.query;
    try {
      await run();
    } finally {
      sequelize.query = query;
    }
    return seen;
  }

  it('a refresh reads the account and its roles in one query (and its token still carries the roles)', async () => {
    const { tokens } = await titleSession('op');
    let refreshed: oidc.TokenEndpointResponse | undefined;
    const seen = await statementsDuring(async () => (refreshed = await oidc.refreshTokenGrant(await config('title'), tokens.refresh_token!)));
    expect(seen.filter((q) => /account_roles/.test(q))).toHaveLength(1);
    expect(seen.filter((q) => /account_roles/.test(q) && /FROM accounts a JOIN units u/.test(q))).toHaveLength(1);
    const { payload } = await jwtVerify(refreshed!.access_token, createRemoteJWKSet(new URL(`${server.url}/jwks`)));
    expect(payload).toMatchObject({ roles: ['title.reviewer'], modules: ['title:unit-recommend', 'title:unit-verify'] });
  });

  it('the code exchange reads the code with its grant and session in one query', async () => {
    const seen = await statementsDuring(() => titleSession('op'));
    expect(seen.filter((q) => /WITH rt AS/.test(q) && /"model":"AuthorizationCode"/.test(q))).toHaveLength(1);
    // No separate read of a grant or a session by its key (the provider's own lookups).
    const lookups = seen.filter((q) => /^SELECT payload\b.*WHERE model = :model AND (id|uid) = :value/s.test(q.trim()));
    expect(lookups.filter((q) => /"model":"(Grant|Session)"/.test(q))).toEqual([]);
  });

  it('partner grants issued at the same moment are stored together: fewer statements than tokens, every token live', async () => {
    const partner = await config('partner-title');
    let issued: string[] = [];
    const seen = await statementsDuring(async () => {
      issued = (await Promise.all(Array.from({ length: 30 }, () => oidc.clientCredentialsGrant(partner, { resource: 'https://partner.example/api' })))).map((t) => t.access_token);
    });
    const inserts = seen.filter((q) => /INSERT INTO oidc_payloads/.test(q));
    expect(inserts.length).toBeGreaterThan(0);
    expect(inserts.length).toBeLessThan(30);
    expect(new Set(issued).size).toBe(30);
    for (const token of issued) expect(await introspect('partner-title', token)).toMatchObject({ active: true });
  });
});

describe('storage', () => {
  it('never returns expired artifacts; the cleanup deletes them in batches', async () => {
    const { sequelize } = server.tongmen.base.db;
    const payloads = new PayloadRepository({ sequelize });
    const adapter = new PayloadAdapter(payloads, 'AccessToken');
    await adapter.upsert('short-lived', { accountId: world.op.accountId, grantId: 'g-test' }, 1);
    expect(await adapter.find('short-lived')).toMatchObject({ grantId: 'g-test' });
    await new Promise((r) => setTimeout(r, 1200));
    expect(await adapter.find('short-lived')).toBeUndefined();
    expect(await payloads.deleteExpired(1)).toBeGreaterThanOrEqual(1);
    expect(await sql(`SELECT id FROM oidc_payloads WHERE id = 'short-lived'`)).toEqual([]);
  });

  it('consumed artifacts come back marked consumed; revokeByGrantId removes a grant\'s artifacts', async () => {
    const { sequelize } = server.tongmen.base.db;
    const codes = new PayloadAdapter(new PayloadRepository({ sequelize }), 'AuthorizationCode');
    await codes.upsert('code-1', { grantId: 'g-2' }, 60);
    await codes.consume('code-1');
    expect((await codes.find('code-1'))?.consumed).toBeTruthy();
    await codes.revokeByGrantId('g-2');
    expect(await codes.find('code-1')).toBeUndefined();
  });
});
