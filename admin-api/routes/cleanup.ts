import { errorLanguage, errorMessage } from '../../platform/error-codes/language.ts';
import { isErrorCode } from '../../platform/error-codes/index.ts';
import { requestMeta } from '../../platform/http/request.ts';
import type { BulkResult } from '../../directory/accounts/bulk-actions.ts';
import type { AccountQuestion } from '../../directory/cleanup/cleanup-repository.ts';
import { guard } from '../guard.ts';
import type { AdminRoutes } from '../types.ts';
import { page } from '../schemas/common.ts';
import {
  bulkRequest,
  bulkResponse,
  cleanupAccount,
  cleanupAccountQuery,
  cleanupRole,
  cleanupRoleQuery,
  dormantQuery,
  unitCountsPage,
  unitCountsQuery,
} from '../schemas/cleanup.ts';

/** The account lists, each its own route (the notice's questions), all over the caller's jurisdiction. */
const ACCOUNT_LISTS: Array<{ question: Exclude<AccountQuestion, 'dormant'>; summary: string }> = [
  { question: 'never-signed-in', summary: 'Live accounts of the jurisdiction that never signed in, oldest first' },
  { question: 'locked', summary: 'Live accounts whose password is locked (R19); a reset unlocks them' },
  {
    question: 'incomplete',
    summary: 'Live accounts with incomplete data: `missing` says what (an employer’s category, a unit’s area code, a password)',
  },
  { question: 'without-role', summary: 'Live operators holding no active business role (R17)' },
];

const LIST_NOTE = 'Issue 8 (清理离职、离岗人员账号; 完善账号体系): live accounts of the caller’s jurisdiction (R10), or of the subtree of `unitId`; ID number and phone masked (R25).';

/**
 * Issue 8 — keeping the account system clean: the lists a unit acts on (accounts, roles, counts per
 * unit) and bulk actions on a selection, each account through its single action's rules.
 */
export const cleanupRoutes: AdminRoutes = (router, { directory: { cleanup, bulkAccounts } }) => {
  for (const { question, summary } of ACCOUNT_LISTS) {
    router.get(
      `/cleanup/accounts/${question}`,
      guard({ summary, description: LIST_NOTE, tags: ['cleanup'], query: cleanupAccountQuery, response: page(cleanupAccount), errors: [403, 404] }),
      async (ctx) => {
        ctx.body = await cleanup.accounts(ctx.state.actor, question, ctx.guard.query);
      },
    );
  }

  router.get(
    '/cleanup/accounts/dormant',
    guard({
      summary: 'Live accounts not signed in for `days` days (default 90), least recently active first',
      description: `${LIST_NOTE} An account that never signed in counts from its creation.`,
      tags: ['cleanup'],
      query: dormantQuery,
      response: page(cleanupAccount),
      errors: [403, 404],
    }),
    async (ctx) => {
      ctx.body = await cleanup.accounts(ctx.state.actor, 'dormant', ctx.guard.query);
    },
  );

  for (const [path, which, summary] of [
    ['without-members', 'unheld', 'Active roles the caller sees that no live account of the scope holds (大量无效角色)'],
    ['unused', 'unused', 'Active roles held in the scope whose subsystem none of their holders used since the grant (大量无效角色)'],
  ] as const) {
    router.get(
      `/cleanup/roles/${path}`,
      guard({
        summary,
        description:
          'Per subsystem (`subsystem`): "used" means the provider issued the holder an access token for that subsystem’s resource (the admin API’s for `org` roles), recorded at most once an hour per account and subsystem; so a use up to two hours before the grant counts too. The list errs towards "used".',
        tags: ['cleanup'],
        query: cleanupRoleQuery,
        response: page(cleanupRole),
        errors: [403, 404],
      }),
      async (ctx) => {
        ctx.body = await cleanup.roles(ctx.state.actor, which, ctx.guard.query);
      },
    );
  }

  router.get(
    '/cleanup/units',
    guard({
      summary: 'Each unit of the jurisdiction (or of the subtree of `unitId`) with counts of its own live accounts, and the totals of the whole subtree',
      tags: ['cleanup'],
      query: unitCountsQuery,
      response: unitCountsPage,
      errors: [403, 404],
    }),
    async (ctx) => {
      ctx.body = await cleanup.unitCounts(ctx.state.actor, ctx.guard.query);
    },
  );

  router.post(
    '/accounts/bulk',
    guard({
      summary: 'Offboard, reset, grant or revoke a role on a selection of accounts: one result per account',
      description:
        'Each account goes through the single action (POST /accounts/{id}/offboard, /reset-password, POST and DELETE /roles/{code}/members) with its checks (R6, R10, R12, R17) and its own audit event; a refused account gets the status and code that action would answer (404 outside the jurisdiction, 403 beyond the caller’s powers, 409 already offboarded…) and never stops the others.',
      tags: ['cleanup', 'accounts'],
      body: bulkRequest,
      response: bulkResponse,
      errors: [403],
    }),
    async (ctx) => {
      const lang = errorLanguage(ctx.get('accept-language'));
      const { results } = await bulkAccounts.run(ctx.state.actor, ctx.guard.body, requestMeta(ctx));
      ctx.vary('Accept-Language');
      ctx.body = { results: results.map((r) => localized(r, lang)) };
    },
  );
};

/** A refused account's message in the client's language, as the error responder gives a single call's. */
function localized(r: BulkResult, lang: ReturnType<typeof errorLanguage>): BulkResult {
  if (!r.code || !isErrorCode(r.code)) return r;
  return { ...r, message: errorMessage(r.code, lang, r.details, r.message) };
}
