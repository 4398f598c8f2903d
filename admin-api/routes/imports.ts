import { z } from 'zod';
import { requestMeta } from '../../platform/http/request.ts';
import { guard } from '../guard.ts';
import type { AdminRoutes } from '../types.ts';
import { idParams } from '../schemas/common.ts';

/** The largest upload: three sheets of a province's units and operators, base64 (4/3 of the bytes). */
export const IMPORT_BODY_LIMIT = '30mb';

const file = z
  .object({
    name: z.string().trim().min(1).max(200).describe('The file name, as the report names it (e.g. 单位.xlsx)'),
    content: z.base64().max(28_000_000).describe('The file, base64: xlsx, or CSV in UTF-8'),
  })
  .describe('One sheet');

const startImport = z
  .object({
    dryRun: z.boolean().default(false).describe('Check every row and report, write nothing'),
    units: file.optional().describe('Units sheet: 单位名称, 统一社会信用代码, 单位类型, 单位类别, 上级单位代码, 行政区划, 隶属关系已确认, 管理员姓名, 管理员身份证号, 管理员手机号'),
    accounts: file.optional().describe('Accounts sheet: 姓名, 身份证号, 手机号, 所属单位代码, 账号类型'),
    grants: file.optional().describe('Grants sheet: 身份证号, 所属单位代码, 角色编码'),
  })
  .meta({ id: 'ImportStart' });

const counts = z.object({ created: z.number().int(), unchanged: z.number().int(), failed: z.number().int() });
const reportRow = z
  .object({
    sheet: z.enum(['units', 'accounts', 'grants']),
    file: z.string(),
    line: z.number().int().describe('The line in the file (the header is line 1)'),
    outcome: z.enum(['created', 'unchanged', 'failed']).describe('`created` in a dry run: would be created'),
    key: z.string().describe('The unit code, or the masked ID number @ unit code (/ role)'),
    code: z.string().optional().describe('Why it failed: an error code of the catalogue'),
    reason: z.string().optional(),
    reasonZh: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'ImportReportRow' });

const job = z
  .object({
    id: z.uuid(),
    status: z.enum(['running', 'succeeded', 'failed']),
    dryRun: z.boolean(),
    files: z.array(z.string()),
    progress: z.record(z.string(), z.unknown()).describe('The sheet being imported, rows done and total'),
    counts: z.object({ units: counts, accounts: counts, grants: counts }).nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable().describe('Why the job failed (e.g. import.node_lost)'),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    report: z.object({ total: z.number().int(), offset: z.number().int(), limit: z.number().int(), items: z.array(reportRow) }),
  })
  .meta({ id: 'ImportJob' });

const decode = (f: z.infer<typeof file> | undefined) => (f ? { name: f.name, bytes: Buffer.from(f.content, 'base64') } : undefined);

/** Issue 8 — the legacy import for a province administrator: an upload becomes a job of the server. */
export const importRoutes: AdminRoutes = (router, { directory: { importJobs } }) => {
  router.post(
    '/imports',
    guard({
      summary: 'Import units, accounts and role grants from the old platform (province administrators with scope all)',
      description:
        'The sheets are read now (400 for an unreadable file); the import runs as a job in the server. Rows are checked by the API’s rules ' +
        '(R1, R2, R4, R8, the employer category, R17); rows already present are `unchanged`. Poll `GET /imports/{id}`.',
      tags: ['imports'],
      body: startImport,
      response: z.object({ id: z.uuid(), status: z.literal('running') }),
      status: 202,
      errors: [403, 413],
    }),
    async (ctx) => {
      const { dryRun, units, accounts, grants } = ctx.guard.body;
      const files = { ...(units ? { units: decode(units)! } : {}), ...(accounts ? { accounts: decode(accounts)! } : {}), ...(grants ? { grants: decode(grants)! } : {}) };
      ctx.body = await importJobs.start(ctx.state.actor, files, dryRun, requestMeta(ctx));
      ctx.status = 202;
    },
  );

  router.get(
    '/imports/:id',
    guard({
      summary: 'An import job: status, counts and the per-row report (paged)',
      tags: ['imports'],
      params: idParams,
      query: z.object({
        offset: z.coerce.number().int().min(0).default(0),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        outcome: z.enum(['created', 'unchanged', 'failed']).optional().describe('Only rows of this outcome'),
      }),
      response: job,
      errors: [403, 404],
    }),
    async (ctx) => {
      ctx.body = await importJobs.get(ctx.state.actor, ctx.guard.params.id, ctx.guard.query);
    },
  );
};
