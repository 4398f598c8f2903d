import { describe, expect, it } from 'vitest';
import type { SignInAccount } from '../../directory/credentials/credential-service.ts';
import { nextStep } from './step-machine.ts';

const account = (id: string, kind: SignInAccount['kind'] = 'operator'): SignInAccount => ({
  id, kind, unitId: `u-${id}`, unitName: `单位${id}`, unitKind: 'employer',
});
const auth = (accounts: SignInAccount[], mustChange = false) => ({
  method: 'password' as const, amr: ['pwd'], credentialId: 'c1', personId: 'p1', accounts, mustChange,
});

describe('sign-in step machine', () => {
  it('starts with a sign-in method', () => {
    expect(nextStep({})).toEqual({ name: 'sign-in' });
  });

  it('R20: an initial password is changed before anything else, even with one account', () => {
    expect(nextStep({ auth: auth([account('a')], true) })).toEqual({ name: 'change-password' });
  });

  it('one active account: done with the method\'s amr', () => {
    expect(nextStep({ auth: auth([account('a')]) })).toEqual({ name: 'done', accountId: 'a', amr: ['pwd'] });
  });

  it('R9: several accounts ask for a choice, and only an offered account ends it', () => {
    const accounts = [account('adm', 'admin'), account('op')];
    expect(nextStep({ auth: auth(accounts) })).toEqual({ name: 'choose-account', accounts });
    expect(nextStep({ auth: auth(accounts), accountId: 'op' })).toMatchObject({ name: 'done', accountId: 'op' });
    expect(nextStep({ auth: auth(accounts), accountId: 'someone-else' })).toMatchObject({ name: 'choose-account' });
  });
});
