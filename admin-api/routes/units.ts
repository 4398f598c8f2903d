import { z } from 'zod';
import { requestMeta } from '../../platform/http/request.ts';
import { parsePersonInput as parsePerson } from '../../directory/persons/person-rules.ts';
import { MAX_PAGE } from '../../platform/pagination.ts';
import { TREE_MAX_NODES } from '../../directory/units/unit-tree.ts';
import { guard } from '../guard.ts';
import type { AdminRoutes } from '../types.ts';
import { adminScope, credentialsShown, idParams, limit, next, page, personInput, unit, unitCategory, unitKind, unitLevel } from '../schemas/common.ts';

const createUnit = z.object({
  kind: unitKind,
  level: unitLevel.optional(),
  category: unitCategory.optional().describe('Required for employers (issue 8): institution 事业单位 · enterprise 企业 · social-organization 社会组织'),
  name: z.string().trim().min(1).max(200),
  uscc: z.string().max(40).optional().describe('Omit for a derived code (R2)'),
  usccOverride: z.boolean().optional().describe('Province administrators only: accept a code failing its check (R1)'),
  adminDivision: z.string().regex(/^\d{6}$/).optional(),
  responsibilities: z.string().max(2000).default(''),
  admin: personInput,
});

const created = z.object({
  unit,
  unitAccount: z.object({ id: z.uuid(), username: z.string(), initialPassword: z.string() }),
  admin: credentialsShown,
});

type UnitTree = z.infer<typeof unit> & { children: UnitTree[]; hasChildren: boolean; truncated: boolean; next?: string | undefined };
const treeNode: z.ZodType<UnitTree> = unit.extend({
  children: z.array(z.lazy(() => treeNode)).describe('Confirmed children as far as loaded, by name (empty below the requested depth)'),
  hasChildren: z.boolean().describe('Whether the unit has confirmed children in your jurisdiction, loaded or not'),
  truncated: z.boolean().describe('Not all of its children are shown (the per-node limit or the node cap); see next'),
  next: z.string().optional().describe('When truncated after some children: GET /units/{this id}/tree?next=… continues them'),
});
const tree = unit.extend({
  children: z.array(treeNode),
  hasChildren: z.boolean(),
  truncated: z.boolean(),
  next: z.string().optional().describe('Continues the root’s children: the same call with next=…'),
  incomplete: z.boolean().describe(`Some node of this answer is truncated (at most ${TREE_MAX_NODES} nodes per answer)`),
});

/** Units (R1–R4, R6, R7, R10): thin routes over the unit service. */
export const unitRoutes: AdminRoutes = (router, { directory: { units, unitCodes } }) => {
  router.post(
    '/units',
    guard({ summary: 'Create a subordinate unit with its unit account and first administrator (R4, R7)', tags: ['units'], body: createUnit, response: created, status: 201, errors: [403, 409, 429] }),
    async (ctx) => {
      const { admin, ...rest } = ctx.guard.body;
      ctx.body = await units.create(ctx.state.actor, { ...rest, admin: parsePerson(admin) }, requestMeta(ctx));
    },
  );

  router.get(
    '/units',
    guard({
      summary: 'List units of the jurisdiction (R10)',
      tags: ['units'],
      query: z.object({ parentId: z.uuid().optional(), createdById: z.uuid().optional(), kind: unitKind.optional(), category: unitCategory.optional(), status: z.enum(['active', 'disabled']).optional(), q: z.string().max(100).optional(), limit, next }),
      response: page(unit),
    }),
    async (ctx) => {
      ctx.body = await units.list(ctx.state.actor, ctx.guard.query);
    },
  );

  router.get('/units/:id', guard({ summary: 'Read a unit', tags: ['units'], params: idParams, response: unit, errors: [404] }), async (ctx) => {
    ctx.body = await units.get(ctx.state.actor, ctx.guard.params.id);
  });

  router.get(
    '/units/:id/tree',
    guard({
      summary: 'The confirmed subtree below a unit (R14), a level at a time and paged',
      description:
        `Loads \`depth\` levels below the unit, at most \`limit\` children per node by name and ${TREE_MAX_NODES} nodes in all. ` +
        'Nothing is cut silently: a node whose children are not all shown has `truncated: true` and, when some were shown, `next`; ' +
        'the root\'s `incomplete` says whether any node is truncated. Expand a node with GET /units/{id}/tree?depth=1.',
      tags: ['units'],
      params: idParams,
      query: z.object({
        depth: z.coerce.number().int().min(0).max(10).default(3),
        limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
        next,
      }),
      response: tree,
      errors: [404],
    }),
    async (ctx) => {
      ctx.body = await units.tree(ctx.state.actor, ctx.guard.params.id, ctx.guard.query);
    },
  );

  router.put(
    '/units/:id',
    guard({
      summary: "Update a unit's name, division or responsibilities",
      tags: ['units'],
      params: idParams,
      body: z.object({ name: z.string().trim().min(1).max(200).optional(), category: unitCategory.optional(), adminDivision: z.string().regex(/^\d{6}$/).nullable().optional(), responsibilities: z.string().max(2000).optional() }),
      response: unit,
      errors: [403, 404],
    }),
    async (ctx) => {
      ctx.body = await units.update(ctx.state.actor, ctx.guard.params.id, ctx.guard.body, requestMeta(ctx));
    },
  );

  router.put(
    '/units/:id/code',
    guard({
      summary: "Replace a unit's temporary (derived) code with its own USCC (临时社会信用代码, R1–R3)",
      description:
        "By the unit's administrator or an administrator above it. The unit account's sign-in name becomes the new code; signing in with the old one says what the new one is. Units below keep their derived codes.",
      tags: ['units'],
      params: idParams,
      body: z.object({
        uscc: z.string().max(40),
        usccOverride: z.boolean().optional().describe('Province administrators only: accept a code failing its check (R1)'),
      }),
      response: unit,
      errors: [400, 403, 404, 409],
    }),
    async (ctx) => {
      ctx.body = await unitCodes.replace(ctx.state.actor, ctx.guard.params.id, ctx.guard.body, requestMeta(ctx));
    },
  );

  router.put(
    '/units/:id/admin',
    guard({ summary: "Replace the unit's administrator (R7)", tags: ['units'], params: idParams, body: personInput, response: credentialsShown, errors: [403, 404, 409, 429] }),
    async (ctx) => {
      ctx.body = await units.changeAdmin(ctx.state.actor, ctx.guard.params.id, parsePerson(ctx.guard.body), requestMeta(ctx));
    },
  );

  router.post(
    '/units/:id/admins',
    guard({
      summary: 'Add a scoped administrator to an hrss unit (R6)',
      tags: ['units'],
      params: idParams,
      body: personInput.extend({ scope: adminScope }),
      response: credentialsShown,
      status: 201,
      errors: [403, 404, 409, 429],
    }),
    async (ctx) => {
      const { scope, ...person } = ctx.guard.body;
      ctx.body = await units.addHrssAdmin(ctx.state.actor, ctx.guard.params.id, parsePerson(person), scope, requestMeta(ctx));
    },
  );

  for (const [verb, status] of [['disable', 'disabled'], ['enable', 'active']] as const) {
    router.post(`/units/:id/${verb}`, guard({ summary: `${verb[0]!.toUpperCase()}${verb.slice(1)} a unit below yours`, tags: ['units'], params: idParams, response: unit, errors: [403, 404] }), async (ctx) => {
      ctx.body = await units.setStatus(ctx.state.actor, ctx.guard.params.id, status, requestMeta(ctx));
    });
  }
};
