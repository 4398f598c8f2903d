import { describe, expect, it } from 'vitest';
import { canAffiliate, checkCreation } from './creation-rules.ts';
import type { UnitKind, UnitLevel } from '../models/index.ts';

const province = { kind: 'hrss' as const, level: 'province' as const };
const city = { kind: 'hrss' as const, level: 'city' as const };
const county = { kind: 'hrss' as const, level: 'county' as const };
const competent = { kind: 'competent' as const, level: null };
const employer = { kind: 'employer' as const, level: null };

describe('R4 creation chain', () => {
  const allowed: Array<[string, { kind: UnitKind; level: UnitLevel | null }, UnitKind, UnitLevel | null]> = [
    ['province → city hrss', province, 'hrss', 'city'],
    ['province → competent', province, 'competent', null],
    ['province → employer', province, 'employer', null],
    ['city → county hrss', city, 'hrss', 'county'],
    ['city → competent', city, 'competent', null],
    ['city → employer', city, 'employer', null],
    ['county → competent', county, 'competent', null],
    ['county → employer', county, 'employer', null],
    ['competent → employer', competent, 'employer', null],
    ['employer → sub-institution', employer, 'employer', null],
  ];
  it.each(allowed)('allows %s', (_n, creator, kind, level) => {
    expect(checkCreation(creator, kind)).toBe(level);
  });

  const refused: Array<[string, { kind: UnitKind; level: UnitLevel | null }, UnitKind, UnitLevel | null | undefined]> = [
    ['county → hrss', county, 'hrss', undefined],
    ['province → county hrss (skipping a level)', province, 'hrss', 'county'],
    ['competent → competent', competent, 'competent', undefined],
    ['competent → hrss', competent, 'hrss', undefined],
    ['employer → competent', employer, 'competent', undefined],
    ['employer → hrss', employer, 'hrss', undefined],
  ];
  it.each(refused)('refuses %s with 403 unit.creation_not_allowed', (_n, creator, kind, level) => {
    expect(() => checkCreation(creator, kind, level)).toThrowError(expect.objectContaining({ status: 403, code: 'unit.creation_not_allowed' }));
  });
});

describe('R13 affiliation targets', () => {
  it('lets an hrss unit affiliate only one level up', () => {
    expect(canAffiliate(city, province)).toBe(true);
    expect(canAffiliate(county, city)).toBe(true);
    expect(canAffiliate(county, province)).toBe(false);
    expect(canAffiliate(city, competent)).toBe(false);
  });
  it('lets competent departments affiliate to hrss units and employers to anything', () => {
    expect(canAffiliate(competent, county)).toBe(true);
    expect(canAffiliate(competent, employer)).toBe(false);
    expect(canAffiliate(employer, competent)).toBe(true);
    expect(canAffiliate(employer, employer)).toBe(true);
  });
});
