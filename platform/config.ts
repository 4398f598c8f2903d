import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseVerificationKey } from './crypto/public-key.ts';
import { AppError } from './errors.ts';
import { Secret } from './secret.ts';

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
  // The schema owner's URL, for migrations only; DATABASE_URL is then the restricted server role (R25).
  DATABASE_OWNER_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  COOKIE_KEYS: csv.optional(),
  PII_KEY: z.string().optional(),
  // Issue 12: the stable key of the PII lookup hashes (blind index); unset = derived from the oldest PII key.
  PII_LOOKUP_KEY: z.string().optional(),
  // Issue 12: bearer token of GET /metrics; unset = no /metrics at all.
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  INITIAL_PASSWORD: z.string().min(1).optional(),
  LOCKOUT_THRESHOLD: positiveInt(3),
  PASSWORD_POLICY: z.enum(['dengbao', 'nist']).default('dengbao'),
  ADMIN_MFA: z.enum(['hrss', 'all', 'off']).default('hrss'),
  SMS_PROVIDER: z.enum(['console', 'aliyun', 'tencent']).default('console'),
  // R21: the real gateways' account (key id/secret, Tencent's SDK app id), approved sign name and template.
  SMS_ACCESS_KEY_ID: z.string().min(1).optional(),
  SMS_ACCESS_KEY_SECRET: z.string().min(1).optional(),
  SMS_SIGN_NAME: z.string().min(1).optional(),
  SMS_TEMPLATE_ID: z.string().min(1).optional(),
  SMS_SDK_APP_ID: z.string().min(1).optional(),
  SMS_REGION: z.string().regex(/^[a-z0-9-]+$/, 'must be a region id such as cn-hangzhou').optional(),
  SMS_ENDPOINT: z.url().optional(),
  SMS_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(5000),
  SMS_SENDS_PER_ADDRESS_PER_HOUR: positiveInt(20),
  ESSC_PUBLIC_KEY: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_IDLE_MINUTES: positiveInt(30),
  SESSION_MAX_HOURS: positiveInt(12),
  // R24: a failed back-channel logout is retried after 1 s, 2 s, 4 s … (at most the cap), this many tries in all.
  BACKCHANNEL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  BACKCHANNEL_RETRY_CAP_SECONDS: positiveInt(120),
  SIGNIN_THROTTLE_PER_MINUTE: positiveInt(30),
  SUBSYSTEM_URLS: z.string().optional(),
  TRUST_PROXY: z.stringbool().default(false),
  DEMO: z.enum(['auto', 'off']).default('auto'),
  WORKERS: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(64)]).default(1),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(100).optional(),
  AUDIT_CHECKPOINT_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  AUDIT_CHECKPOINT_FILE: z.string().min(1).optional(),
  AUDIT_CHECKPOINT_SECONDS: positiveInt(300),
  AUDIT_CHECKPOINT_EVENTS: positiveInt(1000),
  // Set by `npm start` for its cluster workers: DATABASE_URL is the primary's embedded database.
  TONGMEN_EMBEDDED_PRIMARY: z.stringbool().default(false),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  /** Issuer URL; `undefined` means "http://localhost:<port>" once the port is known. */
  issuer: string | undefined;
  /**
   * `url`: what the server connects with (its SQL runs as `tongmen_app`); `ownerUrl`: the schema
   * owner, for migrations (default: `url`). `viaPrimary`: the embedded database of this node's
   * cluster primary, reached over its socket.
   */
  database:
    | { kind: 'external'; url: string; ownerUrl: string | undefined; viaPrimary: boolean }
    | { kind: 'embedded'; dataDir: string };
  cookieKeys: string[] | undefined;
  piiKey: string | undefined;
  /** The lookup-hash key (blind index, R25), stable across PII key rotations; see `platform/crypto/pii.ts`. */
  piiLookupKey: Secret | undefined;
  /** Bearer token that `GET /metrics` requires; `undefined` = metrics are not served. */
  metricsToken: Secret | undefined;
  initialPassword: string | undefined;
  lockoutThreshold: number;
  passwordPolicy: 'dengbao' | 'nist';
  adminMfa: 'hrss' | 'all' | 'off';
  smsProvider: 'console' | 'aliyun' | 'tencent';
  /** The SMS gateway of R21 and what it needs (platform/sms/create-gateway.ts). */
  sms: SmsConfig;
  /** R21 — codes sent from one address per hour (all phones together). */
  smsSendsPerAddressPerHour: number;
  esscPublicKey: string | undefined;
  logLevel: string;
  session: { idleSeconds: number; maxSeconds: number };
  /** Back-channel logout retries (R24): tries in all, first delay, longest delay. */
  backchannel: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  signInThrottlePerMinute: number;
  subsystemUrls: Record<Subsystem, string>;
  trustProxy: boolean;
  demo: boolean;
  /** HTTP worker processes of this node (node:cluster); `auto` = one per core. */
  workers: number;
  /** Connections per process to PostgreSQL (default 10; 4 on the embedded database). */
  dbPoolMax: number | undefined;
  /** Signed audit checkpoints (R25): the chain anchored outside the database. */
  auditCheckpoints: AuditCheckpointConfig;
}

