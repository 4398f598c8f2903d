import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialService } from '../directory/credentials/credential-service.ts';
import { CredentialRepository } from '../directory/credentials/credential-repository.ts';
import { ThrottleRepository } from '../directory/credentials/throttle-repository.ts';
import { argon2Hasher, type PasswordHasher } from '../directory/credentials/password-hasher.ts';
import {
  auditReasons, insertAccount, insertCredential, insertPerson, insertUnit, openDirectoryFixture, type DirectoryFixture,
} from './identity-fixtures.ts';

const RIGHT = 'Right#Pass2024';
let fx: DirectoryFixture;
let rightHash: string;
let checks = 0;
const countingHasher: PasswordHasher = {
  hash: argon2Hasher.hash,
  verify: (h, p) => ((checks += 1), argon2Hasher.verify(h, p)),
};

beforeAll(async () => {
  fx = await openDirectoryFixture();
  rightHash = await argon2Hasher.hash(RIGHT);
});
afterAll(() => fx?.close());

const repositories = () => ({
  credentials: new CredentialRepository({ sequelize: fx.db.sequelize, pii: fx.pii }),
  throttles: new ThrottleRepository({ sequelize: fx.db.sequelize }),
});
const service = (overrides: Partial<DirectoryFixture['config']> = {}) =>
  new CredentialService({ ...fx, ...repositories(), config: { ...fx.config, ...overrides }, hasher: countingHasher });

/** A person with one active operator account and a password. */
async function person(opts: { mustChange?: boolean; changedAt?: Date; status?: string } = {}) {
  const unit = await insertUnit(fx.db.sequelize);
  const p = await insertPerson(fx.db.sequelize, fx.pii);
  const accountId = await insertAccount(fx.db.sequelize, {
    kind: 'operator', unitId: unit.id, personId: p.id, ...(opts.status ? { status: opts.status } : {}),
  });
  const credentialId = await insertCredential(fx.db.sequelize, { personId: p.id, hash: rightHash, ...opts });
  return { ...p, unit, accountId, credentialId };
}

const lockState = async (credentialId: string) => {
  const [rows] = await fx.db.sequelize.query('SELECT failed_count, locked_at FROM credentials WHERE id = $1', {
    bind: [credentialId],
  });
  return (rows as Array<{ failed_count: number; locked_at: Date | null }>)[0]!;
};

const meta = (ip = '198.51.100.7') => ({ ip, userAgent: 'vitest' });

