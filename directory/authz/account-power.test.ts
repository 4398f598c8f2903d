import { describe, expect, it } from 'vitest';
import { accountPowerRefusal, type PowerActor, type PowerPurpose, type PowerTarget, type UnitRelation } from './account-power.ts';

/**
 * Issue 5 item 1 (R6, R7, R9, R10): actor × target kind × scope × unit relation. The expectations
 * are written out by hand, independently of the function, so a change of the rule must be made twice.
 */
const ACTORS = {
  unitAccount: { accountId: 'actor', kind: 'unit', unitKind: 'employer', scope: null },
  adminEmployer: { accountId: 'actor', kind: 'admin', unitKind: 'employer', scope: null },
  adminHrssAll: { accountId: 'actor', kind: 'admin', unitKind: 'hrss', scope: ['all'] },
  adminHrssTitle: { accountId: 'actor', kind: 'admin', unitKind: 'hrss', scope: ['title'] },
  operator: { accountId: 'actor', kind: 'operator', unitKind: 'hrss', scope: null },
} satisfies Record<string, PowerActor>;
type ActorName = keyof typeof ACTORS;

const target = (kind: PowerTarget['kind'], scope: string[] | null, roleSubsystems: string[] = []): PowerTarget => ({
  accountId: 'target',
  kind,
  scope,
  roleSubsystems,
});

/** Column order of the expectation strings below. */
const TARGETS: Array<[string, PowerTarget]> = [
  ['unit account', target('unit', null)],
  ['non-hrss admin', target('admin', null)],
  ['hrss admin scope all', target('admin', ['all'])],
  ['hrss admin scope title', target('admin', ['title'])],
  ['operator without roles', target('operator', null)],
  ['operator with title roles', target('operator', null, ['title'])],
  ['operator with title+personnel roles', target('operator', null, ['title', 'personnel'])],
  ['operator with org.affiliation-reviewer', target('operator', null, ['org'])],
];

/** `.` allowed · `x` 403 account.power_exceeded · `o` 403 account.not_own_operator · `g` 403 account.person_not_governed · `n` 404 account.not_found */
const CODES: Record<string, string | null> = {
  '.': null,
  x: 'account.power_exceeded',
  o: 'account.not_own_operator',
  g: 'account.person_not_governed',
  n: 'account.not_found',
};
type Row = Record<UnitRelation, string>;

const ACT: Record<ActorName, Row> = {
  // R7: the unit account acts on its own unit's administrator(s) only, and sees nothing below (R10).
  unitAccount: { same: 'x...xxxx', below: 'nnnnnnnn', created: 'nnnnnnnn', none: 'nnnnnnnn' },
  // R10: own unit's operators; administrators and unit accounts of units below; of a unit it
  // created that affiliated elsewhere only the administrators (R7), the rest is not found.
  adminEmployer: { same: 'xxxx....', below: '....oooo', created: 'n...nnnn', none: 'nnnnnnnn' },
  // R6 choice: a scope-all hrss administrator also acts on its unit's scoped administrators.
  adminHrssAll: { same: 'xxx.....', below: '....oooo', created: 'n...nnnn', none: 'nnnnnnnn' },
  // R6: a scoped administrator acts only on its own unit's operators whose roles lie in its scope.
  adminHrssTitle: { same: 'xxxx..xx', below: 'xxxxoooo', created: 'nxxxnnnn', none: 'nnnnnnnn' },
  // R9: operators administer nothing.
  operator: { same: 'xxxxxxxx', below: 'xxxxxxxx', created: 'xxxxxxxx', none: 'nnnnnnnn' },
};

const MIGRATE: Record<ActorName, Row> = {
  // R11: a unit above (scope all) moves an operator at once; the scope still bounds the own unit's.
  unitAccount: ACT.unitAccount,
  adminEmployer: { same: 'xxxx....', below: '........', created: 'n...nnnn', none: 'nnnnnnnn' },
  adminHrssAll: { same: 'xxx.....', below: '........', created: 'n...nnnn', none: 'nnnnnnnn' },
  adminHrssTitle: ACT.adminHrssTitle,
  operator: ACT.operator,
};