export interface AuditCheckpointConfig {
  /** HMAC key (never stored in the database); unset outside production: see `keyFile`. */
  key: string | undefined;
  /** Where a development key is generated when `key` is unset; `undefined` = an in-memory key per process. */
  keyFile: string | undefined;
  /** ndjson export the server appends each checkpoint to; `undefined` = the log only. */
  file: string | undefined;
  /** A checkpoint when the chain moved and this many seconds passed, or this many events were added. */
  everySeconds: number;
  everyEvents: number;
}

/** A real SMS gateway's account; the secret prints as `[redacted]`. */
export interface SmsAccountConfig {
  accessKeyId: string;
  accessKeySecret: Secret;
  signName: string;
  templateId: string;
  region: string;
  /** The API's URL (the provider's public endpoint unless SMS_ENDPOINT overrides it, e.g. in tests). */
  endpoint: string;
  /** Upper bound of one request, connection included. */
  timeoutMs: number;
}

export type SmsConfig =
  | { provider: 'console' }
  | ({ provider: 'aliyun' } & SmsAccountConfig)
  | ({ provider: 'tencent'; sdkAppId: string } & SmsAccountConfig);

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
  if (e.NODE_ENV === 'production' && !e.AUDIT_CHECKPOINT_KEY) {
    throw new AppError(500, 'config.invalid', 'AUDIT_CHECKPOINT_KEY is required in production (R25: it signs the audit checkpoints).');
  }
  if (e.DATABASE_OWNER_URL && !e.DATABASE_URL) {
    throw new AppError(500, 'config.invalid', 'DATABASE_OWNER_URL needs DATABASE_URL (the embedded database has one role).');
  }
  if (e.ESSC_PUBLIC_KEY) {
    // R22: a key that cannot verify the card app's assertions stops the start, not the first sign-in.
    const parsed = parseVerificationKey(e.ESSC_PUBLIC_KEY);
    if ('problem' in parsed) throw new AppError(500, 'config.invalid', `Invalid configuration: ESSC_PUBLIC_KEY ${parsed.problem}`);
  }
  const sms = smsConfig(e);
  const inMemory = e.DATA_DIR === 'memory://';
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    issuer: e.ISSUER?.replace(/\/$/, ''),
    database: e.DATABASE_URL
      ? { kind: 'external', url: e.DATABASE_URL, ownerUrl: e.DATABASE_OWNER_URL, viaPrimary: e.TONGMEN_EMBEDDED_PRIMARY }
      : { kind: 'embedded', dataDir: e.DATA_DIR },
    cookieKeys: e.COOKIE_KEYS,
    piiKey: e.PII_KEY,
    piiLookupKey: e.PII_LOOKUP_KEY ? new Secret(e.PII_LOOKUP_KEY) : undefined,
    metricsToken: e.METRICS_TOKEN ? new Secret(e.METRICS_TOKEN) : undefined,
    initialPassword: e.INITIAL_PASSWORD,
    lockoutThreshold: e.LOCKOUT_THRESHOLD,
    passwordPolicy: e.PASSWORD_POLICY,
    adminMfa: e.ADMIN_MFA,
    smsProvider: e.SMS_PROVIDER,
    sms,
    smsSendsPerAddressPerHour: e.SMS_SENDS_PER_ADDRESS_PER_HOUR,
    esscPublicKey: e.ESSC_PUBLIC_KEY,
    logLevel: e.LOG_LEVEL,
    session: { idleSeconds: e.SESSION_IDLE_MINUTES * 60, maxSeconds: e.SESSION_MAX_HOURS * 3600 },
    backchannel: { maxAttempts: e.BACKCHANNEL_MAX_ATTEMPTS, baseDelayMs: 1000, maxDelayMs: e.BACKCHANNEL_RETRY_CAP_SECONDS * 1000 },
    signInThrottlePerMinute: e.SIGNIN_THROTTLE_PER_MINUTE,
    subsystemUrls: parseSubsystemUrls(e.SUBSYSTEM_URLS),
    trustProxy: e.TRUST_PROXY,
    demo: e.DEMO === 'auto',
    workers: e.WORKERS === 'auto' ? os.availableParallelism() : e.WORKERS,
    dbPoolMax: e.DB_POOL_MAX,
    auditCheckpoints: {
      key: e.AUDIT_CHECKPOINT_KEY,
      keyFile: inMemory ? undefined : path.join(e.DATA_DIR, 'audit-checkpoint.key'),
      file:
        e.AUDIT_CHECKPOINT_FILE === 'off'
          ? undefined
          : (e.AUDIT_CHECKPOINT_FILE ?? (inMemory ? undefined : path.join(e.DATA_DIR, 'audit-checkpoints.ndjson'))),
      everySeconds: e.AUDIT_CHECKPOINT_SECONDS,
      everyEvents: e.AUDIT_CHECKPOINT_EVENTS,
    },
  };
}

