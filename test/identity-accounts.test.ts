import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/app.ts';
import { bootstrapProvince, type BootstrapResult } from '../directory/bootstrap/bootstrap.ts';
import { sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { maskIdNumber, maskPhone } from '../directory/masking.ts';
import { startTestServer } from './support/harness.ts';
import { samplePerson } from './support/core.ts';
import { clientConfig, subsystemSignIn } from './support/oidc.ts';
import { adminCall, adminToken, TEST_NEW_PASSWORD } from './support/admin-token.ts';

/**
 * What account management does to sign-in and tokens, end to end: admin-API calls with tokens from
 * the real admin-console sign-in, operators signing in to the `title` subsystem with openid-client,
 * and a partner app (registered through the admin API) introspecting their tokens (SPEC §6).
 *
 * R9 (choosing among several accounts at sign-in, the chosen one is the token `sub`) is covered by
 * `identity-signin.test.ts` ("R9: a person with two accounts chooses one").
 */
let server: RunningServer;
let root: BootstrapResult;
let province: string;
const units: Record<'a' | 'b', { id: string; token: string }> = {} as never;
let partner: oidc.Configuration;
let usccSeq = 7300;

const api = (token: string, method: string, path: string, body?: unknown) => adminCall(server, token, method, path, body);

/** An employer created by the province, with its administrator signed in to the admin console. */
async function employer(name: string) {
  const admin = samplePerson(`${name}管理员`);
  const made = await api(province, 'POST', '/units', { kind: 'employer', category: 'institution', name, uscc: sampleUscc(usccSeq++), admin });
  expect(made.status).toBe(201);
  return { id: made.body.unit.id as string, token: await adminToken(server, admin.idNumber, made.body.admin.initialPassword) };
}

/** An operator of the unit whose administrator holds `token`. */
async function operator(token: string, roles: string[] = []) {
  const person = samplePerson('经办人');
  const made = await api(token, 'POST', '/accounts', { ...person, roles });
  expect(made.status).toBe(201);
  return { ...person, id: made.body.account.id as string, initialPassword: made.body.initialPassword as string | null };
}

/** Signs in to the `title` subsystem (authorization code + PKCE through the sign-in pages). */
function titleSignIn(username: string, password: string, newPassword = TEST_NEW_PASSWORD) {
  return subsystemSignIn(server.url, root.clients, 'title', { username, password, newPassword });
}

async function signedIn(username: string, password: string) {
  const r = await titleSignIn(username, password);
  if (!r.ok) throw new Error(`sign-in failed: ${r.error}\n${r.html.slice(0, 1000)}`);
  return r;
}

const claims = (token: string) => server.tongmen.identity.verifyAccessToken(token, 'urn:tongmen:title');

beforeAll(async () => {
  server = await startTestServer();
  const provinceAdmin = samplePerson('省厅管理员');
  root = await bootstrapProvince(server.tongmen.base, server.tongmen.services, { unitName: '测试省人社厅', uscc: '91350100M000100Y43', admin: provinceAdmin });
  province = await adminToken(server, provinceAdmin.idNumber, root.admin.initialPassword);
  units.a = await employer('调出单位');
  units.b = await employer('调入单位');
  const registered = await api(province, 'POST', '/clients', { name: '合作应用', resources: ['urn:tongmen:title'], introspection: true });
  expect(registered.status).toBe(201);
  partner = await clientConfig(server.url, registered.body.clientId, registered.body.clientSecret);
});
afterAll(async () => server?.close());

describe('account changes end sign-ins and tokens (R11, R12)', () => {
  it('R11: a migrated operator keeps its id; its tokens die when the new unit accepts; it signs in again in the new unit without roles', async () => {
    const op = await operator(units.a.token, ['title.reviewer']);
    const first = await signedIn(op.phone, op.initialPassword!);
    expect(first.pages).toEqual(['password', 'change-password']);
    expect(await claims(first.tokens.access_token)).toMatchObject({ sub: op.id, unit_id: units.a.id, roles: ['title.reviewer'] });
    expect(await oidc.tokenIntrospection(partner, first.tokens.access_token)).toMatchObject({ active: true, sub: op.id, unit_id: units.a.id });

    const asked = await api(units.a.token, 'POST', `/accounts/${op.id}/migrate`, { toUnitId: units.b.id });
    expect(asked.body).toEqual({ status: 'pending', requestId: expect.any(String) });
    // Nothing ends while the request waits.
    expect((await oidc.tokenIntrospection(partner, first.tokens.access_token)).active).toBe(true);

    const accepted = await api(units.b.token, 'POST', `/migrations/${asked.body.requestId}/accept`, {});
    expect(accepted.body.status).toBe('accepted');
    expect(await oidc.tokenIntrospection(partner, first.tokens.access_token)).toEqual({ active: false });
    await expect(oidc.refreshTokenGrant(first.config, first.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    const again = await signedIn(op.idNumber, TEST_NEW_PASSWORD);
    expect(again.pages).toEqual(['password']);
    const moved = await claims(again.tokens.access_token);
    expect(moved).toMatchObject({ sub: op.id, acct_kind: 'operator', unit_id: units.b.id, roles: [], modules: [] });
    expect(await oidc.tokenIntrospection(partner, again.tokens.access_token)).toMatchObject({ active: true, sub: op.id, unit_id: units.b.id });

    // The new unit's administrator grants new roles; the next token carries them.
    expect((await api(units.b.token, 'PUT', `/accounts/${op.id}/roles`, { roles: ['title.expert'] })).status).toBe(200);
    const refreshed = await oidc.refreshTokenGrant(again.config, again.tokens.refresh_token!);
    expect(await claims(refreshed.access_token)).toMatchObject({ sub: op.id, roles: ['title.expert'] });
  });

  it('R12: an offboarded operator’s tokens are inactive at once and its sign-in ends on the password page', async () => {
    const op = await operator(units.a.token, ['title.reviewer']);
    const session = await signedIn(op.phone, op.initialPassword!);
    expect((await oidc.tokenIntrospection(partner, session.tokens.access_token)).active).toBe(true);

    expect((await api(units.a.token, 'POST', `/accounts/${op.id}/offboard`, {})).body.status).toBe('offboarded');
    expect(await oidc.tokenIntrospection(partner, session.tokens.access_token)).toEqual({ active: false });
    await expect(oidc.refreshTokenGrant(session.config, session.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    for (const username of [op.phone, op.idNumber]) {
      const refused = await titleSignIn(username, TEST_NEW_PASSWORD);
      expect(refused.ok).toBe(false);
      if (refused.ok) continue;
      expect(refused.error).toBe('signin_refused');
      expect(refused.html).toContain('name="password"');
      expect(refused.html).toContain('账号已停用');
    }
  });

  it('disabling a unit refuses sign-in to its accounts and ends their tokens; enabling lets them sign in again', async () => {
    const c = await employer('停用测试单位');
    const op = await operator(c.token);
    const session = await signedIn(op.phone, op.initialPassword!);

    expect((await api(province, 'POST', `/units/${c.id}/disable`)).body.status).toBe('disabled');
    expect(await oidc.tokenIntrospection(partner, session.tokens.access_token)).toEqual({ active: false });
    expect((await api(c.token, 'GET', '/accounts')).status).toBe(401);
    const refused = await titleSignIn(op.phone, TEST_NEW_PASSWORD);
    expect(refused.ok).toBe(false);

    expect((await api(province, 'POST', `/units/${c.id}/enable`)).body.status).toBe('active');
    const back = await signedIn(op.phone, TEST_NEW_PASSWORD);
    expect(await claims(back.tokens.access_token)).toMatchObject({ sub: op.id, unit_id: c.id });
  });
});

describe('R25: sign-in attempts in the audit trail', () => {
  it('R25: the unit’s administrator sees its operators’ sign-in attempts, names masked, never the raw ID number or phone', async () => {
    const op = await operator(units.a.token);
    expect((await titleSignIn(op.idNumber, 'Wrong#Guess2026')).ok).toBe(false);
    await signedIn(op.phone, op.initialPassword!);

    const res = await api(units.a.token, 'GET', '/audit-events?action=signin.*&limit=200');
    expect(res.status).toBe(200);
    const names = res.body.items.map((e: { details: { username?: string } }) => e.details.username);
    expect(names).toEqual(expect.arrayContaining([maskIdNumber(op.idNumber), maskPhone(op.phone)]));
    const wrong = res.body.items.find((e: { reason: string | null; details: { username: string } }) => e.reason === 'wrong_password' && e.details.username === maskIdNumber(op.idNumber));
    expect(wrong).toMatchObject({ action: 'signin.password', result: 'failure', unitId: units.a.id });
    expect(res.body.items.every((e: { unitId: string }) => e.unitId === units.a.id)).toBe(true);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(op.idNumber);
    expect(text).not.toContain(op.phone);
    expect(text).not.toContain('Wrong#Guess2026');
    // A sibling unit sees none of it.
    const sibling = await api(units.b.token, 'GET', '/audit-events?action=signin.*&limit=200');
    expect(JSON.stringify(sibling.body)).not.toContain(maskIdNumber(op.idNumber));
  });
});

describe('R19/R20: an administrator\'s reset', () => {
  it('R19/R20: unlocks a locked operator, ends every sign-in made with the old password, and forces a change', async () => {
    const op = await operator(units.a.token, ['title.reviewer']);
    const first = await signedIn(op.phone, op.initialPassword!);
    const at = first.tokens.access_token;
    expect((await oidc.tokenIntrospection(partner, at)).active).toBe(true);

    // Three wrong passwords lock (R19); the right one is then refused too.
    for (let i = 0; i < 3; i++) expect((await titleSignIn(op.phone, `Wrong#Pass${i}x`)).ok).toBe(false);
    expect((await titleSignIn(op.phone, TEST_NEW_PASSWORD)).ok).toBe(false);

    const reset = await api(units.a.token, 'POST', `/accounts/${op.id}/reset-password`);
    expect(reset.status).toBe(200);
    // The sign-in made before the reset is over: token inactive, refresh refused.
    expect((await oidc.tokenIntrospection(partner, at)).active).toBe(false);
    await expect(oidc.refreshTokenGrant(first.config, first.tokens.refresh_token!)).rejects.toThrow();
    // The new initial password works once changed (R20); the account is unlocked.
    // (The new password must differ from the last five, R18.)
    const again = await titleSignIn(op.phone, reset.body.initialPassword, 'After#Reset2026');
    expect(again.ok && again.pages).toEqual(['password', 'change-password']);
  });
});
