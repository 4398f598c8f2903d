import { resealKeyring } from '../identity/keys.ts';
import type { PiiRotationResult } from '../directory/pii/pii-rotation.ts';
import type { BaseContext } from './context.ts';
import type { Directory } from '../directory/index.ts';

/**
 * Issue 12 — one `PII_KEY` rotation pass over everything sealed with the PII cipher: the signing
 * keyring (identity's setting) and the directory's sealed columns, then the audit event. Run by
 * `npm run pii:rotate` against the shared database while the servers keep serving.
 */
export async function rotatePii(
  base: Pick<BaseContext, 'db' | 'pii'>,
  services: Pick<Directory, 'piiRotation'>,
  options: { batchSize?: number; onBatch?: (column: string, done: number) => void } = {},
): Promise<PiiRotationResult> {
  const keyring = await resealKeyring(base.db.sequelize, base.pii);
  return services.piiRotation.run({ ...options, extra: { 'settings.oidc_signing_keyring': keyring } });
}