const SHARED: Record<ActorName, Row> = {
  // Reaching a person's other accounts: covered when acting on them directly is, or when the actor
  // commands their unit (unit account: its unit and below; scope-all admin: below and created).
  unitAccount: { same: '........', below: '........', created: 'gggggggg', none: 'gggggggg' },
  adminEmployer: { same: 'gggg....', below: '........', created: '........', none: 'gggggggg' },
  adminHrssAll: { same: 'ggg.....', below: '........', created: '........', none: 'gggggggg' },
  adminHrssTitle: { same: 'gggg..gg', below: 'gggggggg', created: 'gggggggg', none: 'gggggggg' },
  operator: { same: 'gggggggg', below: 'gggggggg', created: 'gggggggg', none: 'gggggggg' },
};

const TABLES: Array<[PowerPurpose, Record<ActorName, Row>]> = [
  ['act', ACT],
  ['migrate', MIGRATE],
  ['shared-credential', SHARED],
];

describe('issue 5 item 1 — R6/R7/R10: an actor acts on an account only when its powers cover it (table)', () => {
  for (const [purpose, table] of TABLES) {
    for (const actorName of Object.keys(ACTORS) as ActorName[]) {
      for (const relation of ['same', 'below', 'created', 'none'] as const) {
        TARGETS.forEach(([targetName, t], i) => {
          const expected = CODES[table[actorName][relation][i]!];
          it(`${purpose}: ${actorName} → ${targetName} (${relation}) ${expected ? `refused ${expected}` : 'allowed'}`, () => {
            expect(accountPowerRefusal(ACTORS[actorName], t, relation, purpose)?.code ?? null).toBe(expected);
          });
        });
      }
    }
  }
});

describe('accountPowerRefusal details', () => {
  it('R6: nobody acts on itself (403), yet its own account is no obstacle when a shared credential reaches it', () => {
    for (const actor of Object.values(ACTORS)) {
      const self = { ...target(actor.kind, actor.scope), accountId: actor.accountId };
      expect(accountPowerRefusal(actor, self, 'same')?.code).toBe('account.power_exceeded');
      expect(accountPowerRefusal(actor, self, 'same', 'shared-credential')).toBeNull();
    }
  });

  it('R10: outside the jurisdiction is 404 with no detail; inside but not covered is 403 naming the rule and the subsystems', () => {
    expect(accountPowerRefusal(ACTORS.adminHrssAll, target('admin', null), 'none')).toMatchObject({ status: 404, code: 'account.not_found' });
    const refusal = accountPowerRefusal(ACTORS.adminHrssTitle, target('operator', null, ['personnel', 'title', 'allocation']), 'same');
    expect(refusal).toMatchObject({ status: 403, code: 'account.power_exceeded', rule: 'R6' });
    expect(refusal!.reason).toContain('allocation, personnel');
    expect(accountPowerRefusal(ACTORS.adminHrssTitle, target('admin', ['all']), 'below')).toMatchObject({ status: 403, rule: 'R6' });
    expect(accountPowerRefusal(ACTORS.adminHrssTitle, target('admin', ['talent']), 'same')).toMatchObject({ status: 403, rule: 'R6' });
    expect(accountPowerRefusal(ACTORS.adminHrssAll, target('admin', ['all']), 'same')).toMatchObject({ status: 403, rule: 'R7' });
    expect(accountPowerRefusal(ACTORS.unitAccount, target('operator', null), 'same')).toMatchObject({ status: 403, rule: 'R7' });
    expect(accountPowerRefusal(ACTORS.unitAccount, target('admin', null), 'below')).toMatchObject({ status: 404, code: 'account.not_found' });
  });

  it('R6: an account about to be created (no id) is judged like any other: a new scope-all peer needs the unit account or the unit above', () => {
    const newAdmin = (scope: string[]) => ({ accountId: null, kind: 'admin' as const, scope, roleSubsystems: [] });
    expect(accountPowerRefusal(ACTORS.adminHrssAll, newAdmin(['title']), 'same')).toBeNull();
    expect(accountPowerRefusal(ACTORS.adminHrssAll, newAdmin(['all']), 'same')?.code).toBe('account.power_exceeded');
    expect(accountPowerRefusal(ACTORS.unitAccount, newAdmin(['all']), 'same')).toBeNull();
    expect(accountPowerRefusal(ACTORS.adminHrssAll, newAdmin(['all']), 'below')).toBeNull();
  });
});
