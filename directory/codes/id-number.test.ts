import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.ts';
import { computeIdCheck, parseIdNumber } from './id-number.ts';
import { makeIdNumber, sampleIdNumber } from './synthetic-codes.ts';

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected a refusal');
}

const NOW = new Date('2025-06-15T12:00:00Z');

describe('R8 citizen ID number (GB 11643-1999): valid numbers', () => {
  it('R8 accepts the standard example 11010519491231002X', () => {
    expect(parseIdNumber('11010519491231002X', NOW)).toBe('11010519491231002X');
  });

  it('R8 trims and upper-cases a trailing x', () => {
    expect(parseIdNumber(' 11010519491231002x ', NOW)).toBe('11010519491231002X');
  });

  it('R8 computes the check character from the weights and 10X98765432', () => {
    expect(computeIdCheck('11010519491231002')).toBe('X');
    expect(makeIdNumber('520102', '19900101', '123')).toMatch(/^52010219900101123[\dX]$/);
  });

  it('R8 accepts a person born today (China time) and on 29 February of a leap year', () => {
    expect(() => parseIdNumber(makeIdNumber('520102', '20250615', '001'), NOW)).not.toThrow();
    expect(() => parseIdNumber(makeIdNumber('520102', '20000229', '001'), NOW)).not.toThrow();
    // 2025-06-15T20:00Z is already 16 June in China
    expect(() => parseIdNumber(makeIdNumber('520102', '20250616', '001'), new Date('2025-06-15T20:00:00Z'))).not.toThrow();
  });
});

describe('R8 citizen ID number: refusals', () => {
  it.each(['', '1101051949123100', '11010519491231002XX', '110105194912310X2X', '11010519491231002Y', '110105 19491231002X'])(
    'R8 refuses the badly formed %j with reason format',
    (input) => {
      const e = refusal(() => parseIdNumber(input, NOW));
      expect(e.status).toBe(400);
      expect(e.code).toBe('person.id_number_invalid');
      expect(e.details).toEqual({ reason: 'format' });
    },
  );

  it('R8 refuses the old 15-digit format', () => {
    expect(refusal(() => parseIdNumber('110105491231002', NOW)).message).toMatch(/18 characters/);
  });

  it('R8 refuses a wrong check character', () => {
    const e = refusal(() => parseIdNumber('110105194912310021', NOW));
    expect(e.details).toEqual({ reason: 'check_character' });
  });

  it.each(['19901301', '19900230', '19890229', '19900100', '18991231'])(
    'R8 refuses the impossible or too early birth date %s',
    (birth) => {
      const e = refusal(() => parseIdNumber(makeIdNumber('520102', birth, '001'), NOW));
      expect(e.details).toEqual({ reason: 'birth_date' });
    },
  );

  it('R8 refuses a birth date in the future', () => {
    const e = refusal(() => parseIdNumber(makeIdNumber('520102', '20250616', '001'), NOW));
    expect(e.details).toEqual({ reason: 'birth_date' });
    expect(e.message).toMatch(/future/);
  });

  it('R8/R25 error messages never repeat the ID number', () => {
    const id = makeIdNumber('520102', '19901301', '001');
    expect(refusal(() => parseIdNumber(id, NOW)).message).not.toContain(id.slice(0, 14));
  });
});

describe('R8 sample ID numbers (test data)', () => {
  it('R8 sampleIdNumber gives valid, distinct, deterministic numbers up to 1e6', () => {
    const seen = new Set<string>();
    for (let n = 0; n < 3000; n++) seen.add(parseIdNumber(sampleIdNumber(n)));
    for (const n of [999_999, 1_000_000, 9_999_999]) seen.add(parseIdNumber(sampleIdNumber(n)));
    expect(seen.size).toBe(3003);
    expect(sampleIdNumber(42)).toBe(sampleIdNumber(42));
  });

  it('R8 sampleIdNumber refuses indexes it cannot serve', () => {
    expect(() => sampleIdNumber(-1)).toThrow(RangeError);
    expect(() => sampleIdNumber(1.5)).toThrow(RangeError);
  });
});
