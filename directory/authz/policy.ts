import { forbidden } from '../../platform/errors.ts';
import type { Actor } from '../actor.ts';
import type { AccountKind } from '../models/index.ts';

/** Every admin-API action; routes and services name exactly these. */
export const ACTIONS = [
  'unit.read', 'unit.create', 'unit.update', 'unit.change-admin', 'unit.disable',
  'account.read', 'account.create-operator', 'account.update', 'account.set-roles', 'account.reset-password',
  'account.offboard', 'account.migrate',
  'affiliation.create', 'affiliation.list', 'affiliation.decide',
  'role.read', 'role.create', 'role.update', 'role.members',
  'role-change.create', 'role-change.read', 'role-change.decide',
  'client.read', 'client.manage',
  'audit.read',
  'inbox.read',
  'cleanup.read',
  'import.run',
] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * What an action is about, when the caller knows it. Conditions about a subject are checked only
 * when it is given: services authorize coarsely before loading anything (so refused kinds never
 * touch the database), then either authorize again with the subject or enforce the same condition
 * in their lookup (a unit account's lookups only ever find its own unit: R7, R10).
 */
export interface AuthzSubject {
  /** The unit the action is about (a unit account may only act on its own, R7). */
  unitId?: string;
  /** The subsystem of the role concerned (R15: the administrator's scope must cover it). */
  subsystem?: string;
  /** The owner of the role concerned: null = provincial catalogue (R15: province hrss only). */
  ownerUnitId?: string | null;
}

export const AFFILIATION_REVIEWER_ROLE = 'org.affiliation-reviewer';

/** True when an administrator's scope covers `subsystem` (non-hrss administrators have no scope: everything). */
export function scopeCovers(actor: Pick<Actor, 'scope'>, subsystem: string): boolean {
  return actor.scope === null || actor.scope.includes('all') || actor.scope.includes(subsystem);
}

/**
 * The province hrss unit (the root, R5): it keeps the provincial catalogue (R15), accepts role
 * changes (R16), reads the events about no unit (R25) and its administrators accept codes that
 * fail only their checks (R1). The one definition every rule and service uses.
 */
export const isProvinceHrss = (a: Pick<Actor, 'unitKind' | 'unitLevel'>): boolean => a.unitKind === 'hrss' && a.unitLevel === 'province';

type Check = (actor: Actor, s: AuthzSubject) => boolean;

/** Named conditions, each with the rule it enforces (shown in the 403's details). */
const CONDITIONS = {
  'own-unit': { rule: 'R7', check: (a, s) => s.unitId === undefined || s.unitId === a.unitId },
  'hrss-unit': { rule: 'R15', check: (a) => a.unitKind === 'hrss' },
  'province-hrss': { rule: 'R15', check: (a) => isProvinceHrss(a) },
  // R16: the province hrss unit edits its catalogue itself; every other unit files with the hrss bureau above.
  'not-province-hrss': { rule: 'R16', check: (a) => !isProvinceHrss(a) },
  'scope-all': { rule: 'R6', check: (a) => a.scope === null || a.scope.includes('all') },
  // A coarse check without a subject: an hrss administrator with an empty scope administers nothing.
  'scope-covers': {
    rule: 'R15',
    check: (a, s) => (s.subsystem === undefined ? a.scope === null || a.scope.length > 0 : scopeCovers(a, s.subsystem)),
  },
  'provincial-needs-province': {
    rule: 'R15',
    check: (a, s) => s.ownerUnitId !== null || isProvinceHrss(a),
  },
  'affiliation-reviewer': { rule: 'R13', check: (a) => a.roles.includes(AFFILIATION_REVIEWER_ROLE) },
  // R9/R13: the one operator exception holds only in hrss units.
  'hrss-operator': { rule: 'R13', check: (a) => a.unitKind === 'hrss' },
} satisfies Record<string, { rule: string; check: Check }>;
type Condition = keyof typeof CONDITIONS;

/**
 * The authorization table (STYLE §5): action → actor kind → conditions that must all hold. A kind
 * missing from a row is refused. Jurisdiction (R10) is not here: it needs the database, so services
 * check it and answer 404 outside it.
 *
 * - R9: administrators do the administration; operators never pass, except hrss operators holding
 *   the affiliation-review role, who may list and decide affiliation requests (R13).
 * - R7: a unit account only reads its own unit and changes (or resets the password of) its administrator.
 * - R6: an hrss administrator whose scope is a set of subsystems administers those subsystems'
 *   roles and operators; the unit tree itself (units, their administrators, affiliation) needs scope "all".
 * - R15: catalogue roles are edited by hrss administrators whose scope covers the subsystem; the
 *   provincial catalogue only by the province hrss unit's.
 * - R16: any unit but the province hrss unit files role-change requests (scope still binds an hrss
 *   administrator; other administrators have no scope) and reads those it is involved in; only
 *   hrss units review them.
 *
 * Whether the actor's powers cover the very account acted on (R6, R7, R10: issue 5 item 1) is the
 * per-account rule of `account-power.ts`, which services apply once they have loaded the account.
 */
export const POLICY: Record<Action, Partial<Record<AccountKind, readonly Condition[]>>> = {
  'unit.read': { unit: ['own-unit'], admin: [] },
  'unit.create': { admin: ['scope-all'] },
  'unit.update': { admin: ['scope-all'] },
  'unit.change-admin': { unit: ['own-unit'], admin: ['scope-all'] },
  'unit.disable': { admin: ['scope-all'] },
  'account.read': { admin: [] },
  'account.create-operator': { admin: [] },
  'account.update': { admin: [] },
  'account.set-roles': { admin: ['scope-covers'] },
  // R7/R19: the unit account may reset (and so unlock: the only way, R19) its own unit's administrator.
  'account.reset-password': { unit: ['own-unit'], admin: [] },
  'account.offboard': { admin: [] },
  'account.migrate': { admin: [] },
  'affiliation.create': { admin: ['scope-all'] },
  'affiliation.list': { admin: [], operator: ['hrss-operator', 'affiliation-reviewer'] },
  'affiliation.decide': { admin: ['scope-all'], operator: ['hrss-operator', 'affiliation-reviewer'] },
  'role.read': { admin: [] },
  'role.create': { admin: ['hrss-unit', 'scope-covers', 'provincial-needs-province'] },
  'role.update': { admin: ['hrss-unit', 'scope-covers', 'provincial-needs-province'] },
  'role.members': { admin: ['scope-covers'] },
  'role-change.create': { admin: ['not-province-hrss', 'scope-covers'] },
  'role-change.read': { admin: [] },
  'role-change.decide': { admin: ['hrss-unit', 'scope-covers'] },
  'client.read': { admin: ['province-hrss'] },
  'client.manage': { admin: ['province-hrss', 'scope-all'] },
  'audit.read': { admin: [] },
  // Issue 8: what waits for the caller's unit; each part is shown only to whom may act on it.
  'inbox.read': { admin: [], operator: ['hrss-operator', 'affiliation-reviewer'] },
  // Issue 8: the clean-up lists of the caller's jurisdiction (R10); acting on them goes through each action's own row.
  'cleanup.read': { admin: [] },
  // Issue 8: the legacy import creates units anywhere in the province — the province's scope-all administrators only.
  'import.run': { admin: ['province-hrss', 'scope-all'] },
};

/** The first reason the table refuses, or null when it allows. Pure. */
export function refusal(actor: Actor, action: Action, subject: AuthzSubject = {}): { rule: string; reason: string } | null {
  // Fail closed for names outside the table (JavaScript callers, typos in data).
  if (!Object.hasOwn(POLICY, action)) return { rule: 'R9', reason: `unknown action ${String(action)}` };
  const conditions = POLICY[action][actor.kind];
  if (!conditions) {
    const rule = actor.kind === 'unit' ? 'R7' : 'R9';
    return { rule, reason: `${actor.kind} accounts may not ${action}` };
  }
  for (const name of conditions) {
    const c: { rule: string; check: Check } = CONDITIONS[name];
    if (!c.check(actor, subject)) return { rule: c.rule, reason: `condition ${name} not met` };
  }
  return null;
}

export const can = (actor: Actor, action: Action, subject?: AuthzSubject) => refusal(actor, action, subject) === null;

/** Throws 403 `auth.forbidden` (details name the action and the rule) unless the table allows. Pure. */
export function authorize(actor: Actor, action: Action, subject?: AuthzSubject): void {
  const no = refusal(actor, action, subject);
  if (no) throw forbidden('auth.forbidden', `Not allowed: ${action}`, { action, rule: no.rule, reason: no.reason });
}
