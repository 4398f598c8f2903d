import { describe, expect, it } from 'vitest';
import { isAppError } from '../../platform/errors.ts';
import type { Actor } from '../actor.ts';
import { ACTIONS, authorize, can, type Action } from './policy.ts';

const actor = (over: Partial<Actor>): Actor => ({
  accountId: 'acc',
  kind: 'admin',
  unitId: 'U',
  unitKind: 'employer',
  unitLevel: null,
  scope: null,
  roles: [],
  personId: 'p',
  ...over,
});

const hrss = (level: 'province' | 'city' | 'county', over: Partial<Actor> = {}) =>
  actor({ unitKind: 'hrss', unitLevel: level, scope: ['all'], ...over });

/** One actor of every kind that the table distinguishes. */
const ACTORS = {
  unitEmployer: actor({ kind: 'unit', personId: null }),
  unitHrss: hrss('county', { kind: 'unit', personId: null, scope: null }),
  adminEmployer: actor({}),
  adminCompetent: actor({ unitKind: 'competent' }),
  adminCounty: hrss('county'),
  adminCity: hrss('city'),
  adminProvince: hrss('province'),
  adminProvinceTitle: hrss('province', { scope: ['title'] }),
  opEmployer: actor({ kind: 'operator', roles: ['org.affiliation-reviewer', 'title.reviewer'] }),
  opHrssReviewer: hrss('city', { kind: 'operator', scope: null, roles: ['org.affiliation-reviewer'] }),
  opHrssPlain: hrss('city', { kind: 'operator', scope: null, roles: ['title.reviewer'] }),
} satisfies Record<string, Actor>;
type Name = keyof typeof ACTORS;

const ADMINS: Name[] = ['adminEmployer', 'adminCompetent', 'adminCounty', 'adminCity', 'adminProvince', 'adminProvinceTitle'];
const HRSS_ADMINS: Name[] = ['adminCounty', 'adminCity', 'adminProvince', 'adminProvinceTitle'];
/** R6: the unit tree needs scope "all"; a subsystem-scoped hrss administrator does not administer it. */
const TREE_ADMINS = ADMINS.filter((n) => n !== 'adminProvinceTitle');

/**
 * The expected answer for every action × actor (without a subject), written out independently of
 * the policy table so that a change to the table must be made twice.
 */
const EXPECTED: Record<Action, Name[]> = {
  // Unit accounts: only about their own unit (subject checks below; their lookups find nothing else).
  'unit.read': [...ADMINS, 'unitEmployer', 'unitHrss'],
  'unit.create': TREE_ADMINS,
  'unit.update': TREE_ADMINS,
  'unit.change-admin': [...TREE_ADMINS, 'unitEmployer', 'unitHrss'],
  'unit.disable': TREE_ADMINS,
  'account.read': ADMINS,
  'account.create-operator': ADMINS,
  'account.update': ADMINS,
  'account.set-roles': ADMINS,
  'account.reset-password': [...ADMINS, 'unitEmployer', 'unitHrss'],
  'account.offboard': ADMINS,
  'account.migrate': ADMINS,
  'affiliation.create': TREE_ADMINS,
  'affiliation.list': [...ADMINS, 'opHrssReviewer'],
  'affiliation.decide': [...TREE_ADMINS, 'opHrssReviewer'],
  'role.read': ADMINS,
  'role.create': HRSS_ADMINS,
  'role.update': HRSS_ADMINS,
  'role.members': ADMINS,
  // R16: every unit files (with the hrss bureau above it) and reads what it filed; the province decides.
  'role-change.create': ['adminEmployer', 'adminCompetent', 'adminCounty', 'adminCity'],
  'role-change.read': ADMINS,
  'role-change.decide': HRSS_ADMINS,
  'client.read': ['adminProvince', 'adminProvinceTitle'],
  'client.manage': ['adminProvince'],
  'audit.read': ADMINS,
  'inbox.read': [...ADMINS, 'opHrssReviewer'],
  'cleanup.read': ADMINS,
  'import.run': ['adminProvince'],
};

