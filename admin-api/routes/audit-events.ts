import { Readable } from 'node:stream';
import { z } from 'zod';
import { requestMeta } from '../../platform/http/request.ts';
import { guard } from '../guard.ts';
import { idParams, limit, next, page } from '../schemas/common.ts';
import type { AdminRoutes } from '../types.ts';

const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((s) => new Date(s))
  // JavaScript has a year 0 (and an offset can reach it from 0001-01-01); PostgreSQL refuses it.
  .refine((d) => d.getUTCFullYear() >= 1, 'Dates before the year 1 are not valid')
  .describe('ISO 8601 date or date-time');

const filter = z.object({
  actor: z.uuid().optional().describe('Account id of the actor'),
  unitId: z.uuid().optional().describe('Events about this unit and the units below it'),
  subject: z.uuid().optional().describe("An account: events about it and its person — sign-in attempts included (issue 8)"),
  action: z.string().max(100).optional().describe('Exact action, or a prefix ending in `*` (e.g. `account.*`)'),
  from: instant.optional(),
  to: instant.optional().describe('Exclusive upper bound'),
});

const event = z
  .object({
    seq: z.number().int(),
    id: z.uuid(),
    at: z.string(),
    actor: z.object({ accountId: z.uuid().nullable(), kind: z.string().nullable(), unitId: z.uuid().nullable() }),
    action: z.string(),
    target: z.object({ type: z.string().nullable(), id: z.string().nullable() }),
    unitId: z.uuid().nullable(),
    result: z.enum(['success', 'failure']),
    reason: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).describe('ID numbers and phones masked (R25)'),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEvent' });

/** R25 — the audit trail of the caller's jurisdiction: query and export. */
export const auditRoutes: AdminRoutes = (router, { directory: { auditQuery } }) => {
  router.get(
    '/accounts/:id/history',
    guard({
      summary: "An account's history: its sign-in attempts (failed and locked included) and every change made to it, newest first (R25)",
      tags: ['audit', 'accounts'],
      params: idParams,
      query: z.object({ limit, next }),
      response: page(event),
      errors: [403, 404],
    }),
    async (ctx) => {
      ctx.body = await auditQuery.list(ctx.state.actor, { ...ctx.guard.query, subject: ctx.guard.params.id });
    },
  );

  router.get(
    '/audit-events',
    guard({ summary: "Audit events of the caller's jurisdiction, newest first (R10, R25)", tags: ['audit'], query: filter.extend({ limit, next }), response: page(event), errors: [403, 404] }),
    async (ctx) => {
      ctx.body = await auditQuery.list(ctx.state.actor, ctx.guard.query);
    },
  );

  router.get(
    '/audit-events/export',
    guard({
      summary: 'Export the same query as NDJSON (default) or CSV, streamed (the export is itself audited)',
      tags: ['audit'],
      query: filter.extend({ format: z.enum(['ndjson', 'csv']).default('ndjson') }),
      produces: ['application/x-ndjson', 'text/csv'],
      errors: [403, 404],
    }),
    async (ctx) => {
      const { format, ...f } = ctx.guard.query;
      const lines = await auditQuery.export(ctx.state.actor, f, format, requestMeta(ctx));
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      ctx.type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8';
      ctx.attachment(`audit-events-${stamp}.${format === 'csv' ? 'csv' : 'ndjson'}`);
      ctx.body = Readable.from(lines);
    },
  );
};
