import { z } from 'zod';
import { requestMeta } from '../../platform/http/request.ts';
import { parsePersonInput } from '../../directory/persons/person-rules.ts';
import { parsePhone } from '../../directory/codes/phone.ts';
import { guard } from '../guard.ts';
import type { AdminRoutes } from '../types.ts';
import { account, idParams, limit, next, page, personInput } from '../schemas/common.ts';
import { migrationRequest } from '../schemas/requests.ts';

const roleCodes = z.array(z.string().min(1).max(100)).max(100);

/** Accounts (R8–R12, R17, R19, R20): operators of the caller's unit and the accounts of its jurisdiction. */
export const accountRoutes: AdminRoutes = (router, { directory: { accounts, migrations } }) => {
  router.post(
    '/accounts',
    guard({
      summary: "Create an operator account in the caller's unit (R8, R20)",
      description:
        'About a person with no account in the caller’s jurisdiction the one answer is 409 `person.unavailable`, whatever matched (R10); it is audited, and past a limit per hour every person lookup of the caller answers 429 `person.lookup_throttled`.',
      tags: ['accounts'],
      body: personInput.extend({ roles: roleCodes.optional() }),
      response: z.object({ account, username: z.string(), initialPassword: z.string().nullable() }),
      status: 201,
      errors: [403, 409, 429],
    }),
    async (ctx) => {
      const { roles, ...person } = ctx.guard.body;
      ctx.body = await accounts.createOperator(ctx.state.actor, parsePersonInput(person), roles, requestMeta(ctx));
    },
  );

  router.get(
    '/accounts',
    guard({
      summary: 'List accounts of a unit in the jurisdiction (default: own unit)',
      tags: ['accounts'],
      query: z.object({ unitId: z.uuid().optional(), kind: z.enum(['unit', 'admin', 'operator']).optional(), status: z.enum(['active', 'disabled', 'offboarded']).optional(), limit, next }),
      response: page(account),
      errors: [404],
    }),
    async (ctx) => {
      ctx.body = await accounts.list(ctx.state.actor, ctx.guard.query);
    },
  );

  router.get('/accounts/:id', guard({ summary: 'Read an account (ID number and phone masked)', tags: ['accounts'], params: idParams, response: account, errors: [404] }), async (ctx) => {
    ctx.body = await accounts.get(ctx.state.actor, ctx.guard.params.id);
  });

  router.put(
    '/accounts/:id',
    guard({
      summary: "Update an operator's name or phone",
      tags: ['accounts'],
      params: idParams,
      body: z.object({ name: z.string().trim().min(1).max(100).optional(), phone: z.string().max(32).optional() }),
      response: account,
      errors: [403, 404, 409, 429],
    }),
    async (ctx) => {
      const { name, phone } = ctx.guard.body;
      ctx.body = await accounts.update(ctx.state.actor, ctx.guard.params.id, { name, phone: phone === undefined ? undefined : parsePhone(phone) }, requestMeta(ctx));
    },
  );

  router.put(
    '/accounts/:id/roles',
    guard({ summary: "Set an operator's roles (R9, R17)", tags: ['accounts'], params: idParams, body: z.object({ roles: roleCodes }), response: account, errors: [403, 404] }),
    async (ctx) => {
      ctx.body = await accounts.setRoles(ctx.state.actor, ctx.guard.params.id, ctx.guard.body.roles, requestMeta(ctx));
    },
  );

  for (const path of ['reset-password', 'unlock']) {
    router.post(
      `/accounts/:id/${path}`,
      guard({
        summary: 'Give a new initial password, shown once; this is also the only way to unlock (R19, R20)',
        description:
          'Only when the caller’s powers cover the account (403 `account.power_exceeded`, R6/R7/R10) and every other active account of its person (403 `account.person_not_governed`).',
        tags: ['accounts'],
        params: idParams,
        response: z.object({ initialPassword: z.string() }),
        errors: [403, 404, 409],
      }),
      async (ctx) => {
        ctx.body = await accounts.resetPassword(ctx.state.actor, ctx.guard.params.id, requestMeta(ctx));
      },
    );
  }

  router.post(
    '/accounts/:id/offboard',
    guard({
      summary: 'Offboard an operator or retire an administrator: every session and token ends (R6, R12)',
      description:
        'An administrator is retired only by an actor whose powers cover it (403 `account.power_exceeded`), and only while its unit keeps one active administrator (non-hrss) or one with scope all (hrss); otherwise 409 `unit.last_admin`: replace it with PUT /units/{id}/admin.',
      tags: ['accounts'],
      params: idParams,
      response: account,
      errors: [403, 404, 409],
    }),
    async (ctx) => {
      ctx.body = await accounts.offboard(ctx.state.actor, ctx.guard.params.id, requestMeta(ctx));
    },
  );

  router.post(
    '/accounts/:id/migrate',
    guard({
      summary: 'Migrate an operator to another unit (R11): pending until the new unit accepts, immediate for a common upper unit',
      tags: ['accounts'],
      params: idParams,
      body: z.object({ toUnitId: z.uuid() }),
      response: z.object({ status: z.enum(['pending', 'accepted']), requestId: z.uuid().optional(), account: account.optional() }),
      errors: [403, 404, 409],
    }),
    async (ctx) => {
      ctx.body = await migrations.request(ctx.state.actor, ctx.guard.params.id, ctx.guard.body.toUnitId, requestMeta(ctx));
    },
  );

  router.get(
    '/migrations',
    guard({
      summary: "Migrations into or out of the caller's unit (R11)",
      tags: ['accounts'],
      query: z.object({ status: z.enum(['pending', 'accepted', 'rejected']).optional(), limit, next }),
      response: page(
        migrationRequest,
      ),
    }),
    async (ctx) => {
      ctx.body = await migrations.list(ctx.state.actor, ctx.guard.query);
    },
  );

  for (const [verb, accept] of [['accept', true], ['reject', false]] as const) {
    router.post(
      `/migrations/:id/${verb}`,
      guard({
        summary: `${verb === 'accept' ? 'Accept' : 'Reject'} a migration into the caller's unit (R11)`,
        tags: ['accounts'],
        params: idParams,
        body: z.object({ reason: z.string().max(500).optional() }),
        response: z.object({ id: z.uuid(), status: z.enum(['accepted', 'rejected']) }),
        errors: [404, 409],
      }),
      async (ctx) => {
        ctx.body = await migrations.decide(ctx.state.actor, ctx.guard.params.id, accept, ctx.guard.body.reason, requestMeta(ctx));
      },
    );
  }
};
