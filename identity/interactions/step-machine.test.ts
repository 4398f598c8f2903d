import { describe, expect, it } from 'vitest';
import type { SignInAccount } from '../../directory/credentials/credential-service.ts';
import { secondFactorRequired } from '../../directory/credentials/second-factor-policy.ts';
import type { SignInState } from './state.ts';
import { nextStep, type StepPolicy } from './step-machine.ts';

const account = (id: string, kind: SignInAccount['kind'] = 'operator', unitKind: SignInAccount['unitKind'] = 'employer'): SignInAccount => ({
  id, kind, unitId: `u-${id}`, unitName: `单位${id}`, unitKind,
});
const auth = (accounts: SignInAccount[], mustChange = false) => ({
  method: 'password' as const, amr: ['pwd'], credentialId: 'c1', personId: 'p1', accounts, mustChange,
});
const off: StepPolicy = { adminMfa: 'off', totpEnrolled: false };

describe('sign-in step machine', () => {
  it('starts with a sign-in method', () => {
    expect(nextStep({}, off)).toEqual({ name: 'sign-in' });
  });

  it('R20: an initial password is changed before anything else, even with one account', () => {
    expect(nextStep({ auth: auth([account('a')], true) }, off)).toEqual({ name: 'change-password' });
  });

  it('one active account: done with the method\'s amr', () => {
    expect(nextStep({ auth: auth([account('a')]) }, off)).toEqual({ name: 'done', accountId: 'a', amr: ['pwd'] });
  });

  it('R9: several accounts ask for a choice, and only an offered account ends it', () => {
    const accounts = [account('adm', 'admin'), account('op')];
    expect(nextStep({ auth: auth(accounts) }, off)).toEqual({ name: 'choose-account', accounts });
    expect(nextStep({ auth: auth(accounts), accountId: 'op' }, off)).toMatchObject({ name: 'done', accountId: 'op' });
    expect(nextStep({ auth: auth(accounts), accountId: 'someone-else' }, off)).toMatchObject({ name: 'choose-account' });
  });
});

describe('R23 second factor in the step machine', () => {
  const hrssAdmin = account('ha', 'admin', 'hrss');
  const employerAdmin = account('ea', 'admin', 'employer');
  const competentAdmin = account('ca', 'admin', 'competent');
  const hrssOperator = account('ho', 'operator', 'hrss');
  const unitAccount = account('ua', 'unit', 'employer');

  it.each([
    // policy, account, required
    ['hrss', hrssAdmin, true],
    ['hrss', employerAdmin, false],
    ['hrss', competentAdmin, false],
    ['hrss', hrssOperator, false],
    ['hrss', unitAccount, false],
    ['all', hrssAdmin, true],
    ['all', employerAdmin, true],
    ['all', competentAdmin, true],
    ['all', hrssOperator, false],
    ['all', unitAccount, false],
    ['off', hrssAdmin, false],
    ['off', employerAdmin, false],
  ] as const)('R23 ADMIN_MFA=%s, %o → second factor required: %s', (adminMfa, acct, required) => {
    expect(secondFactorRequired(adminMfa, acct)).toBe(required);
    const step = nextStep({ auth: auth([acct]) }, { adminMfa, totpEnrolled: true });
    expect(step).toEqual(required ? { name: 'second-factor', personId: 'p1' } : { name: 'done', accountId: acct.id, amr: ['pwd'] });
  });

  it.each<[string, SignInState, StepPolicy, unknown]>([
    ['not enrolled → enrol', { auth: auth([hrssAdmin]) }, { adminMfa: 'hrss', totpEnrolled: false }, { name: 'enrol-second-factor', personId: 'p1' }],
    ['enrolled → verify', { auth: auth([hrssAdmin]) }, { adminMfa: 'hrss', totpEnrolled: true }, { name: 'second-factor', personId: 'p1' }],
    ['forced password change first', { auth: auth([hrssAdmin], true) }, { adminMfa: 'hrss', totpEnrolled: true }, { name: 'change-password' }],
    ['account choice first', { auth: auth([hrssAdmin, hrssOperator]) }, { adminMfa: 'hrss', totpEnrolled: true }, { name: 'choose-account', accounts: [hrssAdmin, hrssOperator] }],
    ['the operator account chosen: not asked', { auth: auth([hrssAdmin, hrssOperator]), accountId: 'ho' }, { adminMfa: 'all', totpEnrolled: true }, { name: 'done', accountId: 'ho', amr: ['pwd'] }],
    ['the admin account chosen: asked', { auth: auth([hrssAdmin, hrssOperator]), accountId: 'ha' }, { adminMfa: 'hrss', totpEnrolled: false }, { name: 'enrol-second-factor', personId: 'p1' }],
    ['passed with a code → amr otp + mfa', { auth: auth([hrssAdmin]), secondFactor: { passed: 'otp' } }, { adminMfa: 'hrss', totpEnrolled: true }, { name: 'done', accountId: 'ha', amr: ['pwd', 'otp', 'mfa'] }],
    ['passed by SMS → amr sms + mfa', { auth: auth([hrssAdmin]), secondFactor: { passed: 'sms' } }, { adminMfa: 'hrss', totpEnrolled: true }, { name: 'done', accountId: 'ha', amr: ['pwd', 'sms', 'mfa'] }],
    ['an enrolment begun is not a pass', { auth: auth([hrssAdmin]), secondFactor: { pending: 'sealed' } }, { adminMfa: 'hrss', totpEnrolled: false }, { name: 'enrol-second-factor', personId: 'p1' }],
  ])('R23 %s', (_, state, policy, expected) => {
    expect(nextStep(state, policy)).toEqual(expected);
  });
});
