import crypto from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Sequelize, Transaction } from 'sequelize';
import type { AuditService } from '../directory/audit/audit-service.ts';
import type { PiiCipher } from '../platform/crypto/pii.ts';
import { conflict } from '../platform/errors.ts';
import { getOrCreateSetting, lockSetting, readSetting, readSettingField, replaceSetting } from '../platform/settings.ts';

/**
 * Signing keys (RS256 + ES256) shared by every node through `settings`, sealed with the PII key,
 * with a state per key so they can be rotated without a token failing to verify (issue 7, R24):
 *
 *   next     published in the JWKS, never signs — relying parties and every node learn it first;
 *   current  signs (one per algorithm);
 *   retired  published, no longer signs, until every token it may have signed has expired
 *            (`retiredAt + RETIRED_PUBLISHED_MS`); then it is left out of the JWKS and dropped.
 *
 * `rotateSigningKeys` (npm run keys:rotate) moves the states; every node re-reads the keyring
 * (`keyringVersion` is a cheap check) and swaps the provider's keys in place (key-reload.ts).
 */
type KeyState = 'next' | 'current' | 'retired';
type Alg = 'RS256' | 'ES256';
const ALGS: readonly Alg[] = ['RS256', 'ES256'];

export interface KeyRecord {
  jwk: JWK;
  state: KeyState;
  createdAt: string;
  promotedAt?: string;
  retiredAt?: string;
}

export interface SigningKeys {
  /** Private JWKS handed to the provider: current keys first; next and retired ones only verify. */
  privateJwks: { keys: JWK[] };
  /** The same keys without their private members, for local verification. */
  publicJwks: { keys: JWK[] };
}

/**
 * How long a `next` key is published before a rotation may let it sign: every node re-reads the
 * keyring at least once a minute (key-reload.ts) and relying parties refetch a JWKS on an unknown
 * kid or within minutes; ten minutes leaves room for both.
 */
export const PUBLISH_BEFORE_SIGNING_MS = 10 * 60 * 1000;
/**
 * How long a retired key stays published: the longest lifetime of a token it signs (ID token and
 * JWT access tokens, identity/policies.ts and resources.ts: at most 10 minutes; refresh tokens are
 * opaque) plus 5 minutes for clock skew and relying parties' JWKS caches.
 */
export const RETIRED_PUBLISHED_MS = 15 * 60 * 1000;

const SETTING = 'oidc_signing_keyring';
/** The keyring before rotation existed: a sealed list of two keys, both signing. */
const LEGACY_SETTING = 'oidc_signing_keys';
const LOCK = 'tongmen.signing-keys';

interface StoredKeyring {
  version: number;
  sealed: string;
}

async function generate(alg: Alg): Promise<JWK> {
  const { privateKey } =
    alg === 'RS256'
      ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
      : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  // The thumbprint makes kids unique and stable; the alg suffix keeps them readable in logs.
  return { ...jwk, kid: `${await calculateJwkThumbprint(jwk)}-${alg.toLowerCase()}`, alg, use: 'sig' };
}

export function publicPart(jwk: JWK): JWK {
  const pub = crypto.createPublicKey({ key: jwk as crypto.JsonWebKey, format: 'jwk' }).export({ format: 'jwk' }) as JWK;
  return { ...pub, kid: jwk.kid, alg: jwk.alg, use: 'sig', ...(jwk.key_ops ? { key_ops: jwk.key_ops } : {}) };
}

const seal = (pii: PiiCipher, records: KeyRecord[], version: number): StoredKeyring => ({
  version,
  sealed: pii.encrypt(JSON.stringify(records)),
});

/** The stored keyring, created on first use (from the legacy keys when a node ran before rotation existed). */
async function storedKeyring(sequelize: Sequelize, pii: PiiCipher, now: Date, transaction?: Transaction): Promise<StoredKeyring> {
  return getOrCreateSetting<StoredKeyring>(
    sequelize,
    SETTING,
    async () => {
      const legacy = await readSetting<{ sealed: string }>(sequelize, LEGACY_SETTING, transaction);
      const jwks = legacy ? (JSON.parse(pii.decrypt(legacy.sealed)) as JWK[]) : await Promise.all(ALGS.map(generate));
      const at = now.toISOString();
      return seal(pii, jwks.map((jwk) => ({ jwk, state: 'current', createdAt: at, promotedAt: at })), 1);
    },
    transaction,
  );
}

const open = (pii: PiiCipher, stored: StoredKeyring) => JSON.parse(pii.decrypt(stored.sealed)) as KeyRecord[];

/** The keyring's version: one indexed read of one small row, for nodes polling for a rotation. */
export async function keyringVersion(sequelize: Sequelize): Promise<number | undefined> {
  const version = await readSettingField(sequelize, SETTING, 'version');
  return version === undefined ? undefined : Number(version);
}

