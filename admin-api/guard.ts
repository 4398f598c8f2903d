import type {} from '@koa/bodyparser'; // its `ctx.request.body` type
import type { RouterMiddleware } from '@koa/router';
import { z } from 'zod';
import { AppError, badRequest } from '../platform/errors.ts';
import { inspectInput, MAX_INPUT_DEPTH } from '../platform/input-text.ts';
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
 * The edge's text rule (platform/input-text.ts) on one part of the request: a document nested too
 * deep is refused at once (400 `request.too_deep`), before zod or anything else recursive sees it;
 * NUL characters and lone surrogates become issues naming their path.
 */
function inspect(where: Where, input: unknown, issues: unknown[]): boolean {
  const check = inspectInput(input);
  if (check.ok) return true;
  if (check.tooDeep) {
    throw badRequest('request.too_deep', `The request ${where} nests deeper than ${MAX_INPUT_DEPTH} levels`, { in: where, maxDepth: MAX_INPUT_DEPTH });
  }
  for (const i of check.issues) issues.push({ in: where, path: i.path, code: 'invalid_string', message: i.message });
  return false;
}

function collect(where: Where, schema: z.ZodType | undefined, input: unknown, issues: unknown[]): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  for (const i of result.error.issues) {
    issues.push({ in: where, path: i.path.map(String).join('.'), code: i.code, message: i.message });
  }
  return undefined;
}

/**
 * Validates params, query and body; any problem is one 400 `request.invalid` listing every zod
 * issue and every text-rule issue (never a 500); a too-deep document is 400 `request.too_deep`.
 * Outside production the response body is checked against `response` too, so the published
 * document cannot drift from what the routes answer.
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
    const input = { params: ctx.params, query: ctx.query, body: ctx.request.body ?? {} };
    // Every part is inspected first (iteratively), so no schema ever walks a too-deep document.
    const wellFormed = (['params', 'query', 'body'] as const).map((where) => !config[where] || inspect(where, input[where], issues));
    const [params, query, body] = (['params', 'query', 'body'] as const).map((where, i) =>
      wellFormed[i] ? collect(where, config[where], input[where], issues) : undefined,
    );
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
