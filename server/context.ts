import type { Config } from '../platform/config.ts';
import type { Database } from '../platform/db/database.ts';
import type { PiiCipher } from '../platform/crypto/pii.ts';
import type { Logger } from '../platform/logger.ts';
import type { AuditService } from '../directory/audit/audit-service.ts';

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
}
