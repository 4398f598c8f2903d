import type { Transaction } from 'sequelize';
import { AppError } from '../../platform/errors.ts';
import type { AccountModel } from '../models/index.ts';
import type { SessionEnder } from '../session-ender.ts';
import type { AccountRepository } from './account-repository.ts';

/** What must run once the transaction has committed (back-channel logout notifications). */
export type AfterCommit = () => Promise<void>;

/**
 * Ending an account (R12 offboarding, R7 replaced administrator, disabling): the status changes,
 * its roles go, and every session, grant and token it holds ends in the same transaction. The
 * account row itself stays for the audit trail.
 */
export class AccountEnding {
  private sessionEnder: SessionEnder | undefined;

  constructor(private readonly accounts: AccountRepository) {}

  /** Identity implements the port; it is attached once the provider exists. */
  attach(sessionEnder: SessionEnder) {
    this.sessionEnder = sessionEnder;
  }

  async end(tx: Transaction, account: AccountModel, status: 'disabled' | 'offboarded'): Promise<AfterCommit> {
    await account.update({ status, endedAt: new Date(), updatedAt: new Date() }, { transaction: tx });
    await this.accounts.removeRoles(tx, account.id);
    return this.endSessions(tx, account.id);
  }

  endSessions(tx: Transaction, accountId: string): Promise<AfterCommit> {
    if (!this.sessionEnder) throw new AppError(500, 'internal', 'Session ender not attached');
    return this.sessionEnder.endAll(tx, accountId);
  }
}
