import type { Transaction } from 'sequelize';
import { AppError, conflict, forbidden, notFound } from '../../platform/errors.ts';
import type { Actor } from '../actor.ts';
import type { AccountRepository, PowerSubject } from '../accounts/account-repository.ts';
import type { Account } from '../models/index.ts';
import { accountPowerRefusal, type PowerPurpose, type PowerRefusal } from './account-power.ts';

export type { PowerSubject };

/** What an operator of the caller's own unit is wanted for (R9, R10). */
export interface OwnOperatorCheck {
  /** Business roles: other kinds are refused as R9's separation of duties, and the account must be active. */
  forRoles?: boolean;
  /** Lock the account row for the rest of the transaction. */
  lock?: boolean;
  /** Subsystems of roles about to be granted or taken (R6). */
  extraSubsystems?: readonly string[];
}

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
   * R10 — the one rule for "an operator of the caller's own unit", used by every path that manages
   * operators (updates, roles per account and per role): unknown or outside the jurisdiction 404;
   * an account of another unit 403 `account.not_own_operator` (or the power rule's own refusal);
   * an administrator or unit account 403 (`role.separation_of_duties` for roles, R9); then the
   * power rule (R6: a scoped administrator's scope covers the operator's roles and those given).
   */
  async ownOperator(tx: Transaction, actor: Actor, accountId: string, opts: OwnOperatorCheck = {}): Promise<Account> {
    const account = opts.lock ? await this.deps.accounts.findForUpdate(tx, accountId) : await this.deps.accounts.findById(tx, accountId);
    // No details: an account outside the jurisdiction gets exactly this answer too (R10, no oracle).
    if (!account) throw notFound('account.not_found', 'Account not found');
    const extra = { extraSubsystems: opts.extraSubsystems ?? [] };
    if (account.unitId !== actor.unitId) {
      await this.check(tx, actor, account, extra); // 404 outside the jurisdiction, else its refusal
      throw forbidden('account.not_own_operator', "Administrators manage only their own unit's operator accounts (R10)", { accountId });
    }
    if (account.kind !== 'operator') {
      if (opts.forRoles) throw forbidden('role.separation_of_duties', 'Unit and administrator accounts never hold business roles (R9)', { accountId });
      throw forbidden('account.not_own_operator', "Administrators manage only their own unit's operator accounts (R10)", { accountId });
    }
    if (opts.forRoles && account.status !== 'active') throw conflict('account.not_active', 'The account is not active', { accountId });
    await this.check(tx, actor, account, extra);
    return account;
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