describe('password sign-in (R18, R19)', () => {
  it('R18: stores argon2id hashes with m ≥ 19456 KiB, t ≥ 2, p = 1', async () => {
    const initial = await service().prepareInitialPassword();
    const params = Object.fromEntries(initial.hash.split('$')[3]!.split(',').map((kv) => kv.split('=')));
    expect(initial.hash.startsWith('$argon2id$v=19$')).toBe(true);
    expect(Number(params.m)).toBeGreaterThanOrEqual(19456);
    expect(Number(params.t)).toBeGreaterThanOrEqual(2);
    expect(Number(params.p)).toBe(1);
  });

  it('signs in with the ID number or the phone and lists the active accounts', async () => {
    const p = await person();
    const s = service();
    for (const username of [p.idNumber, p.phone, ` ${p.idNumber.toLowerCase()} `]) {
      const r = await s.verifyPassword({ username, password: RIGHT, meta: meta() });
      expect(r).toMatchObject({ ok: true, personId: p.id, mustChange: false });
      if (r.ok) expect(r.accounts.map((a) => a.id)).toEqual([p.accountId]);
    }
  });

  it('R19: 10 parallel wrong guesses lock after exactly 3 checks', async () => {
    const p = await person();
    const s = service();
    checks = 0;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        s.verifyPassword({ username: p.phone, password: `Wrong#${i}abc`, meta: meta(`203.0.113.${i}`) }),
      ),
    );
    expect(checks).toBe(3);
    expect(results.filter((r) => !r.ok && r.reason === 'wrong_password')).toHaveLength(3);
    expect(results.filter((r) => !r.ok && r.reason === 'locked')).toHaveLength(7);
    expect(results.filter((r) => !r.ok && r.answer === 'locked')).toHaveLength(8); // the 3rd guess locked it
    const state = await lockState(p.credentialId);
    expect(state.failed_count).toBe(3);
    expect(state.locked_at).not.toBeNull();
  });

  it('R19: locked credential refuses the right password until an administrator resets it', async () => {
    const p = await person();
    const s = service();
    for (let i = 0; i < 3; i++) await s.verifyPassword({ username: p.idNumber, password: 'Nope#1234x', meta: meta() });
    checks = 0;
    const refused = await s.verifyPassword({ username: p.idNumber, password: RIGHT, meta: meta() });
    expect(refused).toEqual({ ok: false, reason: 'locked', answer: 'locked' });
    expect(checks).toBe(0);

    const initial = await s.prepareInitialPassword();
    const shown = await fx.db.transaction((tx) => s.resetByAdmin(tx, { personId: p.id }, initial));
    expect(shown).toBe(initial.password);
    expect(await lockState(p.credentialId)).toMatchObject({ failed_count: 0, locked_at: null });
    const after = await s.verifyPassword({ username: p.idNumber, password: initial.password, meta: meta() });
    expect(after).toMatchObject({ ok: true, mustChange: true });
  });

  it('R19: a right password resets the counter', async () => {
    const p = await person();
    const s = service();
    for (let i = 0; i < 2; i++) await s.verifyPassword({ username: p.phone, password: 'Nope#1234x', meta: meta() });
    expect((await lockState(p.credentialId)).failed_count).toBe(2);
    expect((await s.verifyPassword({ username: p.phone, password: RIGHT, meta: meta() })).ok).toBe(true);
    expect((await lockState(p.credentialId)).failed_count).toBe(0);
    for (let i = 0; i < 2; i++) await s.verifyPassword({ username: p.phone, password: 'Nope#1234x', meta: meta() });
    expect((await s.verifyPassword({ username: p.phone, password: RIGHT, meta: meta() })).ok).toBe(true);
  });

  it('R19: the threshold-th guess may be the right one: it signs in and leaves no lock', async () => {
    const p = await person();
    const s = service();
    for (let i = 0; i < 2; i++) await s.verifyPassword({ username: p.phone, password: 'Nope#1234x', meta: meta() });
    expect((await s.verifyPassword({ username: p.phone, password: RIGHT, meta: meta() })).ok).toBe(true);
    expect(await lockState(p.credentialId)).toMatchObject({ failed_count: 0, locked_at: null });
  });

  it('R19/R20: an administrator\'s reset while the old password is being checked keeps the old one out', async () => {
    const p = await person();
    let entered!: () => void;
    let release!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: PasswordHasher = {
      hash: argon2Hasher.hash,
      async verify(h, pw) {
        entered();
        await gate;
        return argon2Hasher.verify(h, pw);
      },
    };
    const pending = new CredentialService({ ...fx, ...repositories(), hasher: slow }).verifyPassword({ username: p.phone, password: RIGHT, meta: meta() });
    await inside; // the guess is reserved and argon2 is running on the old hash
    const s = service();
    const initial = await s.prepareInitialPassword();
    await fx.db.transaction((tx) => s.resetByAdmin(tx, { personId: p.id }, initial));
    release();
    expect(await pending).toEqual({ ok: false, reason: 'wrong_password', answer: 'invalid_credentials' });
    expect(await lockState(p.credentialId)).toMatchObject({ failed_count: 0, locked_at: null });
    expect(await s.verifyPassword({ username: p.phone, password: initial.password, meta: meta() })).toMatchObject({ ok: true, mustChange: true });
  });

  it('R19: unknown names get the same answer as wrong passwords, cost one check, and "lock" alike', async () => {
    const s = service();
    checks = 0;
    const answers = [];
    for (let i = 0; i < 4; i++) {
      answers.push(await s.verifyPassword({ username: '13900000001', password: RIGHT, meta: meta() }));
    }
    expect(answers.map((a) => !a.ok && a.answer)).toEqual(['invalid_credentials', 'invalid_credentials', 'locked', 'locked']);
    expect(answers.every((a) => !a.ok && a.reason === 'unknown_user')).toBe(true);
    expect(checks).toBe(3);
  });

  it('R19: a per-address throttle refuses attempts beyond the limit per minute', async () => {
    const p = await person();
    const s = service({ signInThrottlePerMinute: 3 });
    const ip = '192.0.2.99';
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await s.verifyPassword({ username: p.phone, password: RIGHT, meta: meta(ip) }));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, false]);
    expect(results[3]).toEqual({ ok: false, reason: 'throttled', answer: 'throttled' });
    expect((await s.verifyPassword({ username: p.phone, password: RIGHT, meta: meta('192.0.2.100') })).ok).toBe(true);
  });

  it('refuses a right password when no account is active (offboarded)', async () => {
    const p = await person({ status: 'offboarded' });
    const r = await service().verifyPassword({ username: p.phone, password: RIGHT, meta: meta() });
    expect(r).toEqual({ ok: false, reason: 'disabled', answer: 'disabled' });
  });

  it('R20/R18: an initial or expired password must be changed', async () => {
    const fresh = await person({ mustChange: true });
    const old = await person({ changedAt: new Date(Date.now() - 91 * 24 * 3600 * 1000) });
    const s = service();
    expect(await s.verifyPassword({ username: fresh.phone, password: RIGHT, meta: meta() })).toMatchObject({ mustChange: true });
    expect(await s.verifyPassword({ username: old.phone, password: RIGHT, meta: meta() })).toMatchObject({ mustChange: true });
  });

  it('R25: every attempt is audited with a masked sign-in name and never the password', async () => {
    const p = await person();
    await service().verifyPassword({ username: p.idNumber, password: 'Secret#Guess1', meta: meta() });
    const [rows] = await fx.db.sequelize.query(
      `SELECT details::text AS d, reason, target_id FROM audit_events WHERE action = 'signin.password' ORDER BY seq DESC LIMIT 1`,
    );
    const row = (rows as Array<{ d: string; reason: string; target_id: string }>)[0]!;
    expect(row.reason).toBe('wrong_password');
    expect(row.target_id).toBe(p.id);
    expect(row.d).toContain(`${p.idNumber.slice(0, 4)}**********${p.idNumber.slice(-4)}`);
    expect(row.d).not.toContain(p.idNumber);
    expect(row.d).not.toContain('Secret#Guess1');
    // An unknown name is audited too (this test's own attempt: no other test's leftovers).
    await service().verifyPassword({ username: '13900000077', password: 'Secret#Guess2', meta: meta('192.0.2.77') });
    const [unknown] = await fx.db.sequelize.query(
      `SELECT details::text AS d, reason FROM audit_events WHERE action = 'signin.password' ORDER BY seq DESC LIMIT 1`,
    );
    const last = (unknown as Array<{ d: string; reason: string }>)[0]!;
    expect(last.reason).toBe('unknown_user');
    expect(last.d).not.toContain('13900000077');
    expect(last.d).not.toContain('Secret#Guess2');
    expect(await auditReasons(fx.db.sequelize, 'signin.password')).toContain('unknown_user');
  });
});

