import type { Database } from '../../platform/db/database.ts';
import type { RequestMeta } from '../actor.ts';
import type { AccountRepository } from '../accounts/account-repository.ts';
import type { AuditService } from '../audit/audit-service.ts';

/**
 * Issue 7 — a completed sign-in: the account's last sign-in (when, by which method) and its audit
 * event `signin.complete`, in one transaction (R25). Called by the sign-in's last step, once the
 * account is chosen and every factor passed, just before the provider creates the session. The
 * person's own page shows both; the clean-up lists (never signed in, dormant) read the first.
 */
export class SignInRecorder {
  constructor(private readonly deps: { db: Database; audit: AuditService; accounts: AccountRepository }) {}

  async record(input: { accountId: string; method: string; amr: string[]; meta: RequestMeta }): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const account = await this.deps.accounts.findById(tx, input.accountId);
      if (!account) return;
      await this.deps.accounts.recordSignIn(tx, account.id, input.method);
      await this.deps.audit.record(tx, {
        actor: { accountId: account.id, kind: account.kind, unitId: account.unitId },
        action: 'signin.complete',
        target: { type: 'account', id: account.id },
        unitId: account.unitId,
        details: { method: input.method, amr: input.amr },
        meta: input.meta,
      });
    });
  }
}
