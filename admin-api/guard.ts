import type {} from '@koa/bodyparser'; // its `ctx.request.body` type
import type { RouterMiddleware } from '@koa/router';
import { z } from 'zod';
import { AppError, badRequest } from '../platform/errors.ts';
import type { AdminState } from './types.ts';

/** How a route appears in the OpenAPI document (besides its schemas). */
export interface RouteDoc {
  summary: string;
  description?: string;
  tags?: string[];
  /** Status of success; the guard sets it when the handler leaves Koa's default 200. */
  status?: number;
  /** Error statuses worth documenting besides 400/401 (e.g. 403, 404, 409). */
  errors?: number[];
  /** Non-JSON success content types (e.g. an export stream); the response schema is then omitted. */
  produces?: string[];
}

/** One guard per route (STYLE §4): these schemas validate the request and feed the OpenAPI document. */
export interface GuardConfig<P, Q, B, R> extends RouteDoc {
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  response?: z.ZodType<R>;
}

export interface Guarded<P, Q, B> {
  guard: { params: P; query: Q; body: B };
}

/** A guard middleware carries its configuration, which `openapi.ts` reads from the router's stack. */
export type GuardMiddleware<P, Q, B, R> = RouterMiddleware<AdminState, Guarded<P, Q, B>, R> & {
  guardConfig: GuardConfig<unknown, unknown, unknown, unknown>;
};

type Where = 'params' | 'query' | 'body';

/**
 * Paths of strings holding U+0000. PostgreSQL text cannot store it: a bound value fails the query
 * (a 500), and one Sequelize inlines is silently rewritten to a backslash and a zero.
 */
function nulPaths(value: unknown, path: string[] = []): string[][] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulPaths(v, [...path, String(i)]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => nulPaths(v, [...path, k]));
  return [];
}

function collect(where: Where, schema: z.ZodType | undefined, input: unknown, issues: unknown[]): unknown {
  if (!schema) return undefined;
  const nul = nulPaths(input);
  for (const p of nul) issues.push({ in: where, path: p.join('.'), code: 'invalid_string', message: 'Text may not contain the NUL character' });
  if (nul.length) return undefined;
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  for (const i of result.error.issues) {
    issues.push({ in: where, path: i.path.map(String).join('.'), code: i.code, message: i.message });
  }
  return undefined;
}

/**
 * Validates params, query and body; any problem is one 400 `request.invalid` listing every zod
 * issue (never a 500). Outside production the response body is checked against `response` too, so
 * the published document cannot drift from what the routes answer.
 *
 * ```ts
 * router.post('/roles', guard({ summary: 'Create a role', body: createRole, response: role, status: 201 }),
 *   async (ctx) => { ctx.body = await roles.create(ctx.state.actor, ctx.guard.body, requestMeta(ctx)); });
 * ```
 */
export function guard<P = undefined, Q = undefined, B = undefined, R = unknown>(
  config: GuardConfig<P, Q, B, R>,
): GuardMiddleware<P, Q, B, R> {
  const middleware: RouterMiddleware<AdminState, Guarded<P, Q, B>, R> = async (ctx, next) => {
    const issues: unknown[] = [];
    const params = collect('params', config.params, ctx.params, issues);
    const query = collect('query', config.query, ctx.query, issues);
    const body = collect('body', config.body, ctx.request.body ?? {}, issues);
    if (issues.length) throw badRequest('request.invalid', 'The request is not valid', { issues });
    // The schemas above produced exactly these types; zod's safeParse only lost them to `unknown`.
    ctx.guard = { params: params as P, query: query as Q, body: body as B };
    await next();
    if (config.status && ctx.status === 200) ctx.status = config.status;
    if (config.response && ctx.app.env !== 'production') {
      const checked = config.response.safeParse(ctx.body);
      if (!checked.success) {
        throw new AppError(500, 'internal.response_invalid', 'Response does not match its schema', {
          issues: checked.error.issues,
        });
      }
    }
  };
  return Object.assign(middleware, { guardConfig: config as GuardConfig<unknown, unknown, unknown, unknown> });
}
