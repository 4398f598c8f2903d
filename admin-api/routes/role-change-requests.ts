import { z } from 'zod';
import { requestMeta } from '../../platform/http/request.ts';
import { guard } from '../guard.ts';
import { idParams, limit, next, page } from '../schemas/common.ts';
import { roleChangeRequest, roleChangeStatus } from '../schemas/requests.ts';
import { roleCode, subsystem } from '../schemas/roles.ts';
import type { Decision } from '../../directory/roles/role-change-service.ts';
import type { AdminRoutes } from '../types.ts';

const modules = z.array(z.string().max(100)).max(50);

const note = z.string().trim().min(1).max(2000);

/**
 * R16 — role-change requests: any unit files with the nearest hrss unit above it; county hrss →
 * city hrss → province, each forwarding or answering; the province accepts or rejects.
 */
export const roleChangeRoutes: AdminRoutes = (router, { directory: { roleChanges } }) => {
  router.post(
    '/role-change-requests',
    guard({
      summary:
        "Propose a change to a role, or a new role (any unit's administrator but the province hrss unit's; filed with the nearest hrss unit on the unit's confirmed affiliation chain, 409 role_change.no_reviewer before affiliation, R16)",
      tags: ['role-change-requests'],
      body: z.object({
        roleCode: roleCode.optional().describe('Omit to propose a new role (then give proposal.subsystem)'),
        proposal: z.object({
          code: roleCode.optional().describe('For a new role: the code asked for (the province may give another when accepting)'),
          name: z.string().trim().min(1).max(100).optional(),
          subsystem: subsystem.optional(),
          addModules: modules.optional(),
          removeModules: modules.optional(),
          comment: note,
        }),
      }),
      response: roleChangeRequest,
      status: 201,
      errors: [403, 404, 409],
    }),
    async (ctx) => {
      ctx.body = await roleChanges.create(ctx.state.actor, ctx.guard.body, requestMeta(ctx));
    },
  );

  router.get(
    '/role-change-requests',
    guard({
      summary: "Requests the caller's unit submitted, must review, or has reviewed",
      tags: ['role-change-requests'],
      query: z.object({ status: roleChangeStatus.optional(), box: z.enum(['submitted', 'review']).optional(), limit, next }),
      response: page(roleChangeRequest),
      errors: [403],
    }),
    async (ctx) => {
      ctx.body = await roleChanges.list(ctx.state.actor, ctx.guard.query);
    },
  );

  router.get(
    '/role-change-requests/:id',
    guard({ summary: 'Read a role-change request', tags: ['role-change-requests'], params: idParams, response: roleChangeRequest, errors: [403, 404] }),
    async (ctx) => {
      ctx.body = await roleChanges.get(ctx.state.actor, ctx.guard.params.id);
    },
  );

  type Step = { text?: string | undefined; apply?: boolean; code?: string | undefined };
  const step = <B>(decision: Decision, summary: string, body: z.ZodType<B>, read: (b: B) => Step) =>
    router.post(
      `/role-change-requests/:id/${decision}`,
      guard({ summary: `${summary} (R16)`, tags: ['role-change-requests'], params: idParams, body, response: roleChangeRequest, errors: [403, 404, 409] }),
      async (ctx) => {
        const { text, apply, code } = read(ctx.guard.body);
        ctx.body = await roleChanges.decide(ctx.state.actor, ctx.guard.params.id, decision, text, requestMeta(ctx), apply, code);
      },
    );
  step('forward', 'Forward to the next hrss unit up (city → province)', z.object({ note: note.optional() }), (b) => ({ text: b.note }));
  step('answer', 'Answer and close the request (any reviewing level)', z.object({ reply: note }), (b) => ({ text: b.reply }));
  step(
    'accept',
    'Accept (province only); `apply` (default true) changes the role as proposed, or creates the proposed new role in the provincial catalogue under `roleCode` (default: the code proposed)',
    z.object({
      note: note.optional(),
      apply: z.boolean().default(true),
      roleCode: roleCode.optional().describe("A new role's code (default: proposal.code)"),
    }),
    (b) => ({ text: b.note, apply: b.apply, code: b.roleCode }),
  );
  step('reject', 'Reject (province only)', z.object({ reason: note }), (b) => ({ text: b.reason }));
};
