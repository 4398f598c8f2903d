import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../server/app.ts';
import { bootstrapProvince, type BootstrapResult } from '../directory/bootstrap/bootstrap.ts';
import { sampleUscc } from '../directory/codes/synthetic-codes.ts';
import { startTestServer } from './support/harness.ts';
import { samplePerson } from './support/core.ts';
import { subsystemSignIn } from './support/oidc.ts';
import { adminCall, adminToken, TEST_NEW_PASSWORD } from './support/admin-token.ts';
import { startFakeRp } from './identity-fixtures.ts';

/**
 * R24 with R11/R12 — offboarding, migration and disabling end an account's sessions, and the
 * relying parties of those sessions get a back-channel logout token: the province administrator
 * acts through the admin API, the `title` subsystem's back-channel URI is a local relying party.
 */
let rp: Awaited<ReturnType<typeof startFakeRp>>;
let server: RunningServer;
let root: BootstrapResult;
let province: string;
const meta = { requestId: 'logout-endings' };
const provinceAdmin = samplePerson('注销测试省管理员');

beforeAll(async () => {
  rp = await startFakeRp();
  server = await startTestServer({ SUBSYSTEM_URLS: `title=${rp.url}` });
  root = await bootstrapProvince(server.tongmen.base, server.tongmen.services, { unitName: '注销测试省人社厅', uscc: sampleUscc(9301), admin: provinceAdmin });
  province = await adminToken(server, provinceAdmin.idNumber, root.admin.initialPassword);
});
afterAll(async () => {
  await server?.close();
  await rp?.close();
});

const actor = async (accountId: string) => (await server.tongmen.services.actors.load(accountId))!;
let usccSeq = 9310;

/** An affiliated city hrss bureau below the province, and its administrator (set up through the services). */
async function city(name: string) {
  const { units, affiliation } = server.tongmen.services;
  const made = await units.create(await actor(root.admin.accountId), { kind: 'hrss', name, uscc: sampleUscc(usccSeq++), responsibilities: '', admin: samplePerson(`${name}管理员`) }, meta);
  const req = await affiliation.request(await actor(made.admin.accountId), root.unit.id, meta);
  await affiliation.decide(await actor(root.admin.accountId), req.id, true, undefined, meta);
  return { unitId: made.unit.id, adminId: made.admin.accountId };
}

/** An operator of the unit, signed in to the `title` subsystem (first sign-in: the initial password changes). */
async function signedInOperator(unit: { adminId: string }) {
  const person = samplePerson('注销测试经办人');
  const made = await server.tongmen.services.accounts.createOperator(await actor(unit.adminId), person, undefined, meta);
  const r = await subsystemSignIn(server.url, root.clients, 'title', { username: person.phone, password: made.initialPassword!, newPassword: TEST_NEW_PASSWORD });
  if (!r.ok) throw new Error(`sign-in failed: ${r.error}`);
  return { accountId: made.account.id, r };
}

/** The relying party got exactly one logout token for this sign-in, and it is what a relying party must accept. */
async function expectLoggedOut(op: Awaited<ReturnType<typeof signedInOperator>>) {
  const tokens = rp.logoutTokens.filter((t) => decodeJwt(t).sub === op.accountId);
  expect(tokens).toHaveLength(1);
  const { payload } = await jwtVerify(tokens[0]!, createRemoteJWKSet(new URL(`${server.url}/jwks`)), { issuer: server.url, audience: 'title', typ: 'logout+jwt' });
  expect(payload).toMatchObject({
    sub: op.accountId,
    sid: decodeJwt(op.r.tokens.id_token!).sid,
    events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
  });
  expect(payload).not.toHaveProperty('nonce');
  await expect(oidc.refreshTokenGrant(op.r.config, op.r.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
}

describe('R24: account endings trigger back-channel logout', () => {
  it('R12/R24: offboarding an operator logs it out of the subsystems it is signed in to', async () => {
    const op = await signedInOperator({ adminId: root.admin.accountId });
    expect((await adminCall(server, province, 'POST', `/accounts/${op.accountId}/offboard`, {})).status).toBe(200);
    await expectLoggedOut(op);
  });

  it('R11/R24: migrating an operator to another unit logs it out', async () => {
    const c = await city('注销测试乙市人社局');
    const op = await signedInOperator(c);
    const moved = await adminCall(server, province, 'POST', `/accounts/${op.accountId}/migrate`, { toUnitId: root.unit.id });
    expect(moved.body).toMatchObject({ status: 'accepted' });
    await expectLoggedOut(op);
  });

  it('R24: disabling a unit logs out its accounts', async () => {
    const c = await city('注销测试丙市人社局');
    const op = await signedInOperator(c);
    expect((await adminCall(server, province, 'POST', `/units/${c.unitId}/disable`, {})).status).toBe(200);
    await expectLoggedOut(op);
  });

  it('R24: a relying party that is down when the account ends gets the logout from the queue later', async () => {
    const op = await signedInOperator({ adminId: root.admin.accountId });
    rp.statuses.push(503);
    expect((await adminCall(server, province, 'POST', `/accounts/${op.accountId}/offboard`, {})).status).toBe(200);
    expect(rp.logoutTokens.filter((t) => decodeJwt(t).sub === op.accountId)).toEqual([]);
    const [row] = (await server.tongmen.base.db.sequelize.query(
      `SELECT attempts, extract(epoch FROM next_attempt_at) * 1000 AS next FROM backchannel_deliveries WHERE account_id = :id`,
      { replacements: { id: op.accountId } },
    ))[0] as Array<{ attempts: number; next: string }>;
    expect(row).toMatchObject({ attempts: 1 });
    // The queue runs on the provider's clock: set it to the retry time, then let this node work the queue.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    try {
      vi.setSystemTime(Number(row!.next) + 10);
      await server.tongmen.identity.backchannel.deliverDue();
      await expectLoggedOut(op);
    } finally {
      vi.useRealTimers();
    }
  });
});
