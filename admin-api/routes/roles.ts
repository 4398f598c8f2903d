import { z } from 'zod';
import { requestMeta } from '../../platform/http/request.ts';
import { guard } from '../guard.ts';
import { moduleList, role, roleCode, roleParams, subsystem } from '../schemas/roles.ts';
import type { AdminRoutes } from '../types.ts';

const catalogue = z
  .object({
    items: z.array(
      z.object({ subsystem, name: z.string(), modules: z.array(z.object({ code: z.string(), name: z.string() })) }),
    ),
  })
  .meta({ id: 'ModuleCatalogue' });

/** The business-role catalogue and the module catalogue (R15, R17). */
export const roleRoutes: AdminRoutes = (router, { directory: { roles } }) => {
  router.get(
    '/roles',
    guard({
      summary: "Roles grantable at the caller's unit and roles defined inside its jurisdiction (R15, R17)",
      tags: ['roles'],
      query: z.object({ subsystem: subsystem.optional(), status: z.enum(['active', 'disabled']).optional() }),
      response: z.object({ items: z.array(role) }),
      errors: [403],
    }),
    async (ctx) => {
      ctx.body = await roles.list(ctx.state.actor, ctx.guard.query);
    },
  );

  router.post(
    '/roles',
    guard({
      summary: 'Define a role: provincial catalogue for the province hrss unit, else a role of the caller’s hrss unit (R15)',
      tags: ['roles'],
      body: z.object({ code: roleCode, name: z.string().trim().min(1).max(100), subsystem, modules: moduleList }),
      response: role,
      status: 201,
      errors: [403, 409],
    }),
    async (ctx) => {
      ctx.body = await roles.create(ctx.state.actor, ctx.guard.body, requestMeta(ctx));
    },
  );

  router.get('/roles/:code', guard({ summary: 'Read a role', tags: ['roles'], params: roleParams, response: role, errors: [403, 404] }), async (ctx) => {
    ctx.body = await roles.get(ctx.state.actor, ctx.guard.params.code);
  });

  router.put(
    '/roles/:code',
    guard({
      summary: "Rename a role, rebuild its modules or disable it (R15: same rules as creation)",
      tags: ['roles'],
      params: roleParams,
      body: z
        .object({ name: z.string().trim().min(1).max(100).optional(), modules: moduleList.optional(), status: z.enum(['active', 'disabled']).optional() })
        .refine((b) => Object.values(b).some((v) => v !== undefined), 'Give at least one of name, modules, status'),
      response: role,
      errors: [403, 404],
    }),
    async (ctx) => {
      ctx.body = await roles.update(ctx.state.actor, ctx.guard.params.code, ctx.guard.body, requestMeta(ctx));
    },
  );

  router.get(
    '/modules',
    guard({ summary: 'The module catalogue of each subsystem (SPEC §7)', tags: ['roles'], query: z.object({ subsystem: subsystem.optional() }), response: catalogue, errors: [403] }),
    async (ctx) => {
      ctx.body = roles.modules(ctx.state.actor, ctx.guard.query.subsystem);
    },
  );
};
