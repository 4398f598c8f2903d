import { describe, expect, it } from 'vitest';
import { maskIdNumber, maskPhone, maskSensitive } from './masking.ts';

describe('R25 masking of personal data', () => {
  it('R25 masks an ID number keeping the first 4 and last 4 characters', () => {
    expect(maskIdNumber('520102199001011234')).toBe('5201**********1234');
    expect(maskIdNumber('11010519491231002X')).toBe('1101**********002X');
  });

  it('R25 masks a phone keeping the first 3 and last 4 digits', () => {
    expect(maskPhone('13512342210')).toBe('135****2210');
  });

  it('R25 masks short values entirely instead of revealing them', () => {
    expect(maskIdNumber('12345678')).toBe('********');
    expect(maskPhone('1234567')).toBe('*******');
    expect(maskPhone('')).toBe('');
  });

  it('R25 maskSensitive masks idNumber, id_number and phone at any depth without modifying the input', () => {
    const input = {
      action: 'account.create',
      idNumber: '520102199001011234',
      admin: { name: '张三', phone: '13512342210', id_number: '520102199001011234' },
      people: [{ phone: '13900000001' }, { phone: null, idNumber: undefined }],
      count: 2,
      ok: true,
    };
    const copy = structuredClone(input);
    expect(maskSensitive(input)).toEqual({
      action: 'account.create',
      idNumber: '5201**********1234',
      admin: { name: '张三', phone: '135****2210', id_number: '5201**********1234' },
      people: [{ phone: '139****0001' }, { phone: null, idNumber: undefined }],
      count: 2,
      ok: true,
    });
    expect(input).toEqual(copy);
  });

  it('R25 maskSensitive masks arrays and numbers under a sensitive key and keeps other values', () => {
    const at = new Date('2025-01-01T00:00:00Z');
    expect(maskSensitive({ phone: ['13512342210', 13900000001], at, note: '13512342210' })).toEqual({
      phone: ['135****2210', '139****0001'],
      at,
      note: '13512342210',
    });
    expect(maskSensitive(null)).toBeNull();
    expect(maskSensitive('13512342210')).toBe('13512342210');
    expect(maskSensitive([{ idNumber: '520102199001011234' }])).toEqual([{ idNumber: '5201**********1234' }]);
  });
});
