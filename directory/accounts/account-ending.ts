import type { Transaction } from 'sequelize';
import { AppError } from '../../platform/errors.ts';
import type { Account } from '../models/index.ts';
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

  constructor(private readonly deps: { accounts: AccountRepository }) {}

  /** Identity implements the port; it is attached once the provider exists. */
  attach(sessionEnder: SessionEnder) {
    this.sessionEnder = sessionEnder;
  }

  async end(tx: Transaction, account: Pick<Account, 'id'>, status: 'disabled' | 'offboarded'): Promise<AfterCommit> {
    await this.deps.accounts.end(tx, account.id, status);
    await this.deps.accounts.removeRoles(tx, account.id);
    return this.endSessions(tx, account.id);
  }

  endSessions(tx: Transaction, accountId: string): Promise<AfterCommit> {
    return this.ender().endAll(tx, accountId);
  }

  /** Every token a client holds ends with it (a disabled partner app), through the same port. */
  endClientTokens(tx: Transaction, clientId: string): Promise<void> {
    return this.ender().endClientTokens(tx, clientId);
  }

  private ender(): SessionEnder {
    if (!this.sessionEnder) throw new AppError(500, 'internal', 'Session ender not attached');
    return this.sessionEnder;
  }
}
