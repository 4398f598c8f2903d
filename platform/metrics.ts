import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The Prometheus metrics of one process (prom-client). Each server has its own registry (tests run
 * several in one process); with WORKERS > 1 the cluster's primary aggregates the workers'
 * registries (`server/cluster-metrics.ts`). Labels take values from small fixed sets only (route
 * templates, methods, results): never a user, a unit or anything a client chose freely.
 */
export interface Metrics {
  registry: Registry;
  /** Sign-in attempts by method (`password`, `sms`, `qr`, `second_factor`) and result (`success` or the refusal reason). */
  signIns: Counter<'method' | 'result'>;
  /** Credentials locked by the lockout counter (R19). */
  lockouts: Counter;
  /** Token endpoint answers by grant type and result. */
  tokenGrants: Counter<'grant_type' | 'result'>;
  /** Introspection requests (RFC 7662) by HTTP status. */
  introspections: Counter<'status'>;
  /** Admin API requests by route template, method and status. */
  adminRequests: Counter<'route' | 'method' | 'status'>;
  /** Request latency by area (`admin`, `oidc`, `signin`, …), method and status class. */
  httpDuration: Histogram<'area' | 'method' | 'status'>;
  /** Admin API latency by route template. */
  adminDuration: Histogram<'route' | 'method'>;
}

export function createMetrics(options: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaults ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    signIns: new Counter({ name: 'tongmen_signin_attempts_total', help: 'Sign-in attempts by method and result', labelNames: ['method', 'result'], registers }),
    lockouts: new Counter({ name: 'tongmen_lockouts_total', help: 'Credentials locked by consecutive wrong passwords (R19)', registers }),
    tokenGrants: new Counter({ name: 'tongmen_token_grants_total', help: 'Token endpoint answers by grant type and result', labelNames: ['grant_type', 'result'], registers }),
    introspections: new Counter({ name: 'tongmen_introspections_total', help: 'Token introspection requests by HTTP status', labelNames: ['status'], registers }),
    adminRequests: new Counter({ name: 'tongmen_admin_requests_total', help: 'Admin API requests by route template, method and status', labelNames: ['route', 'method', 'status'], registers }),
    httpDuration: new Histogram({
      name: 'tongmen_http_request_duration_seconds',
      help: 'HTTP request latency by area, method and status class',
      labelNames: ['area', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    adminDuration: new Histogram({
      name: 'tongmen_admin_request_duration_seconds',
      help: 'Admin API latency by route template and method',
      labelNames: ['route', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
}
