import cluster from 'node:cluster';
import crypto from 'node:crypto';
import type Koa from 'koa';
import type Provider from 'oidc-provider';
import { Registry } from 'prom-client';
import type { AuditEvent } from '../directory/audit/audit-service.ts';
import { errorBody, errorLanguage } from '../platform/error-codes/language.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { Secret } from '../platform/secret.ts';
import { askPrimaryForMetrics } from './cluster-metrics.ts';

const digest = (s: string) => crypto.createHash('sha256').update(s).digest();

/**
 * `GET /metrics` (Prometheus text format), only with `Authorization: Bearer <METRICS_TOKEN>`
 * (compared in constant time); without METRICS_TOKEN the path does not exist here. In a cluster
 * worker the answer is the whole node's: the primary aggregates every worker's registry.
 */
export function metricsRoute(token: Secret | undefined, metrics: Metrics): Koa.Middleware {
  return async (ctx, next) => {
    if (!token || ctx.path !== '/metrics' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    const presented = /^Bearer ([\x21-\x7e]+)$/.exec(ctx.get('authorization'))?.[1] ?? '';
    ctx.set('Cache-Control', 'no-store');
    if (!crypto.timingSafeEqual(digest(presented), digest(token.reveal()))) {
      const lang = errorLanguage(ctx.get('accept-language'));
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      ctx.body = errorBody('metrics.token_invalid', lang);
      return;
    }
    ctx.type = Registry.PROMETHEUS_CONTENT_TYPE;
    ctx.body = cluster.isWorker ? await askPrimaryForMetrics() : await metrics.registry.metrics();
  };
}

const SIGN_IN_METHODS: Readonly<Record<string, string>> = {
  'signin.password': 'password',
  'signin.sms': 'sms',
  'signin.essc': 'qr',
  'signin.second-factor': 'second_factor',
};

/** Sign-in attempts and lockouts, counted from their audit events once committed (R25: every attempt has one). */
export const countSignIns = (metrics: Metrics) => (e: AuditEvent) => {
  const method = SIGN_IN_METHODS[e.action];
  if (!method) return;
  metrics.signIns.inc({ method, result: e.result === 'success' ? 'success' : (e.reason ?? 'failure') });
  if (method === 'password' && e.details.lockedNow === true) metrics.lockouts.inc();
};

const GRANT_TYPES = new Set([
  'authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:token-exchange', 'urn:openid:params:grant-type:ciba',
]);
const grantTypeOf = (ctx: { oidc?: { params?: { grant_type?: unknown } } }) => {
  const t = ctx.oidc?.params?.grant_type;
  return typeof t === 'string' && GRANT_TYPES.has(t) ? t : 'other';
};

/** Token grants by type and result, from the provider's own events. */
export function countTokenGrants(provider: Provider, metrics: Metrics): void {
  provider.on('grant.success', (ctx) => metrics.tokenGrants.inc({ grant_type: grantTypeOf(ctx), result: 'success' }));
  provider.on('grant.error', (ctx, err: { error?: string }) =>
    metrics.tokenGrants.inc({ grant_type: grantTypeOf(ctx), result: /^[a-z_]{1,40}$/.test(err.error ?? '') ? err.error! : 'error' }),
  );
}
