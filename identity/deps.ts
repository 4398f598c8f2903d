import type { Config } from '../platform/config.ts';
import type { PiiCipher } from '../platform/crypto/pii.ts';
import type { Database } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';
import type { CredentialService } from '../directory/credentials/credential-service.ts';
import type { SmsCodeService } from '../directory/credentials/sms-code-service.ts';
import type { SmsOutbox } from '../platform/sms/sms-gateway.ts';
import type { QrTicketService } from '../directory/credentials/qr-ticket-service.ts';
import type { IdentityReads } from '../directory/identity-reads.ts';
import type { AuditService } from '../directory/audit/audit-service.ts';
import type { SelfService } from '../directory/self/self-service.ts';
import type { SignInRecorder } from '../directory/self/sign-in-recorder.ts';
import type { SecondFactorService } from '../directory/credentials/second-factor-service.ts';
import type { SecondFactorSms } from './interactions/second-factor-sms.ts';

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
  /** SMS one-time codes (R21): sign-in by code, the SMS second factor, a phone change. */
  smsCodes: SmsCodeService;
  /** The console SMS gateway's outbox, read by `GET /dev/sms-outbox` outside production; undefined otherwise. */
  smsOutbox?: SmsOutbox | undefined;
  /** R23 — the second factor (TOTP, recovery codes) administrators prove at sign-in when ADMIN_MFA asks for it. */
  secondFactors: SecondFactorService;
  /** R23 — an SMS code as the alternative second factor; the page offers none until it is wired. */
  secondFactorSms?: SecondFactorSms | undefined;
  /** R22 — QR sign-in tickets with the e-SSC (built by createDirectory; off without a card-app key). */
  qrTickets: QrTicketService;
  /**
   * The development e-SSC private key (PEM), outside production and without ESSC_PUBLIC_KEY only:
   * the card-app simulator (/dev/essc) signs with it. Undefined = no simulator.
   */
  esscDevPrivateKey?: string | undefined;
  /** Clients, account views and roles as identity reads them; throttle windows for the clean-up. */
  directory: IdentityReads;
  /** The audit trail (R25): what identity itself must record, e.g. a back-channel logout given up (R24). */
  audit: Pick<AuditService, 'record' | 'observe'>;
  /** Each completed sign-in's record: the account's last sign-in and its audit event (issue 7). */
  signIns: Pick<SignInRecorder, 'record'>;
  /** The person's own page at /account (issue 7). */
  self: SelfService;
}
