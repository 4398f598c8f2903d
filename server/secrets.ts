import crypto from 'node:crypto';
import type { Sequelize } from 'sequelize';
import type { Config } from '../platform/config.ts';
import { createPiiCipher, generatePiiKey, parsePiiKey, type PiiCipher } from '../platform/crypto/pii.ts';
import type { Logger } from '../platform/logger.ts';
import { getOrCreateSetting } from '../platform/settings.ts';

export interface Secrets {
  pii: PiiCipher;
  cookieKeys: string[];
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
  return { pii: createPiiCipher(parsePiiKey(piiKey)), cookieKeys };
}
