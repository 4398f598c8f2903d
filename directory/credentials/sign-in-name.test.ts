import { describe, expect, it } from 'vitest';
import { sampleIdNumber, samplePhone } from '../codes/synthetic-codes.ts';
import { maskSignInName, normalizeSignInName } from './sign-in-name.ts';

describe('sign-in names (R8, R25)', () => {
  it('trims and upper-cases (ID check character x, USCC letters)', () => {
    expect(normalizeSignInName(' 52010219700101001x ')).toBe('52010219700101001X');
  });

  it('masks ID numbers and phones for the audit trail, keeps a USCC readable', () => {
    const id = sampleIdNumber(12);
    expect(maskSignInName(id)).toBe(`${id.slice(0, 4)}**********${id.slice(-4)}`);
    expect(maskSignInName(samplePhone(3))).toBe('139****0003');
    expect(maskSignInName('91350100M000100Y43')).toBe('91350100M000100Y43');
  });

  it('masks anything else like an ID number (a mistyped one is still personal data)', () => {
    expect(maskSignInName('5201021970')).toBe('5201**1970');
    expect(maskSignInName('abc')).toBe('***');
  });
});
