import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import compose from 'koa-compose';
import type { Next } from 'koa';
import { AppError, badRequest, notFound } from '../platform/errors.ts';
import { errorResponder } from '../platform/http/error-responder.ts';
import { uniqueConflict } from '../directory/unique-conflicts.ts';
import { authenticate } from './auth.ts';
import { buildOpenApi } from './openapi.ts';
import type { AdminContext, AdminIdentity, AdminRouter, AdminRoutes, AdminState, TokenSubject } from './types.ts';
import { accountRoutes } from './routes/accounts.ts';
import { administratorRoutes } from './routes/administrators.ts';
import { affiliationRoutes } from './routes/affiliation.ts';
import { auditRoutes } from './routes/audit-events.ts';
import { cleanupRoutes } from './routes/cleanup.ts';
import { clientRoutes } from './routes/clients.ts';
import { inboxRoutes } from './routes/inbox.ts';
import { IMPORT_BODY_LIMIT, importRoutes } from './routes/imports.ts';
import { roleChangeRoutes } from './routes/role-change-requests.ts';
import { roleMemberRoutes } from './routes/role-members.ts';
import { roleRoutes } from './routes/roles.ts';
import { unitRoutes } from './routes/units.ts';

export const ADMIN_PREFIX = '/admin/v1';

/** Every route module of the admin API, in the order the document lists them. */
const ROUTE_MODULES: AdminRoutes[] = [
  unitRoutes,
  affiliationRoutes,
  accountRoutes,
  administratorRoutes,
  roleRoutes,
  roleMemberRoutes,
  roleChangeRoutes,
  clientRoutes,
  auditRoutes,
  inboxRoutes,
  cleanupRoutes,
  importRoutes,
];

/** Admin requests carry small JSON documents; anything bigger is refused (413) before parsing. */
const BODY_LIMIT = '100kb';

/** The context the router's middleware expects (it adds `params` itself at run time). */
type ApiContext = Parameters<ReturnType<AdminRouter['routes']>>[0];
type Step = (ctx: ApiContext, next: Next) => unknown;

/** Parser failures (malformed JSON, too large, bad encoding) in the admin error format, never a 500. */
const bodyError = (limit: string) => (err: Error & { status?: number }): never => {
  if (err.status === 413) throw new AppError(413, 'request.too_large', `The request body exceeds ${limit}`);
  if (err.status === 415) throw new AppError(415, 'request.unsupported_media_type', err.message);
  throw badRequest('request.invalid', 'The request body is not valid JSON');
};

/** After the router found nothing: 405 when the path exists under another method, else 404. */
function unmatched(router: AdminRouter): Step {
  return (ctx) => {
    const allowed = router.match(ctx.path, ctx.method).path.flatMap((layer) => layer.methods);
    if (allowed.length) {
      ctx.set('Allow', [...new Set(allowed)].join(', '));
      throw new AppError(405, 'request.method_not_allowed', `${ctx.method} is not allowed on this path`);
    }
    throw notFound('request.not_found', 'No such admin API endpoint');
  };
}

/**
 * The admin API (SPEC §5): one middleware for everything under /admin/v1 — its own error format,
 * bearer (or DPoP) authentication applied once on the router, then a JSON body parser (never in
 * front of the OIDC provider, never for an anonymous caller), one guard per route, and the public
 * OpenAPI document built from those guards.
 */
export function createAdminApi<C extends TokenSubject>(context: AdminContext, identity: AdminIdentity<C>) {
  const { issuer, logger, directory, adminMfa } = context;
  const router = new Router<AdminState>({ prefix: ADMIN_PREFIX });
  // Router middleware runs only for matched routes, so unknown paths still reach the 404 below.
  // Authentication comes first: an anonymous request never has its body read or parsed (item 9).
  const parse = bodyParser({ enableTypes: ['json'], jsonLimit: BODY_LIMIT, encoding: 'utf-8', onError: bodyError(BODY_LIMIT) });
  // Issue 8: an import carries its sheets (base64); only that one route takes a large body.
  const parseUpload = bodyParser({ enableTypes: ['json'], jsonLimit: IMPORT_BODY_LIMIT, encoding: 'utf-8', onError: bodyError(IMPORT_BODY_LIMIT) });
  router.use(authenticate(identity, directory.actors, issuer, adminMfa), (ctx, next) =>
    (ctx.method === 'POST' && ctx.path === `${ADMIN_PREFIX}/imports` ? parseUpload : parse)(ctx, next),
  );
  for (const register of ROUTE_MODULES) register(router, context);

  // Built once, on first request: every route is registered by then. Paths carry the prefix.
  let document: ReturnType<typeof buildOpenApi> | undefined;
  const openApiDocument = () => (document ??= buildOpenApi(router, issuer));
  const openapi: Step = (ctx, next) => {
    if (ctx.path !== `${ADMIN_PREFIX}/openapi.json` || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    ctx.body = openApiDocument();
  };

  // koa-compose, as Koa itself uses: a step calling next() twice is an error, not a second run.
  const api = compose<ApiContext>([
    errorResponder(logger),
    async (_ctx, next) => {
      try {
        await next();
      } catch (err) {
        // A race past a service's check: the database's unique constraint decided (409, not 500).
        throw uniqueConflict(err) ?? err;
      }
    },
    async (ctx, next) => {
      // Answers may hold initial passwords and client secrets (shown once): never cache them.
      ctx.set('Cache-Control', 'no-store');
      await next();
    },
    openapi,
    router.routes(),
    unmatched(router),
  ]);

  const routes = (ctx: ApiContext, next: Next) =>
    ctx.path === ADMIN_PREFIX || ctx.path.startsWith(`${ADMIN_PREFIX}/`) ? api(ctx, next) : next();

  return { routes, router, openApiDocument };
}
