import crypto from 'node:crypto';
import type { Sequelize } from 'sequelize';
import type { Config } from '../platform/config.ts';
import { createPiiCipher, generatePiiKey, parsePiiKey, parsePiiLookupKey, type PiiCipher } from '../platform/crypto/pii.ts';
import { AppError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { getOrCreateSetting } from '../platform/settings.ts';
import { generateEsscDevKeyPair } from '../identity/essc/simulator.ts';

export interface Secrets {
  pii: PiiCipher;
  cookieKeys: string[];
  /** R22 — the e-SSC card app's key: see {@link esscKeys}. */
  essc: EsscKeys;
}

/**
 * The card app's public key the server verifies with, and — only for the development key — its
 * private half, with which the simulator (/dev/essc) signs. ESSC_PUBLIC_KEY wins and has no private
 * half here; without it, outside production, one development pair is generated and kept in the
 * `settings` table (every node signs and verifies alike); in production without it, QR sign-in is off.
 */
export interface EsscKeys {
  publicKeyPem: string | undefined;
  devPrivateKeyPem: string | undefined;
}

/**
 * Keys from configuration, or — for a development start without them — generated once and kept in
 * the database so every node of the cluster shares them. Keeping the PII key beside the data it
 * protects is only acceptable for the embedded default; production with an external database
 * requires PII_KEY (enforced by the configuration).
 */
export async function loadSecrets(config: Config, sequelize: Sequelize, logger: Logger): Promise<Secrets> {
  let piiKey = config.piiKey;
  if (!piiKey) {
    piiKey = await getOrCreateSetting(sequelize, 'pii_key', generatePiiKey);
    if (config.database.kind === 'external' && !config.database.viaPrimary) logger.warn('PII_KEY is not set: using a generated key stored in the database');
  }
  const cookieKeys =
    config.cookieKeys ??
    (await getOrCreateSetting(sequelize, 'cookie_keys', () => [crypto.randomBytes(32).toString('base64url')]));
  const pii = createPiiCipher(parsePiiKey(piiKey), config.piiLookupKey && parsePiiLookupKey(config.piiLookupKey.reveal()));
  await checkLookupKey(pii, sequelize);
  return { pii, cookieKeys, essc: await esscKeys(config, sequelize, logger) };
}

/**
 * Issue 12: the lookup hashes in the database were made with one key; a node with another one would
 * find nobody (sign-in, uniqueness) and silently store a second person. The first start records a
 * fingerprint of the key; a later start with a different key is refused — typically the oldest
 * PII_KEY removed after a rotation without pinning PII_LOOKUP_KEY first.
 */
async function checkLookupKey(pii: PiiCipher, sequelize: Sequelize): Promise<void> {
  const stored = await getOrCreateSetting(sequelize, 'pii_lookup_fingerprint', () => pii.lookupFingerprint());
  if (stored !== pii.lookupFingerprint()) {
    throw new AppError(
      500,
      'config.invalid',
      'The PII lookup key is not the one the stored lookup hashes were made with: set PII_LOOKUP_KEY to the key ' +
        '`npm run pii:rotate -- --print-lookup-key` printed while the oldest PII_KEY was still configured.',
    );
  }
}

async function esscKeys(config: Config, sequelize: Sequelize, logger: Logger): Promise<EsscKeys> {
  if (config.esscPublicKey) return { publicKeyPem: config.esscPublicKey, devPrivateKeyPem: undefined };
  if (config.env === 'production') {
    logger.warn('ESSC_PUBLIC_KEY is not set: QR sign-in with the e-SSC (R22) is off');
    return { publicKeyPem: undefined, devPrivateKeyPem: undefined };
  }
  const pair = await getOrCreateSetting(sequelize, 'essc_dev_key', () => generateEsscDevKeyPair('ec'));
  // NODE_ENV defaults to development: say loudly that anyone may sign in as anyone through /dev/essc.
  logger.warn('ESSC_PUBLIC_KEY is not set: QR sign-in (R22) uses a generated development key and the /dev/essc simulator can sign for anyone; never run like this in production');
  return { publicKeyPem: pair.publicKeyPem, devPrivateKeyPem: pair.privateKeyPem };
}
