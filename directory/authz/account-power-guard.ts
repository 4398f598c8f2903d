import type { Transaction } from 'sequelize';
import { AppError } from '../../platform/errors.ts';
import type { Actor } from '../actor.ts';
import type { AccountRepository, PowerSubject } from '../accounts/account-repository.ts';
import { accountPowerRefusal, type PowerPurpose, type PowerRefusal } from './account-power.ts';

export type { PowerSubject };

export interface PowerCheck {
  purpose?: PowerPurpose;
  /** Subsystems of roles about to be granted or taken (R6: a scoped administrator's scope must cover them too). */
  extraSubsystems?: readonly string[];
}

/**
 * Loads what `accountPowerRefusal` judges — the relation of the account's unit to the actor's and
 * the subsystems of the roles it holds — and throws its refusal as an AppError. Every service path
 * that acts on an account goes through `check` (issue 5 item 1).
 */
export class AccountPowerGuard {
  constructor(private readonly deps: { accounts: AccountRepository }) {}

  /** Throws 404 outside the jurisdiction, 403 with a stable code when the actor's powers do not cover the account. */
  async check(tx: Transaction, actor: Actor, account: PowerSubject, opts: PowerCheck = {}): Promise<void> {
    const { relation, subsystems } = await this.deps.accounts.powerFacts(tx, actor.unitId, account);
    const refusal = accountPowerRefusal(
      actor,
      { accountId: account.id, kind: account.kind, scope: account.scope, roleSubsystems: [...subsystems, ...(opts.extraSubsystems ?? [])] },
      relation,
      opts.purpose ?? 'act',
    );
    if (refusal) throw toError(refusal);
  }

  /**
   * One person, one password and one phone (both sign-in names): a reset or a phone change made
   * through one account reaches every active account of the person, so the actor must cover each
   * (else an administrator who knows someone's name, ID number and phone could take over their
   * accounts elsewhere, R10). Refused with 403 `account.person_not_governed`.
   */
  async checkPerson(tx: Transaction, actor: Actor, personId: string): Promise<void> {
    const accounts = await this.deps.accounts.powerSubjectsOfPerson(tx, personId);
    for (const account of accounts) await this.check(tx, actor, account, { purpose: 'shared-credential' });
  }
}

const toError = (r: PowerRefusal) =>
  new AppError(r.status, r.code, r.message, r.status === 404 ? undefined : { rule: r.rule, reason: r.reason });