describe('R7/R9/R13/R15/R16 authorization table (every actor kind × every action)', () => {
  for (const action of ACTIONS) {
    for (const name of Object.keys(ACTORS) as Name[]) {
      const allowed = EXPECTED[action].includes(name);
      it(`${allowed ? 'allows' : 'refuses'} ${name} → ${action}`, () => {
        expect(can(ACTORS[name], action)).toBe(allowed);
      });
    }
  }
});

describe('authorize()', () => {
  const refusalOf = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (isAppError(e)) return { status: e.status, code: e.code, details: e.details };
      throw e;
    }
    return null;
  };

  it('R9: refuses operators with 403 auth.forbidden naming the action and the rule', () => {
    expect(refusalOf(() => authorize(ACTORS.opEmployer, 'account.create-operator'))).toEqual({
      status: 403,
      code: 'auth.forbidden',
      details: expect.objectContaining({ action: 'account.create-operator', rule: 'R9' }),
    });
  });

  it('R9/R13: an employer operator with the affiliation-review role is still refused (hrss only)', () => {
    expect(refusalOf(() => authorize(ACTORS.opEmployer, 'affiliation.decide'))?.details).toMatchObject({ rule: 'R13' });
    expect(can(ACTORS.opHrssReviewer, 'affiliation.create')).toBe(false);
  });

  it('R7: a unit account reads and changes the administrator of its own unit only', () => {
    for (const a of [ACTORS.unitEmployer, ACTORS.unitHrss]) {
      for (const action of ['unit.read', 'unit.change-admin', 'account.reset-password'] as const) {
        expect(can(a, action, { unitId: 'U' })).toBe(true);
        expect(refusalOf(() => authorize(a, action, { unitId: 'other' }))?.details).toMatchObject({ rule: 'R7' });
      }
      expect(refusalOf(() => authorize(a, 'unit.update', { unitId: 'U' }))?.details).toMatchObject({ rule: 'R7' });
    }
  });

  it('R15: the provincial catalogue is edited only by province hrss administrators whose scope covers the subsystem', () => {
    const provincial = (subsystem: string) => ({ subsystem, ownerUnitId: null });
    expect(can(ACTORS.adminProvince, 'role.create', provincial('personnel'))).toBe(true);
    expect(can(ACTORS.adminProvinceTitle, 'role.update', provincial('title'))).toBe(true);
    expect(can(ACTORS.adminProvinceTitle, 'role.update', provincial('personnel'))).toBe(false);
    expect(can(ACTORS.adminProvinceTitle, 'role.create', provincial('org'))).toBe(false);
    expect(can(ACTORS.adminCity, 'role.update', provincial('title'))).toBe(false);
  });

  it('R15: hrss administrators at any level define roles of their own jurisdiction within their scope', () => {
    const own = { subsystem: 'title', ownerUnitId: 'U' };
    expect(can(ACTORS.adminCounty, 'role.create', own)).toBe(true);
    expect(can(ACTORS.adminCity, 'role.update', own)).toBe(true);
    expect(can(hrss('county', { scope: ['talent'] }), 'role.create', own)).toBe(false);
    expect(can(ACTORS.adminEmployer, 'role.create', own)).toBe(false);
  });

  it('R15/R17: granting a role needs a scope covering its subsystem', () => {
    const limited = hrss('city', { scope: ['title'] });
    expect(can(limited, 'role.members', { subsystem: 'title' })).toBe(true);
    expect(can(limited, 'account.set-roles', { subsystem: 'personnel' })).toBe(false);
    expect(can(ACTORS.adminEmployer, 'role.members', { subsystem: 'personnel' })).toBe(true);
    expect(can(hrss('city', { scope: [] }), 'role.members')).toBe(false);
  });

  it('client.manage needs a province hrss administrator with scope all', () => {
    expect(can(ACTORS.adminProvince, 'client.manage')).toBe(true);
    expect(can(ACTORS.adminProvinceTitle, 'client.manage')).toBe(false);
    expect(can(ACTORS.adminCity, 'client.manage')).toBe(false);
  });

  it('invalid action names do not type-check', () => {
    // @ts-expect-error — not an action of the table; at run time it is refused too
    expect(refusalOf(() => authorize(ACTORS.adminProvince, 'unit.destroy'))?.status).toBe(403);
  });
});
