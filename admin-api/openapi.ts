import type { Layer } from '@koa/router';
import { z } from 'zod';
import { codesAnsweredBy, errorEntry } from '../platform/error-codes/index.ts';
import type { GuardConfig } from './guard.ts';
import type { AdminRouter } from './types.ts';

type JsonSchema = Record<string, unknown>;
type AnyGuard = GuardConfig<unknown, unknown, unknown, unknown>;

/** Every code the admin API can answer (issue 6 item 5): the catalogue of platform/error-codes/. */
const ADMIN_ERROR_CODES = codesAnsweredBy('admin-api');

/** The error format of every refusal (SPEC §5), shared by all operations. */
export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.enum(ADMIN_ERROR_CODES).meta({ description: 'A stable code; `x-error-codes` gives its status and messages', examples: ['unit.uscc_invalid'] }),
      message: z.string().meta({ description: 'zh-CN by default; English when `Accept-Language` prefers it' }),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'ErrorResponse', description: 'Every error below /admin/v1' });

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (`request.invalid` lists the zod issues) or a refused value',
  401: 'Missing, invalid or expired bearer token, or an ended account',
  403: 'Not allowed (`auth.forbidden` names the action and rule)',
  404: 'Unknown, or outside the caller’s jurisdiction (R10)',
  405: 'Method not allowed on this path',
  409: 'Conflict with the current state',
  413: 'The request body is too large',
  415: 'The request body is not JSON',
  429: 'Too many requests (e.g. `person.lookup_throttled`); try again later',
  500: 'Unexpected failure (`details.requestId` finds it in the log)',
  503: 'The server is starting; retry after `Retry-After`',
};

/** Each code's status, messages and description: the `x-error-codes` table of the document. */
const errorCodeTable = () =>
  Object.fromEntries(
    ADMIN_ERROR_CODES.map((code) => {
      const e = errorEntry(code);
      return [code, { status: e.status, 'zh-CN': e.zh, en: e.en, ...(e.description ? { description: e.description } : {}) }];
    }),
  );

/** A shared error response: its description, then the codes answered with that status. */
const errorResponse = (status: number) => {
  const codes = ADMIN_ERROR_CODES.filter((code) => errorEntry(code).status === status);
  return {
    description: [ERROR_DESCRIPTIONS[status] ?? 'Error', ...(codes.length ? [`codes: ${codes.map((c) => `\`${c}\``).join(', ')}`] : [])].join('; '),
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
  };
};

/**
 * Converts a zod schema to JSON Schema 2020-12 (OpenAPI 3.1's dialect). Schemas with a meta `id`
 * become shared components: zod emits them under `$defs`, which are hoisted into `components`.
 */
function toSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, JsonSchema>): JsonSchema {
  const { $schema: _dialect, $defs, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, k === '$ref' && typeof x === 'string' ? x.replace('#/$defs/', '#/components/schemas/') : rewrite(x)]),
      );
    }
    return v;
  };
  for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, unknown>)) components[id] = rewrite(def) as JsonSchema;
  return rewrite(rest) as JsonSchema;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query', components: Record<string, JsonSchema>) {
  if (!schema) return [];
  const json = toSchema(schema, 'input', components);
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries((json.properties ?? {}) as Record<string, JsonSchema>).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: s,
  }));
}

function operation(method: string, path: string, g: AnyGuard, components: Record<string, JsonSchema>) {
  const status = String(g.status ?? 200);
  const success = g.produces
    ? { description: 'OK', content: Object.fromEntries(g.produces.map((t) => [t, { schema: { type: 'string' } }])) }
    : g.response
      ? { description: 'OK', content: { 'application/json': { schema: toSchema(g.response, 'output', components) } } }
      : { description: 'OK' };
  const errors = [...new Set([400, 401, ...(g.errors ?? [])])].sort();
  return {
    // `post /admin/v1/roles/{code}/members` → `postRolesByCodeMembers`
    operationId: `${method}${path
      .replace(/^\/admin\/v\d+/, '')
      .replace(/\{(\w+)\}/g, 'By-$1')
      .replace(/[^A-Za-z0-9]+(\w)/g, (_m, c: string) => c.toUpperCase())}`,
    summary: g.summary,
    ...(g.description ? { description: g.description } : {}),
    tags: g.tags ?? [],
    parameters: [...parameters(g.params, 'path', components), ...parameters(g.query, 'query', components)],
    ...(g.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(g.body, 'input', components) } } } }
      : {}),
    responses: {
      [status]: success,
      ...Object.fromEntries(errors.map((s) => [String(s), { $ref: `#/components/responses/E${s}` }])),
    },
  };
}

const guardOf = (layer: Layer<never, never>): AnyGuard | undefined =>
  layer.stack.map((m) => (m as { guardConfig?: AnyGuard }).guardConfig).find(Boolean);

/**
 * The OpenAPI 3.1 document of the admin API, read from the router itself: every route that carries
 * a guard, with the guard's schemas. A route without a guard does not exist for the document.
 */
export function buildOpenApi(router: AdminRouter, issuer: string) {
  const components: Record<string, JsonSchema> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const layer of router.stack as unknown as Array<Layer<never, never>>) {
    const g = guardOf(layer);
    if (!g || typeof layer.path !== 'string') continue;
    const path = layer.path.replace(/:(\w+)/g, '{$1}');
    for (const method of layer.methods.filter((m) => m !== 'HEAD').map((m) => m.toLowerCase())) {
      (paths[path] ??= {})[method] = operation(method, path, g, components);
    }
  }
  toSchema(errorResponseSchema, 'output', components); // registers the ErrorResponse component
  const statuses = [...new Set([...Object.keys(ERROR_DESCRIPTIONS).map(Number), ...ADMIN_ERROR_CODES.map((code) => errorEntry(code).status)])].sort((a, b) => a - b);
  const responses = Object.fromEntries(statuses.map((s) => [`E${s}`, errorResponse(s)]));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tongmen admin API',
      version: '1',
      description: 'Administration of units, accounts, affiliation, the business-role catalogue, partner apps and the audit trail.',
    },
    servers: [{ url: issuer }],
    'x-error-codes': errorCodeTable(),
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      schemas: components,
      responses,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'An access token for the resource urn:tongmen:admin-api (authorization code + PKCE via admin-console).',
        },
      },
    },
  };
}
