import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { AppError } from '../../platform/errors.ts';
import type { Actor } from '../actor.ts';
import type { AccountKind } from '../models/index.ts';
import { accountPowerRefusal, type PowerPurpose, type PowerRefusal, type UnitRelation } from './account-power.ts';
import { JURISDICTION_SQL } from './jurisdiction.ts';

/** An account as the power rule needs it; `id: null` for one about to be created. */
export interface PowerSubject {
  id: string | null;
  kind: AccountKind;
  unitId: string;
  scope: string[] | null;
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
  constructor(private readonly sequelize: Sequelize) {}

  /** Throws 404 outside the jurisdiction, 403 with a stable code when the actor's powers do not cover the account. */
  async check(tx: Transaction, actor: Actor, account: PowerSubject, opts: PowerCheck = {}): Promise<void> {
    const { relation, subsystems } = await this.facts(tx, actor.unitId, account);
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
    const accounts = await this.sequelize.query<PowerSubject>(
      `SELECT id, kind, unit_id AS "unitId", scope FROM accounts WHERE person_id = :personId AND status = 'active' ORDER BY created_at`,
      { replacements: { personId }, type: QueryTypes.SELECT, transaction: tx },
    );
    for (const account of accounts) await this.check(tx, actor, account, { purpose: 'shared-credential' });
  }

  private async facts(tx: Transaction, actorUnitId: string, account: PowerSubject): Promise<{ relation: UnitRelation; subsystems: string[] }> {
    const [row] = await this.sequelize.query<{ relation: UnitRelation; subsystems: string[] }>(
      `SELECT CASE WHEN u.id = :jurisdictionUnitId THEN 'same'
                   WHEN ${JURISDICTION_SQL} THEN 'below'
                   WHEN u.created_by_unit_id = :jurisdictionUnitId THEN 'created'
                   ELSE 'none' END AS relation,
          COALESCE((SELECT array_agg(DISTINCT r.subsystem) FROM account_roles ar JOIN roles r ON r.id = ar.role_id
            WHERE ar.account_id = :accountId), '{}') AS subsystems
        FROM units u WHERE u.id = :unitId`,
      { replacements: { jurisdictionUnitId: actorUnitId, unitId: account.unitId, accountId: account.id }, type: QueryTypes.SELECT, transaction: tx },
    );
    return row ?? { relation: 'none', subsystems: [] };
  }
}

const toError = (r: PowerRefusal) =>
  new AppError(r.status, r.code, r.message, r.status === 404 ? undefined : { rule: r.rule, reason: r.reason });
