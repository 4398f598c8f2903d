import crypto from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_SUBSYSTEM_PORTS, SUBSYSTEMS, type Subsystem } from '../../platform/config.ts';
import { AppError } from '../../platform/errors.ts';
import type { SubsystemSettings } from './app.ts';

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  ISSUER: z.url().default('http://localhost:3000'),
  SUBSYSTEM_URL: z.url().optional(),
  SUBSYSTEM_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  SUBSYSTEM_HOST: z.string().min(1).default('0.0.0.0'),
  SUBSYSTEM_CLIENT_ID: z.string().min(1).optional(),
  SUBSYSTEM_CLIENT_SECRET: z.string().min(1),
  SUBSYSTEM_COOKIE_KEYS: z.string().optional(),
  SUBSYSTEM_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  SUBSYSTEM_DATA_DIR: z.string().min(1).optional(),
});

/**
 * A standalone subsystem's settings (`npm run subsystem -- title`), read once from the environment:
 * Tongmen's ISSUER, the subsystem's public SUBSYSTEM_URL (default http://localhost:310x, as
 * bootstrap registers it), its client id (default: the subsystem's name) and secret (printed by
 * bootstrap), its cookie keys and its own store.
 */
export function loadSubsystemSettings(name: string, env: NodeJS.ProcessEnv) {
  if (!(SUBSYSTEMS as readonly string[]).includes(name)) {
    throw new AppError(500, 'config.invalid', `Invalid configuration: unknown subsystem "${name}" (one of ${SUBSYSTEMS.join(', ')})`);
  }
  const subsystem = name as Subsystem;
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AppError(500, 'config.invalid', `Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && !e.SUBSYSTEM_COOKIE_KEYS) {
    throw new AppError(500, 'config.invalid', 'Invalid configuration: SUBSYSTEM_COOKIE_KEYS is required in production (sessions must survive a restart and be shared by every node)');
  }
  const url = (e.SUBSYSTEM_URL ?? `http://localhost:${DEFAULT_SUBSYSTEM_PORTS[subsystem]}`).replace(/\/$/, '');
  const settings: Omit<SubsystemSettings, 'subsystem'> = {
    issuer: e.ISSUER.replace(/\/$/, ''),
    clientId: e.SUBSYSTEM_CLIENT_ID ?? subsystem,
    clientSecret: e.SUBSYSTEM_CLIENT_SECRET,
    url,
    // Without keys, a development start signs its cookies with a key of its own (sessions end at restart).
    cookieKeys: e.SUBSYSTEM_COOKIE_KEYS?.split(',').map((k) => k.trim()).filter(Boolean) ?? [crypto.randomBytes(32).toString('base64url')],
    databaseUrl: e.SUBSYSTEM_DATABASE_URL,
    dataDir: e.SUBSYSTEM_DATA_DIR ?? `./data/subsystems/${subsystem}`,
  };
  return { subsystem, settings, port: e.SUBSYSTEM_PORT ?? Number(new URL(url).port || 80), host: e.SUBSYSTEM_HOST, cookieKeysGiven: Boolean(e.SUBSYSTEM_COOKIE_KEYS) };
}
