import { isAppError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import { authorize, type Action } from '../authz/policy.ts';
import type { RoleGrantService } from '../roles/role-grants.ts';
import type { AccountService } from './account-service.ts';

export const BULK_ACTIONS = ['offboard', 'reset-password', 'grant-role', 'revoke-role'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** The most accounts one bulk request names (each is its own transaction). */
export const MAX_BULK = 200;

export type BulkRequest =
  | { action: 'offboard' | 'reset-password'; accountIds: string[] }
  | { action: 'grant-role' | 'revoke-role'; accountIds: string[]; roleCode: string };

/** One account's outcome: the status and code it would have had alone; `message` is English (the route localizes). */
export interface BulkResult {
  accountId: string;
  ok: boolean;
  status: number;
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
  initialPassword?: string;
}

/** The policy row each bulk action is checked against before any account is touched (R9). */
const POLICY_ACTION: Record<BulkAction, Action> = {
  offboard: 'account.offboard',
  'reset-password': 'account.reset-password',
  'grant-role': 'role.members',
  'revoke-role': 'role.members',
};

/**
 * Issue 8 — a clean-up action on a selection of accounts (清理离职、离岗人员账号; 大量无效角色). Each account
 * goes through the very service method of the single action — offboard (R12), reset (R19/R20), a
 * role's members added or removed (R17) — so each is checked alone (jurisdiction R10, the power rule
 * R6/R10, R12 endings) in its own transaction with its own audit event; one account's refusal never
 * stops the others and is reported with its own status and code.
 */
export class BulkAccountActions {
  constructor(private readonly deps: { accounts: AccountService; roleGrants: RoleGrantService; logger: Logger }) {}

  async run(actor: Actor, req: BulkRequest, meta: RequestMeta): Promise<{ results: BulkResult[] }> {
    authorize(actor, POLICY_ACTION[req.action]);
    const results: BulkResult[] = [];
    for (const accountId of new Set(req.accountIds)) results.push(await this.one(actor, req, accountId, meta));
    return { results };
  }

  private async one(actor: Actor, req: BulkRequest, accountId: string, meta: RequestMeta): Promise<BulkResult> {
    try {
      switch (req.action) {
        case 'offboard':
          await this.deps.accounts.offboard(actor, accountId, meta);
          return { accountId, ok: true, status: 200 };
        case 'reset-password': {
          const { initialPassword } = await this.deps.accounts.resetPassword(actor, accountId, meta);
          return { accountId, ok: true, status: 200, initialPassword };
        }
        case 'grant-role':
          await this.deps.roleGrants.addMembers(actor, req.roleCode, [accountId], meta);
          return { accountId, ok: true, status: 200 };
        case 'revoke-role':
          await this.deps.roleGrants.removeMember(actor, req.roleCode, accountId, meta);
          return { accountId, ok: true, status: 200 };
      }
    } catch (err) {
      if (isAppError(err) && err.expose) {
        return { accountId, ok: false, status: err.status, code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) };
      }
      // An unexpected failure of one account is logged and reported like a single call's 500; the rest go on.
      this.deps.logger.error({ err, accountId, action: req.action, requestId: meta.requestId }, 'bulk account action failed');
      return { accountId, ok: false, status: 500, code: 'internal' };
    }
  }
}
