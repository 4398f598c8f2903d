import { z } from 'zod';
import { requestMeta } from '../../platform/http/request.ts';
import { guard } from '../guard.ts';
import type { AdminRoutes } from '../types.ts';
import { idParams, limit, next, page, unitKind } from '../schemas/common.ts';
import { affiliationRequest } from '../schemas/requests.ts';

/** What a choice of upper unit needs, nothing more (issue 8). */
const upperUnit = z.object({
  id: z.uuid(),
  name: z.string(),
  code: z.string(),
  kind: unitKind,
  level: z.enum(['province', 'city', 'county']).nullable(),
  area: z.string().nullable(),
});

/** Affiliation (归口, R13/R14). */
export const affiliationRoutes: AdminRoutes = (router, { directory: { affiliation, upperUnits } }) => {
  router.get(
    '/upper-units',
    guard({
      summary: 'Find an upper unit to ask for affiliation: hrss bureaus and competent departments of the province the caller may choose (查询主管部门, R13)',
      description:
        'Fuzzy on Chinese names (the typed characters in order: 省人社 finds 省人力资源和社会保障厅), a code prefix, an administrative-division prefix. Answers only id, name, code, kind, level and area; audited and throttled per administrator.',
      tags: ['affiliation'],
      query: z.object({
        q: z.string().trim().max(100).optional().describe('Part of the name (characters in order) or the start of the code'),
        area: z.string().regex(/^\d{2}(\d{2}){0,2}$/, 'an administrative-division code or its 2- or 4-digit prefix').optional(),
        kind: z.enum(['hrss', 'competent']).optional(),
        limit,
        next,
      }),
      response: page(upperUnit),
      errors: [403, 429],
    }),
    async (ctx) => {
      ctx.body = await upperUnits.find(ctx.state.actor, ctx.guard.query, requestMeta(ctx));
    },
  );

  router.post(
    '/affiliation-requests',
    guard({ summary: "Ask an upper unit to confirm the caller's unit below it (R13)", tags: ['affiliation'], body: z.object({ targetUnitId: z.uuid() }), response: affiliationRequest, status: 201, errors: [403, 404, 409] }),
    async (ctx) => {
      ctx.body = await affiliation.request(ctx.state.actor, ctx.guard.body.targetUnitId, requestMeta(ctx));
    },
  );

  router.get(
    '/affiliation-requests',
    guard({ summary: "Requests the caller's unit made or may decide", tags: ['affiliation'], query: z.object({ status: z.enum(['pending', 'approved', 'rejected']).optional(), limit, next }), response: page(affiliationRequest) }),
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
