import { defineErrors } from './define.ts';

/** Answers of every HTTP surface that belong to no rule: unexpected failures, races, start-up. */
export const systemErrors = defineErrors({
  name: 'system',
  answeredBy: ['admin-api', 'sign-in', 'subsystems'],
  codes: {
    internal: {
      status: 500,
      zh: '内部错误。',
      en: 'Internal error',
      description: 'Any unexpected failure; `details.requestId` finds it in the log. Nothing else is told.',
      exposed: true,
    },
    'internal.response_invalid': {
      status: 500,
      zh: '内部错误：应答不符合其模式。',
      en: 'Response does not match its schema',
      description: 'Logged; the client sees `internal`.',
    },
    conflict: {
      status: 409,
      zh: '该修改与当前状态冲突。',
      en: 'The change conflicts with the current state',
      description: 'A concurrent change won a race on a unique constraint that has no code of its own.',
    },
    'database.unavailable': {
      status: 503,
      zh: '数据库暂时无法访问，请稍后重试。',
      en: 'The database is unreachable for the moment; retry shortly',
      description: 'PostgreSQL could not be reached or dropped the connection (a restart, a failover). Nothing of the request was kept; `Retry-After` says when to try again.',
      exposed: true,
    },
    'server.starting': {
      status: 503,
      zh: '统门正在启动，请稍后重试。',
      en: 'Tongmen is starting; retry in a moment',
      description: 'Only while the server is starting; `Retry-After` says when to try again.',
      exposed: true,
    },
    'metrics.token_invalid': {
      status: 401,
      zh: '指标接口需要正确的访问令牌。',
      en: 'The metrics endpoint needs the right bearer token',
      description: '`GET /metrics` without `Authorization: Bearer <METRICS_TOKEN>` or with a wrong one.',
    },
  },
});
