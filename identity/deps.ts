import type { Config } from '../platform/config.ts';
import type { PiiCipher } from '../platform/crypto/pii.ts';
import type { Database } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';
import type { CredentialService } from '../directory/credentials/credential-service.ts';
import type { QrTicketService } from '../directory/credentials/qr-ticket-service.ts';
import type { IdentityReads } from '../directory/identity-reads.ts';

/**
 * Everything the identity layer is built from, by name: the platform pieces the composition root
 * opened, the directory service sign-in calls and the directory reads tokens and clients need.
 * Nothing here reaches back into `server/`.
 */
export interface IdentityDeps {
  config: Config;
  /** The issuer URL, final (no trailing slash): it is in every token. */
  issuer: string;
  logger: Logger;
  db: Database;
  pii: PiiCipher;
  cookieKeys: string[];
  /** The credential rules (R18–R20: password policy, lockout, initial password) every sign-in step goes through. */
  credentials: CredentialService;
  /** R22 — QR sign-in tickets with the e-SSC (built by createDirectory; off without a card-app key). */
  qrTickets: QrTicketService;
  /**
   * The development e-SSC private key (PEM), outside production and without ESSC_PUBLIC_KEY only:
   * the card-app simulator (/dev/essc) signs with it. Undefined = no simulator.
   */
  esscDevPrivateKey?: string | undefined;
  /** Clients, account views and roles as identity reads them; throttle windows for the clean-up. */
  directory: IdentityReads;
}
