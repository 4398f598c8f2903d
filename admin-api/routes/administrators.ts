import { requestMeta } from '../../platform/http/request.ts';
import { z } from 'zod';
import { guard } from '../guard.ts';
import type { AdminRoutes } from '../types.ts';
import { account, adminScope, idParams } from '../schemas/common.ts';

/** R6 — an hrss unit's administrators: re-scoping (adding: POST /units/{id}/admins; retiring: POST /accounts/{id}/offboard). */
export const administratorRoutes: AdminRoutes = (router, { directory: { administrators } }) => {
  router.put(
    '/accounts/:id/scope',
    guard({
      summary: "Change an hrss administrator's scope (R6)",
      description:
        'The caller must cover the administrator before and after (403 `account.power_exceeded`): a scope-all administrator of the same unit re-scopes its scoped administrators but grants nobody scope all; the unit account and scope-all administrators above do both. The unit keeps one administrator with scope all (409 `unit.last_admin`).',
      tags: ['accounts'],
      params: idParams,
      body: z.object({ scope: adminScope }),
      response: account,
      errors: [403, 404, 409],
    }),
    async (ctx) => {
      ctx.body = await administrators.rescope(ctx.state.actor, ctx.guard.params.id, ctx.guard.body.scope, requestMeta(ctx));
    },
  );
};
