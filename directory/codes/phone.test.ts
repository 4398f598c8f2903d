import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.ts';
import { parsePhone } from './phone.ts';
import { samplePhone } from './synthetic-codes.ts';

describe('R8 mainland mobile phone', () => {
  it.each([
    ['13512342210', '13512342210'],
    [' 135 1234 2210 ', '13512342210'],
    ['135-1234-2210', '13512342210'],
    ['+8613512342210', '13512342210'],
    ['+86 135 1234 2210', '13512342210'],
    ['+86-199-0000-0000', '19900000000'],
  ])('R8 accepts %j as %s', (input, expected) => {
    expect(parsePhone(input)).toBe(expected);
  });

  it.each(['', '12512342210', '10012342210', '1351234221', '135123422100', '8613512342210', '+8713512342210', '1351234221a', '135.1234.2210'])(
    'R8 refuses %j with person.phone_invalid',
    (input) => {
      let error: unknown;
      try {
        parsePhone(input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('person.phone_invalid');
      expect((error as AppError).status).toBe(400);
    },
  );

  it('R8 samplePhone gives valid, distinct, deterministic numbers', () => {
    const seen = new Set<string>();
    for (let n = 0; n < 2000; n++) seen.add(parsePhone(samplePhone(n)));
    seen.add(parsePhone(samplePhone(1_000_000)));
    seen.add(parsePhone(samplePhone(99_999_999)));
    expect(seen.size).toBe(2002);
    expect(samplePhone(7)).toBe(samplePhone(7));
    expect(() => samplePhone(100_000_000)).toThrow(RangeError);
  });
});
