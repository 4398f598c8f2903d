import { z } from 'zod';
import { guard } from '../guard.ts';
import { affiliationRequest, migrationRequest, roleChangeRequest } from '../schemas/requests.ts';
import type { AdminRoutes } from '../types.ts';

const inbox = z
  .object({
    counts: z.object({ affiliation: z.number().int(), migration: z.number().int(), roleChange: z.number().int(), total: z.number().int() }),
    affiliation: z.array(affiliationRequest).describe('Affiliation requests to decide (R13)'),
    migration: z.array(migrationRequest).describe('Migrations into the unit to accept or reject (R11)'),
    roleChange: z.array(roleChangeRequest).describe('Role-change requests at this unit’s step (R16)'),
  })
  .meta({ id: 'Inbox' });

/** Issue 8 — 待办: the requests waiting for the caller's unit, with counts. */
export const inboxRoutes: AdminRoutes = (router, { directory: { inbox: service } }) => {
  router.get(
    '/inbox',
    guard({
      summary: "Requests waiting for the caller's unit: affiliation (R13), migration (R11), role change (R16) — counts and the oldest of each",
      description: 'Each part lists only what the caller may decide; `limit` applies per part.',
      tags: ['inbox'],
      query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
      response: inbox,
      errors: [403],
    }),
    async (ctx) => {
      ctx.body = await service.waiting(ctx.state.actor, ctx.guard.query.limit);
    },
  );
};
