import { forbidden } from '../../platform/errors.ts';
import type { UnitKind, UnitLevel } from '../models/index.ts';

export interface UnitShape {
  kind: UnitKind;
  level: UnitLevel | null;
}

/**
 * R4 — who creates which unit, as a table: creator (kind/level) → the kinds (and hrss level) it may
 * create. `competent` created by an hrss unit is "same-level": it inherits no level of its own.
 */
const CREATION_TABLE: Record<string, Array<{ kind: UnitKind; level: UnitLevel | null }>> = {
  'hrss/province': [{ kind: 'hrss', level: 'city' }, { kind: 'competent', level: null }, { kind: 'employer', level: null }],
  'hrss/city': [{ kind: 'hrss', level: 'county' }, { kind: 'competent', level: null }, { kind: 'employer', level: null }],
  'hrss/county': [{ kind: 'competent', level: null }, { kind: 'employer', level: null }],
  competent: [{ kind: 'employer', level: null }],
  employer: [{ kind: 'employer', level: null }],
};

const keyOf = (u: UnitShape) => (u.kind === 'hrss' ? `hrss/${u.level}` : u.kind);

/** The kinds a unit may create (R4), for listings and the console. */
const creatableBy = (creator: UnitShape) => CREATION_TABLE[keyOf(creator)] ?? [];

/**
 * R4 — checks that `creator` may create a unit of `kind` and returns the new unit's level (an hrss
 * child's level follows from its creator; a requested `level` must agree). Refusals are 403.
 */
export function checkCreation(creator: UnitShape, kind: UnitKind, requestedLevel?: UnitLevel | null): UnitLevel | null {
  const allowed = creatableBy(creator).find((c) => c.kind === kind);
  if (!allowed) {
    throw forbidden('unit.creation_not_allowed', `A ${keyOf(creator)} unit may not create a ${kind} unit`, {
      creator: keyOf(creator),
      kind,
      allowed: creatableBy(creator).map(keyOf),
    });
  }
  if (requestedLevel && requestedLevel !== allowed.level) {
    throw forbidden('unit.creation_not_allowed', `A ${keyOf(creator)} unit may only create ${kind} units of level ${allowed.level ?? 'none'}`, {
      creator: keyOf(creator),
      kind,
      level: requestedLevel,
    });
  }
  return allowed.level;
}

/**
 * R13 — which upper unit a unit may affiliate to: an hrss unit to the hrss unit one level up, a
 * competent department to an hrss unit, an employer to a competent department, an hrss unit or
 * another employer (its parent institution).
 */
export function canAffiliate(unit: UnitShape, upper: UnitShape): boolean {
  if (unit.kind === 'hrss') {
    return upper.kind === 'hrss' && ((unit.level === 'city' && upper.level === 'province') || (unit.level === 'county' && upper.level === 'city'));
  }
  if (unit.kind === 'competent') return upper.kind === 'hrss';
  return true;
}
