import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from './index.ts';
import { errorBody, errorLanguage, errorMessage } from './language.ts';

describe('issue 6 item 5: the language of an error message', () => {
  it('zh-CN unless the client prefers English (by q-value, then order)', () => {
    expect(errorLanguage(undefined)).toBe('zh-CN');
    expect(errorLanguage('')).toBe('zh-CN');
    expect(errorLanguage('*')).toBe('zh-CN');
    expect(errorLanguage('fr, de')).toBe('zh-CN');
    expect(errorLanguage('zh-CN')).toBe('zh-CN');
    expect(errorLanguage('en')).toBe('en');
    expect(errorLanguage('EN-gb')).toBe('en');
    expect(errorLanguage('fr, en;q=0.5')).toBe('en');
    expect(errorLanguage('zh;q=0.3, en;q=0.7')).toBe('en');
    expect(errorLanguage('en;q=0.7, zh-TW')).toBe('zh-CN');
    expect(errorLanguage('en;q=0, zh;q=0.1')).toBe('zh-CN');
  });

  it('English: the thrown message, else the catalogue’s; zh-CN: the catalogue’s, precise by details where it says how', () => {
    expect(errorMessage('role.code_taken', 'en', undefined, 'A role with code x already exists')).toBe('A role with code x already exists');
    expect(errorMessage('role.code_taken', 'en')).toBe(ERROR_CATALOGUE['role.code_taken'].en);
    expect(errorMessage('role.code_taken', 'zh-CN', undefined, 'A role with code x already exists')).toBe('已有角色使用该代码。');
    expect(errorMessage('password.policy_violation', 'zh-CN', { rule: 'history' })).toBe('新密码不能与最近 5 次使用过的密码相同。');
    expect(errorMessage('password.policy_violation', 'zh-CN', { rule: 'unheard-of' })).toBe('新密码不符合密码策略。');
    expect(errorMessage('unit.uscc_invalid', 'zh-CN', { reason: 'charset', position: 7 })).toMatch(/^统一社会信用代码第 7 位的字符不允许/);
    expect(errorMessage('unit.uscc_invalid', 'zh-CN')).toBe('统一社会信用代码无效。');
  });

  it('the body keeps code, message and details; no details key when there are none', () => {
    expect(errorBody('internal', 'zh-CN', { requestId: 'r1' })).toEqual({ error: { code: 'internal', message: '内部错误。', details: { requestId: 'r1' } } });
    expect(errorBody('internal', 'en')).toEqual({ error: { code: 'internal', message: 'Internal error' } });
  });
});
