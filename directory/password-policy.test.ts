import { describe, expect, it } from 'vitest';
import { AppError } from '../platform/errors.ts';
import { checkPassword, generateInitialPassword, passwordExpired, type PasswordContext } from './password-policy.ts';

/** The rule a refused password broke, or null if it was accepted. */
function ruleOf(candidate: string, ctx: PasswordContext): string | null {
  try {
    checkPassword(candidate, ctx);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('password.policy_violation');
    expect((e as AppError).status).toBe(400);
    expect((e as AppError).message).not.toContain(candidate);
    return (e as AppError).details?.rule as string;
  }
}

const person = { idNumber: '52010219900101123X', phone: '13512342210', username: 'zhangsan' };

describe('R18 password policy, dengbao (等保 2.0 level 3) mode', () => {
  const ctx: PasswordContext = { mode: 'dengbao', initialPassword: 'Init#2025abc', ...person };

  it('R18 accepts 8+ characters with 3 of 4 classes', () => {
    expect(ruleOf('Abcdef12', ctx)).toBeNull();
    expect(ruleOf('abcdef1!', ctx)).toBeNull();
    expect(ruleOf('ABCDEF!@', { mode: 'dengbao' })).toBe('classes');
    expect(ruleOf('Tongmen#Strong9', ctx)).toBeNull();
  });

  it('R18 refuses fewer than 8 characters (too_short) and more than 128 (too_long)', () => {
    expect(ruleOf('Ab1!xyz', ctx)).toBe('too_short');
    expect(ruleOf(`Aa1!${'x'.repeat(125)}`, ctx)).toBe('too_long');
    expect(ruleOf(`Aa1!${'x'.repeat(124)}`, ctx)).toBeNull();
  });

  it('R18 refuses fewer than 3 character classes', () => {
    expect(ruleOf('abcdefgh', ctx)).toBe('classes');
    expect(ruleOf('abcdef12', ctx)).toBe('classes');
    expect(ruleOf('12345678!', ctx)).toBe('classes');
  });

  it('R18 counts symbols, including non-ASCII characters, as the fourth class', () => {
    expect(ruleOf('abcdef1中', ctx)).toBeNull();
  });

  it('R18 refuses the initial password', () => {
    expect(ruleOf('Init#2025abc', ctx)).toBe('initial');
  });

  it('R18 refuses passwords containing the ID number, phone or sign-in name, case-insensitively', () => {
    expect(ruleOf('Aa!52010219900101123x', ctx)).toBe('contains_id');
    expect(ruleOf('Pw!13512342210', ctx)).toBe('contains_phone');
    expect(ruleOf('ZhangSan#2025', ctx)).toBe('contains_username');
  });

  it('R18 does not apply the common-password list in dengbao mode', () => {
    expect(ruleOf('P@ssw0rdP@ssw0rd', ctx)).toBeNull();
  });
});

describe('R18 password policy, NIST 800-63B mode', () => {
  const ctx: PasswordContext = { mode: 'nist', initialPassword: 'initial password here', ...person };

  it('R18 asks for 15+ characters without composition rules', () => {
    expect(ruleOf('correct horse battery', ctx)).toBeNull();
    expect(ruleOf('lowercaseonlylongpass', ctx)).toBeNull();
    expect(ruleOf('Short#Pass1234', ctx)).toBe('too_short');
  });

  it('R18 counts length in characters, not bytes', () => {
    expect(ruleOf('统一门户统一门户登录密码很安全', ctx)).toBeNull();
  });

  it('R18 still refuses the initial password and personal data', () => {
    expect(ruleOf('initial password here', ctx)).toBe('initial');
    expect(ruleOf('my id 52010219900101123X', ctx)).toBe('contains_id');
    expect(ruleOf('call me on 13512342210', ctx)).toBe('contains_phone');
    expect(ruleOf('i am zhangsan the operator', ctx)).toBe('contains_username');
  });

  it.each(['passwordpassword', 'PasswordPassword', '123456789012345', '1qaz2wsx3edc4rfv', 'aaaaaaaaaaaaaaaa', 'abcabcabcabcabcabc', 'qwertyuiopasdfghjklz', '987654321098765'])(
    'R18 refuses the very common or predictable %j',
    (candidate) => {
      expect(ruleOf(candidate, ctx)).toBe('common');
    },
  );
});

describe('R18 password expiry', () => {
  const now = new Date('2025-06-15T00:00:00Z');
  const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);

  it('R18 dengbao passwords expire after 90 days', () => {
    expect(passwordExpired(daysAgo(89), 'dengbao', now)).toBe(false);
    expect(passwordExpired(daysAgo(90), 'dengbao', now)).toBe(true);
    expect(passwordExpired(daysAgo(31), 'dengbao', now, 30)).toBe(true);
  });

  it('R18 NIST mode never expires passwords', () => {
    expect(passwordExpired(daysAgo(3650), 'nist', now)).toBe(false);
  });
});

describe('R18/R20 generated initial passwords', () => {
  it('R18 dengbao initial passwords are 16 unambiguous characters with all 4 classes and pass the policy', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generateInitialPassword('dengbao');
      expect(p).toHaveLength(16);
      expect(p).toMatch(/[A-Z]/);
      expect(p).toMatch(/[a-z]/);
      expect(p).toMatch(/[0-9]/);
      expect(p).toMatch(/[^A-Za-z0-9]/);
      expect(p).not.toMatch(/[IOlo01]/);
      expect(() => checkPassword(p, { mode: 'dengbao' })).not.toThrow();
      seen.add(p);
    }
    expect(seen.size).toBe(200);
  });

  it('R18 NIST initial passwords are 20 unambiguous characters and pass the policy', () => {
    for (let i = 0; i < 200; i++) {
      const p = generateInitialPassword('nist');
      expect(p).toHaveLength(20);
      expect(p).not.toMatch(/[IOlo01]/);
      expect(() => checkPassword(p, { mode: 'nist' })).not.toThrow();
    }
  });
});
