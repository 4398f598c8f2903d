import { z } from 'zod';
import { requestMeta } from '../../platform/http/request.ts';
import { guard } from '../guard.ts';
import type { AdminRoutes } from '../types.ts';
import { idParams, limit, next, page } from '../schemas/common.ts';

const request = z.object({
  id: z.uuid(),
  unitId: z.uuid(),
  targetUnitId: z.uuid(),
  status: z.enum(['pending', 'approved', 'rejected']),
  requestedBy: z.uuid(),
  decidedBy: z.uuid().nullable(),
  reason: z.string().nullable(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
});

/** Affiliation (归口, R13/R14). */
export const affiliationRoutes: AdminRoutes = (router, { directory: { affiliation } }) => {
  router.post(
    '/affiliation-requests',
    guard({ summary: "Ask an upper unit to confirm the caller's unit below it (R13)", tags: ['affiliation'], body: z.object({ targetUnitId: z.uuid() }), response: request, status: 201, errors: [403, 404, 409] }),
    async (ctx) => {
      ctx.body = await affiliation.request(ctx.state.actor, ctx.guard.body.targetUnitId, requestMeta(ctx));
    },
  );

  router.get(
    '/affiliation-requests',
    guard({ summary: "Requests the caller's unit made or may decide", tags: ['affiliation'], query: z.object({ status: z.enum(['pending', 'approved', 'rejected']).optional(), limit, next }), response: page(request) }),
    async (ctx) => {
      ctx.body = await affiliation.list(ctx.state.actor, ctx.guard.query);
    },
  );

  router.post(
    '/affiliation-requests/:id/approve',
    guard({ summary: 'Approve an affiliation request (R13)', tags: ['affiliation'], params: idParams, body: z.object({}).optional(), response: z.object({ id: z.uuid(), status: z.string() }), errors: [403, 404, 409] }),
    async (ctx) => {
      ctx.body = await affiliation.decide(ctx.state.actor, ctx.guard.params.id, true, undefined, requestMeta(ctx));
    },
  );

  router.post(
    '/affiliation-requests/:id/reject',
    guard({ summary: 'Reject an affiliation request (R13)', tags: ['affiliation'], params: idParams, body: z.object({ reason: z.string().trim().min(1).max(500) }), response: z.object({ id: z.uuid(), status: z.string() }), errors: [403, 404, 409] }),
    async (ctx) => {
      ctx.body = await affiliation.decide(ctx.state.actor, ctx.guard.params.id, false, ctx.guard.body.reason, requestMeta(ctx));
    },
  );
};
