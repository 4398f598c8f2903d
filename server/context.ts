import type { Config } from '../platform/config.ts';
import type { Database } from '../platform/db/database.ts';
import type { PiiCipher } from '../platform/crypto/pii.ts';
import type { Logger } from '../platform/logger.ts';
import type { AuditService } from '../directory/audit/audit-service.ts';
import type { EsscKeys } from './secrets.ts';

/** What every layer is built from: the composition root makes exactly one per process. */
export interface BaseContext {
  config: Config;
  /** The issuer URL, final (no trailing slash). */
  issuer: string;
  logger: Logger;
  db: Database;
  pii: PiiCipher;
  cookieKeys: string[];
  audit: AuditService;
  /** R22 — the card app's key, and the development private key the simulator signs with. */
  essc: EsscKeys;
}
