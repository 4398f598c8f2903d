import os from 'node:os';
import { z } from 'zod';
import { AppError } from './errors.ts';

export const SUBSYSTEMS = ['personnel', 'title', 'talent', 'allocation'] as const;
export type Subsystem = (typeof SUBSYSTEMS)[number];

const csv = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  ISSUER: z.url().optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  COOKIE_KEYS: csv.optional(),
  PII_KEY: z.string().optional(),
  INITIAL_PASSWORD: z.string().min(1).optional(),
  LOCKOUT_THRESHOLD: positiveInt(3),
  PASSWORD_POLICY: z.enum(['dengbao', 'nist']).default('dengbao'),
  ADMIN_MFA: z.enum(['hrss', 'all', 'off']).default('hrss'),
  SMS_PROVIDER: z.enum(['console', 'aliyun', 'tencent']).default('console'),
  ESSC_PUBLIC_KEY: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_IDLE_MINUTES: positiveInt(30),
  SESSION_MAX_HOURS: positiveInt(12),
  SIGNIN_THROTTLE_PER_MINUTE: positiveInt(30),
  SUBSYSTEM_URLS: z.string().optional(),
  TRUST_PROXY: z.stringbool().default(false),
  DEMO: z.enum(['auto', 'off']).default('auto'),
  WORKERS: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(64)]).default(1),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(100).optional(),
  // Set by `npm start` for its cluster workers: DATABASE_URL is the primary's embedded database.
  TONGMEN_EMBEDDED_PRIMARY: z.stringbool().default(false),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  /** Issuer URL; `undefined` means "http://localhost:<port>" once the port is known. */
  issuer: string | undefined;
  /** `viaPrimary`: the embedded database of this node's cluster primary, reached over its socket. */
  database: { kind: 'external'; url: string; viaPrimary: boolean } | { kind: 'embedded'; dataDir: string };
  cookieKeys: string[] | undefined;
  piiKey: string | undefined;
  initialPassword: string | undefined;
  lockoutThreshold: number;
  passwordPolicy: 'dengbao' | 'nist';
  adminMfa: 'hrss' | 'all' | 'off';
  smsProvider: 'console' | 'aliyun' | 'tencent';
  esscPublicKey: string | undefined;
  logLevel: string;
  session: { idleSeconds: number; maxSeconds: number };
  signInThrottlePerMinute: number;
  subsystemUrls: Record<Subsystem, string>;
  trustProxy: boolean;
  demo: boolean;
  /** HTTP worker processes of this node (node:cluster); `auto` = one per core. */
  workers: number;
  /** Connections per process to PostgreSQL (default 10; 4 on the embedded database). */
  dbPoolMax: number | undefined;
}

/** Default base URL of each subsystem's relying party (redirect URI = base + `/callback`). */
export const DEFAULT_SUBSYSTEM_PORTS: Record<Subsystem, number> = {
  personnel: 3101,
  title: 3102,
  talent: 3103,
  allocation: 3104,
};

/**
 * Reads and validates the environment once. Nothing else in the product reads `process.env`.
 * Invalid settings stop the start with one message naming every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`DATABASE_URL=`) means "not set", as in most shells' and .env conventions.
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AppError(500, 'config.invalid', `Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && e.ADMIN_MFA === 'off') {
    // R23: `off` exists for development and tests; production never runs administrators on a password alone.
    throw new AppError(500, 'config.invalid', 'ADMIN_MFA=off is not allowed with NODE_ENV=production (R23): use hrss or all.');
  }
  if (e.NODE_ENV === 'production' && e.DATABASE_URL && !e.PII_KEY) {
    throw new AppError(500, 'config.invalid', 'PII_KEY is required in production with an external database.');
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    issuer: e.ISSUER?.replace(/\/$/, ''),
    database: e.DATABASE_URL
      ? { kind: 'external', url: e.DATABASE_URL, viaPrimary: e.TONGMEN_EMBEDDED_PRIMARY }
      : { kind: 'embedded', dataDir: e.DATA_DIR },
    cookieKeys: e.COOKIE_KEYS,
    piiKey: e.PII_KEY,
    initialPassword: e.INITIAL_PASSWORD,
    lockoutThreshold: e.LOCKOUT_THRESHOLD,
    passwordPolicy: e.PASSWORD_POLICY,
    adminMfa: e.ADMIN_MFA,
    smsProvider: e.SMS_PROVIDER,
    esscPublicKey: e.ESSC_PUBLIC_KEY,
    logLevel: e.LOG_LEVEL,
    session: { idleSeconds: e.SESSION_IDLE_MINUTES * 60, maxSeconds: e.SESSION_MAX_HOURS * 3600 },
    signInThrottlePerMinute: e.SIGNIN_THROTTLE_PER_MINUTE,
    subsystemUrls: parseSubsystemUrls(e.SUBSYSTEM_URLS),
    trustProxy: e.TRUST_PROXY,
    demo: e.DEMO === 'auto',
    workers: e.WORKERS === 'auto' ? os.availableParallelism() : e.WORKERS,
    dbPoolMax: e.DB_POOL_MAX,
  };
}

/** `SUBSYSTEM_URLS=personnel=https://rs.example.gov.cn,title=https://zc.example.gov.cn` */
function parseSubsystemUrls(raw: string | undefined): Record<Subsystem, string> {
  const urls = Object.fromEntries(
    SUBSYSTEMS.map((s) => [s, `http://localhost:${DEFAULT_SUBSYSTEM_PORTS[s]}`]),
  ) as Record<Subsystem, string>;
  for (const pair of (raw ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, url] = pair.split(/=(.*)/s) as [string, string | undefined];
    if (!(SUBSYSTEMS as readonly string[]).includes(name) || !url || !URL.canParse(url)) {
      throw new AppError(500, 'config.invalid', `SUBSYSTEM_URLS: "${pair}" is not subsystem=url`);
    }
    urls[name as Subsystem] = url.replace(/\/$/, '');
  }
  return urls;
}