const SMS_DEFAULTS = {
  aliyun: { endpoint: 'https://dysmsapi.aliyuncs.com/', region: 'cn-hangzhou' },
  tencent: { endpoint: 'https://sms.tencentcloudapi.com/', region: 'ap-guangzhou' },
} as const;

/** R21: a real gateway needs its whole account at start, so a missing part is not found at the first sign-in. */
function smsConfig(e: z.infer<typeof envSchema>): SmsConfig {
  const provider = e.SMS_PROVIDER;
  if (provider === 'console' && e.NODE_ENV === 'production') {
    // R21/SPEC §5: the console gateway delivers nothing and keeps codes for a development endpoint.
    throw new AppError(500, 'config.invalid', 'Invalid configuration: SMS_PROVIDER=console is for development; set aliyun or tencent with NODE_ENV=production');
  }
  if (provider === 'console') return { provider };
  const required = {
    SMS_ACCESS_KEY_ID: e.SMS_ACCESS_KEY_ID,
    SMS_ACCESS_KEY_SECRET: e.SMS_ACCESS_KEY_SECRET,
    SMS_SIGN_NAME: e.SMS_SIGN_NAME,
    SMS_TEMPLATE_ID: e.SMS_TEMPLATE_ID,
    ...(provider === 'tencent' ? { SMS_SDK_APP_ID: e.SMS_SDK_APP_ID } : {}),
  };
  const missing = Object.entries(required).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length) {
    throw new AppError(500, 'config.invalid', `Invalid configuration: SMS_PROVIDER=${provider} needs ${missing.join(', ')}`);
  }
  const endpoint = e.SMS_ENDPOINT ?? SMS_DEFAULTS[provider].endpoint;
  if (e.NODE_ENV === 'production' && !endpoint.startsWith('https://')) {
    throw new AppError(500, 'config.invalid', 'Invalid configuration: SMS_ENDPOINT must be https:// in production');
  }
  const account: SmsAccountConfig = {
    accessKeyId: e.SMS_ACCESS_KEY_ID!,
    accessKeySecret: new Secret(e.SMS_ACCESS_KEY_SECRET!),
    signName: e.SMS_SIGN_NAME!,
    templateId: e.SMS_TEMPLATE_ID!,
    region: e.SMS_REGION ?? SMS_DEFAULTS[provider].region,
    endpoint,
    timeoutMs: e.SMS_TIMEOUT_MS,
  };
  return provider === 'aliyun' ? { provider, ...account } : { provider, sdkAppId: e.SMS_SDK_APP_ID!, ...account };
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