describe('password change (R18)', () => {
  it('refuses policy violations, the initial password and the last 5; then the new one works', async () => {
    const p = await person({ mustChange: true });
    const s = service();
    const refuse = (pw: string, rule: string) =>
      expect(s.changePassword(p.credentialId, pw)).rejects.toMatchObject({ code: 'password.policy_violation', details: { rule } });
    await refuse('Sh0rt!', 'too_short');
    await refuse('alllowercase', 'classes');
    await refuse(`Ab#${p.phone}`, 'contains_phone');
    await refuse(`Xx#${p.idNumber}`, 'contains_id');
    await refuse(RIGHT, 'initial');

    const history = ['Second#Pass01', 'Third#Pass02', 'Fourth#Pass03', 'Fifth#Pass04'];
    await s.changePassword(p.credentialId, 'First#Pass00', meta());
    for (const pw of history) await s.changePassword(p.credentialId, pw, meta());
    await refuse('First#Pass00', 'history'); // the 5th-last
    await s.changePassword(p.credentialId, 'Sixth#Pass05');
    await s.changePassword(p.credentialId, RIGHT); // 6 changes ago: allowed again
    const r = await s.verifyPassword({ username: p.phone, password: RIGHT, meta: meta() });
    expect(r).toMatchObject({ ok: true, mustChange: false });
    expect((await auditReasons(fx.db.sequelize, 'password.change')).length).toBeGreaterThanOrEqual(7);
  });

  it('a unit account signs in with its USCC and may not put the code in its password', async () => {
    const unit = await insertUnit(fx.db.sequelize);
    const accountId = await insertAccount(fx.db.sequelize, { kind: 'unit', unitId: unit.id, username: unit.uscc });
    const credentialId = await insertCredential(fx.db.sequelize, { accountId, hash: rightHash, mustChange: true });
    const s = service();
    const r = await s.verifyPassword({ username: unit.uscc.toLowerCase(), password: RIGHT, meta: meta() });
    expect(r).toMatchObject({ ok: true, personId: null, mustChange: true });
    if (r.ok) expect(r.accounts).toEqual([expect.objectContaining({ id: accountId, kind: 'unit', unitId: unit.id })]);
    await expect(s.changePassword(credentialId, `Pw#${unit.uscc}`)).rejects.toMatchObject({ details: { rule: 'contains_username' } });
  });

  it('createCredential keeps one password per person', async () => {
    const p = await person();
    const s = service();
    const created = await fx.db.transaction((tx) => s.createCredential(tx, { personId: p.id, hash: rightHash }));
    expect(created).toBe(false);
  });
});
