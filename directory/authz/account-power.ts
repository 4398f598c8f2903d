import type { CodeWithStatus } from '../../platform/error-codes/index.ts';
import type { Actor } from '../actor.ts';
import type { AccountKind } from '../models/index.ts';

/**
 * Where the target account's unit lies as seen from the actor's unit: the same unit, a unit of its
 * jurisdiction below it (R10), a unit it created that has since affiliated elsewhere (R7 keeps the
 * creator's power over that unit's administrator), or none of these.
 */
export type UnitRelation = 'same' | 'below' | 'created' | 'none';

/**
 * Why the actor touches the account:
 * - `act`: it acts on this account (reset, unlock, update, offboard, roles, re-scope, replace…);
 * - `migrate`: R11 — besides the operator's own unit, a unit above it moves it at once;
 * - `shared-credential`: the account is reached as a side effect, because its person's one
 *   password and one phone (both sign-in names) are changed through another of their accounts.
 */
export type PowerPurpose = 'act' | 'migrate' | 'shared-credential';

/** The account acted on — as it is, or as it would be (a new administrator, a new scope). */
export interface PowerTarget {
  /** Null for an account about to be created. */
  accountId: string | null;
  kind: AccountKind;
  /** An hrss administrator's scope (`['all']` or subsystems); null for every other account. */
  scope: readonly string[] | null;
  /** Subsystems of the roles an operator holds — and, for a role change, of every role added or removed. */
  roleSubsystems: readonly string[];
}

export interface PowerRefusal {
  status: 403 | 404;
  code: CodeWithStatus<403 | 404>;
  message: string;
  rule: string;
  reason: string;
}

export type PowerActor = Pick<Actor, 'accountId' | 'kind' | 'unitKind' | 'scope'>;

/** Scope `all`, or a non-hrss administrator (no scope: everything of its unit). */
const hasAllScope = (scope: readonly string[] | null) => scope === null || scope.includes('all');

/** R6/R15: a subsystem scope covers that subsystem; the directory's own `org` roles (R13) need scope `all`. */
const scopeCoversSubsystem = (actor: PowerActor, subsystem: string) =>
  hasAllScope(actor.scope) || (subsystem !== 'org' && actor.scope!.includes(subsystem));

/**
 * Whether the actor holds every power over the target's unit: the unit account over its unit and
 * all below it (it names its unit's administrator, R7, who manages that jurisdiction), a scope-`all`
 * administrator over the units below it and the units it created (R7, R10). Such an actor already
 * controls every account there, so reaching one of them through a shared credential gives nothing new.
 */
function commandsUnit(actor: PowerActor, relation: UnitRelation): boolean {
  if (actor.kind === 'unit') return relation === 'same' || relation === 'below';
  return actor.kind === 'admin' && hasAllScope(actor.scope) && (relation === 'below' || relation === 'created');
}

const refuse = (status: 403 | 404, code: CodeWithStatus<403 | 404>, message: string, rule: string, reason: string): PowerRefusal => ({ status, code, message, rule, reason });
const NOT_FOUND = refuse(404, 'account.not_found', 'Account not found', 'R10', 'outside the jurisdiction');
const exceeded = (rule: string, reason: string) =>
  refuse(403, 'account.power_exceeded', "This account's powers exceed yours; ask the unit above or the unit account", rule, reason);

/**
 * Issue 5 item 1 — an actor acts on an account only when its own powers cover that account's
 * (R6, R7, R9, R10). Pure; the one rule behind every reset, unlock, update, offboard, migration,
 * role change, re-scope and administrator change. Returns why not, or null.
 *
 * - Outside the jurisdiction: 404, never leaked (R10); for a unit account, outside its own unit;
 *   in a unit it created that affiliated elsewhere, everything but the administrators (R7).
 * - Operators: only an administrator of their own unit (R10; a unit above only migrates them, R11);
 *   a subsystem-scoped hrss administrator only when every role concerned lies in its scope (R6).
 * - Administrators and unit accounts: the unit account of the same unit for its administrator
 *   (R7), or a scope-`all` administrator of a unit above or of the creating unit (R7, R10).
 *   Our choice within one hrss unit: a scope-`all` administrator also acts on that unit's
 *   *scoped* administrators, whose powers are a strict subset of its own, but never on another
 *   scope-`all` administrator (an equal: only the unit account or the unit above replaces it).
 * - Nobody acts on itself here (its own password changes through the sign-in pages, R18).
 * - Through a shared credential, an account is covered when the actor acts on it directly or
 *   commands its unit (see `commandsUnit`); otherwise 403 `account.person_not_governed`.
 */
export function accountPowerRefusal(
  actor: PowerActor,
  target: PowerTarget,
  relation: UnitRelation,
  purpose: PowerPurpose = 'act',
): PowerRefusal | null {
  const refusal = directRefusal(actor, target, relation, purpose);
  if (purpose !== 'shared-credential' || refusal === null) return refusal;
  if (target.accountId !== null && target.accountId === actor.accountId) return null; // its own account
  if (commandsUnit(actor, relation)) return null;
  return refuse(403, 'account.person_not_governed', 'This person also holds accounts that you do not manage', 'R10', refusal.reason);
}

function directRefusal(actor: PowerActor, target: PowerTarget, relation: UnitRelation, purpose: PowerPurpose): PowerRefusal | null {
  if (relation === 'none') return NOT_FOUND;
  // R7/R10: a unit account sees its own unit only; what lies below is not found, as on every lookup.
  if (actor.kind === 'unit' && relation !== 'same' && purpose !== 'shared-credential') return NOT_FOUND;
  if (actor.kind === 'operator') return exceeded('R9', 'operators do not administer accounts');
  if (target.accountId !== null && target.accountId === actor.accountId) return exceeded('R6', 'an account does not act on itself');
  // R7 keeps the creating unit's power over the administrator of a unit that affiliated elsewhere;
  // the rest of that unit is outside the jurisdiction (R10).
  if (relation === 'created' && target.kind !== 'admin') return NOT_FOUND;

  if (target.kind === 'operator') {
    if (actor.kind === 'unit') return exceeded('R7', "a unit account acts only on its own unit's administrator");
    const ownUnit = relation === 'same' || (purpose === 'migrate' && commandsUnit(actor, relation));
    if (!ownUnit) {
      return refuse(403, 'account.not_own_operator', "Administrators manage only their own unit's operator accounts (R10)", 'R10', 'operator of another unit');
    }
    const uncovered = [...new Set(target.roleSubsystems)].filter((s) => !scopeCoversSubsystem(actor, s)).sort();
    return uncovered.length ? exceeded('R6', `roles of subsystems outside the scope: ${uncovered.join(', ')}`) : null;
  }

  // Administrators and unit accounts.
  if (actor.kind === 'unit') {
    return target.kind === 'admin' && relation === 'same' ? null : exceeded('R7', "a unit account acts only on its own unit's administrator");
  }
  if (!hasAllScope(actor.scope)) return exceeded('R6', 'a subsystem-scoped administrator does not act on administrators or unit accounts');
  if (relation === 'below' || relation === 'created') return null;
  const scopedPeer = target.kind === 'admin' && actor.unitKind === 'hrss' && !hasAllScope(target.scope);
  if (scopedPeer) return null;
  return exceeded('R7', "within a unit, only the unit account (or the unit above) acts on administrators with scope all and on the unit account");
}
