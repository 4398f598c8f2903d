import { z } from 'zod';
import { PARTNER_GRANT_TYPES } from '../../directory/clients/client-service.ts';
import { requestMeta } from '../../platform/http/request.ts';
import { guard } from '../guard.ts';
import type { AdminRoutes } from '../types.ts';

const client = z
  .object({
    clientId: z.string(),
    name: z.string(),
    kind: z.enum(['first-party', 'partner']),
    ownerUnitId: z.uuid().nullable(),
    grantTypes: z.array(z.string()),
    redirectUris: z.array(z.string()),
    resources: z.array(z.string()),
    canIntrospect: z.boolean(),
    confidential: z.boolean(),
    status: z.enum(['active', 'disabled']),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Client' });

const secretShown = z
  .object({ clientId: z.string(), clientSecret: z.string().describe('Shown once; stored encrypted') })
  .meta({ id: 'ClientSecret' });

const params = z.object({ id: z.string().min(1).max(100) });

/** Partner apps (SPEC §5): registered, re-keyed and disabled by province administrators. */
export const clientRoutes: AdminRoutes = (router, { directory: { clients } }) => {
  router.post(
    '/clients',
    guard({
      summary: 'Register a partner app (province hrss administrators with scope all)',
      description: 'Resources are the partner’s own `urn:` or `https:` identifiers, plus subsystem resources whose tokens it introspects; never the admin API.',
      tags: ['clients'],
      body: z.object({
        name: z.string().trim().min(1).max(100),
        resources: z.array(z.string().max(500)).min(1).max(20),
        introspection: z.boolean().default(false),
        grantTypes: z.array(z.enum(PARTNER_GRANT_TYPES)).min(1).optional(),
      }),
      response: secretShown.extend({ client }),
      status: 201,
      errors: [403],
    }),
    async (ctx) => {
      ctx.body = await clients.register(ctx.state.actor, ctx.guard.body, requestMeta(ctx));
    },
  );

  router.get(
    '/clients',
    guard({
      summary: 'Registered clients (first-party and partner)',
      tags: ['clients'],
      query: z.object({ kind: z.enum(['first-party', 'partner']).optional() }),
      response: z.object({ items: z.array(client) }),
      errors: [403],
    }),
    async (ctx) => {
      ctx.body = await clients.list(ctx.state.actor, ctx.guard.query);
    },
  );

  router.get('/clients/:id', guard({ summary: 'Read a client', tags: ['clients'], params, response: client, errors: [403, 404] }), async (ctx) => {
    ctx.body = await clients.get(ctx.state.actor, ctx.guard.params.id);
  });

  router.post(
    '/clients/:id/rotate-secret',
    guard({ summary: 'Issue a new secret (shown once); the old one stops working at once', tags: ['clients'], params, response: secretShown, errors: [403, 404, 409] }),
    async (ctx) => {
      ctx.body = await clients.rotateSecret(ctx.state.actor, ctx.guard.params.id, requestMeta(ctx));
    },
  );

  router.post(
    '/clients/:id/disable',
    guard({ summary: 'Disable a partner app and end its tokens', tags: ['clients'], params, response: client, errors: [403, 404, 409] }),
    async (ctx) => {
      ctx.body = await clients.disable(ctx.state.actor, ctx.guard.params.id, requestMeta(ctx));
    },
  );
};