export async function readKeyring(sequelize: Sequelize, pii: PiiCipher, now: Date): Promise<{ version: number; records: KeyRecord[] }> {
  const stored = await storedKeyring(sequelize, pii, now);
  return { version: stored.version, records: open(pii, stored) };
}

const expired = (r: KeyRecord, now: Date) =>
  r.state === 'retired' && Date.parse(r.retiredAt ?? r.createdAt) + RETIRED_PUBLISHED_MS <= now.getTime();

/**
 * The keys a node uses at `now`: current keys sign (they come first, the provider signs with the
 * first key of an algorithm); next and retired keys carry `key_ops: ["verify"]`, which the
 * provider's key selection honours, so they are published and verify but never sign. A retired
 * key past its window is left out even before a rotation drops it from the store.
 */
export function signingKeysAt(records: readonly KeyRecord[], now: Date): SigningKeys {
  const live = records.filter((r) => !expired(r, now));
  const ordered = [...live.filter((r) => r.state === 'current'), ...live.filter((r) => r.state !== 'current')];
  const keys = ordered.map((r) => (r.state === 'current' ? r.jwk : { ...r.jwk, key_ops: ['verify'] }));
  return { privateJwks: { keys }, publicJwks: { keys: keys.map(publicPart) } };
}

export interface RotationResult {
  version: number;
  added: string[];
  promoted: string[];
  retired: string[];
  dropped: string[];
}

/**
 * One rotation step, in one transaction under an advisory lock (two operators or two nodes running
 * it at once take turns): drops retired keys past their window; promotes the `next` keys to
 * `current` (retiring the current ones) when they have been published for PUBLISH_BEFORE_SIGNING_MS;
 * adds new `next` keys. A `next` key younger than that is refused (409
 * `signing_keys.rotation_too_soon`): it may not sign before every node and relying party has it.
 * The audit event (`platform.signing_keys_rotated`, kids only) is written in the same transaction.
 */
export async function rotateSigningKeys(
  sequelize: Sequelize,
  pii: PiiCipher,
  options: { now: Date; audit: Pick<AuditService, 'record'> },
): Promise<RotationResult> {
  const { now } = options;
  const at = now.toISOString();
  return sequelize.transaction(async (transaction) => {
    await lockSetting(sequelize, LOCK, transaction);
    const stored = await storedKeyring(sequelize, pii, now, transaction);
    const records = open(pii, stored);
    const next = records.filter((r) => r.state === 'next');
    const youngest = Math.max(...next.map((r) => Date.parse(r.createdAt)));
    if (next.length && youngest + PUBLISH_BEFORE_SIGNING_MS > now.getTime()) {
      throw conflict('signing_keys.rotation_too_soon', 'The next keys are not yet published long enough to sign', {
        nextKids: next.map((r) => r.jwk.kid),
        promotableAt: new Date(youngest + PUBLISH_BEFORE_SIGNING_MS).toISOString(),
      });
    }
    const result: RotationResult = { version: stored.version + 1, added: [], promoted: [], retired: [], dropped: [] };
    const kept: KeyRecord[] = [];
    for (const r of records) {
      if (expired(r, now)) result.dropped.push(r.jwk.kid!);
      else if (r.state === 'current' && next.length) {
        kept.push({ ...r, state: 'retired', retiredAt: at });
        result.retired.push(r.jwk.kid!);
      } else if (r.state === 'next') {
        kept.push({ ...r, state: 'current', promotedAt: at });
        result.promoted.push(r.jwk.kid!);
      } else kept.push(r);
    }
    for (const alg of ALGS) {
      const jwk = await generate(alg);
      kept.push({ jwk, state: 'next', createdAt: at });
      result.added.push(jwk.kid!);
    }
    await replaceSetting(sequelize, SETTING, seal(pii, kept, result.version), transaction);
    await options.audit.record(transaction, {
      actor: null,
      action: 'platform.signing_keys_rotated',
      target: { type: 'signing-keyring', id: SETTING },
      details: { ...result },
    });
    return result;
  });
}

/**
 * Issue 12 (PII key rotation): the stored signing keyring (and the pre-rotation legacy one, if
 * any) sealed again under the current PII key — same keys, same version, so no node reloads
 * anything. Returns how many settings were sealed again (0 when already current).
 */
export async function resealKeyring(sequelize: Sequelize, pii: PiiCipher): Promise<number> {
  let resealed = 0;
  for (const key of [SETTING, LEGACY_SETTING]) {
    await sequelize.transaction(async (transaction) => {
      await lockSetting(sequelize, key, transaction);
      const stored = await readSetting<{ sealed?: string }>(sequelize, key, transaction);
      if (!stored?.sealed || pii.kidOf(stored.sealed) === pii.currentKid) return;
      await replaceSetting(sequelize, key, { ...stored, sealed: pii.encrypt(pii.decrypt(stored.sealed)) }, transaction);
      resealed++;
    });
  }
  return resealed;
}
