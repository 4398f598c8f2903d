import { z } from 'zod';
import { requestMeta } from '../../platform/http/request.ts';
import { guard } from '../guard.ts';
import { roleCode, roleMembers, roleParams } from '../schemas/roles.ts';
import type { AdminRoutes } from '../types.ts';

/** R17 — "choose a role, add users": members of a role among the caller's unit's operators. */
export const roleMemberRoutes: AdminRoutes = (router, { directory: { roleGrants } }) => {
  router.get(
    '/roles/:code/members',
    guard({ summary: "Operators of the caller's unit holding the role", tags: ['roles'], params: roleParams, response: roleMembers, errors: [403, 404] }),
    async (ctx) => {
      ctx.body = await roleGrants.members(ctx.state.actor, ctx.guard.params.code);
    },
  );

  router.post(
    '/roles/:code/members',
    guard({
      summary: "Grant the role to operators of the caller's unit (R9, R17)",
      description: 'Unit and administrator accounts never receive roles (403 `role.separation_of_duties`); the role must be grantable at the unit (403 `role.not_grantable`).',
      tags: ['roles'],
      params: roleParams,
      body: z.object({ accountIds: z.array(z.uuid()).min(1).max(200) }),
      response: roleMembers,
      errors: [403, 404, 409],
    }),
    async (ctx) => {
      ctx.body = await roleGrants.addMembers(ctx.state.actor, ctx.guard.params.code, ctx.guard.body.accountIds, requestMeta(ctx));
    },
  );

  router.delete(
    '/roles/:code/members/:accountId',
    guard({
      summary: 'Take the role from an operator of the caller’s unit (R17)',
      tags: ['roles'],
      params: z.object({ code: roleCode, accountId: z.uuid() }),
      response: roleMembers,
      errors: [403, 404, 409],
    }),
    async (ctx) => {
      const { code, accountId } = ctx.guard.params;
      ctx.body = await roleGrants.removeMember(ctx.state.actor, code, accountId, requestMeta(ctx));
    },
  );
};
