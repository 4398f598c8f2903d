import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import type { Config } from '../../platform/config.ts';
import type { PiiCipher } from '../../platform/crypto/pii.ts';
import type { Database } from '../../platform/db/database.ts';
import { isAppError } from '../../platform/errors.ts';
import { verificationCodeMessage, type SmsGateway } from '../../platform/sms/sms-gateway.ts';
import type { RequestMeta } from '../actor.ts';
import type { AuditService } from '../audit/audit-service.ts';
import { parsePhone } from '../codes/phone.ts';
import { maskPhone } from '../masking.ts';
import { ADDRESS_WINDOW_SECONDS, type ProvedPerson } from './credential-service.ts';
import type { CredentialRepository } from './credential-repository.ts';
import type { SmsCodeRepository, SmsPurpose, StoredCode } from './sms-code-repository.ts';
import type { ThrottleRepository } from './throttle-repository.ts';
import { GatewayPace } from './gateway-pace.ts';

/** What a real gateway is assumed to take before this node has timed one. */
const REAL_GATEWAY_GUESS_MS = 150;

export type { SmsPurpose };

export type SmsSendResult =
  | { ok: true; resendAfterSeconds: number }
  | { ok: false; answer: 'invalid_phone' | 'phone_throttled' | 'daily_limit' | 'address_throttled' | 'gateway_failed'; retryAfterSeconds?: number };

export type SmsVerifyResult = { ok: true } | { ok: false; answer: SmsVerifyRefusal };
type SmsVerifyRefusal = 'wrong_code' | 'expired' | 'too_many_tries' | 'no_code' | 'throttled';

/** A sign-in by SMS code: like a right password, the person and the accounts they may act as (R9). */
export type SmsSignInResult =
  | ({ ok: true } & ProvedPerson)
  | { ok: false; answer: SmsVerifyRefusal | 'disabled' };

/** R21's numbers. */
export const SMS_CODE_RULES = {
  digits: 6,
  validSeconds: 5 * 60,
  maxTries: 5,
  /** At most one message per phone in this many seconds… */
  resendGapSeconds: 60,
  /** …and this many per day. */
  perDay: 10,
  /** The per-address send window; its limit is SMS_SENDS_PER_ADDRESS_PER_HOUR. */
  addressWindowSeconds: 3600,
} as const;

export interface SmsCodeDeps {
  config: Config;
  db: Database;
  pii: PiiCipher;
  audit: AuditService;
  codes: SmsCodeRepository;
  credentials: CredentialRepository;
  throttles: ThrottleRepository;
  gateway: SmsGateway;
}

/** The phone as persons store it (R8, `codes/phone.ts`), or null when it is not a mainland mobile number. */
function normalizePhone(input: string): string | null {
  try {
    return parsePhone(input);
  } catch {
    return null;
  }
}

const newCode = () => String(crypto.randomInt(0, 10 ** SMS_CODE_RULES.digits)).padStart(SMS_CODE_RULES.digits, '0');
const sendAction = 'sms.send';
const verifyAction = (purpose: SmsPurpose) => (purpose === 'sign-in' ? 'signin.sms' : 'sms.verify');

/**
 * One-time codes by SMS (R21) for sign-in, the second factor (R23) and a phone change. Codes are
 * random 6 digits, stored only as an HMAC under the PII key (with a salt per code), valid 5
 * minutes, single use, 5 tries. Send limits per phone (1 per 60 s, 10 a day) and per address are
 * taken atomically in PostgreSQL, so they hold across nodes. The gateway is called outside any
 * transaction: the allowance is taken first (a send that then fails still counts: the provider may
 * have delivered it), and the code is stored only once the gateway accepted it, with its audit
 * event — a failed send leaves no usable code. Every send and every try writes an audit event in
 * the transaction of its change (R25), the phone masked.
 */
export class SmsCodeService {
  /** R21 — a decoy send waits as long as a real one (no timing oracle on registered phones). */
  private readonly pace: GatewayPace;

  constructor(private readonly deps: SmsCodeDeps) {
    this.pace = new GatewayPace(deps.gateway.provider === 'console' ? 0 : REAL_GATEWAY_GUESS_MS);
  }

  private hashCode(salt: string, phoneHash: string, purpose: SmsPurpose, code: string): string {
    return this.deps.pii.lookupHash(`sms-code:${salt}:${phoneHash}:${purpose}:${code}`);
  }

  /**
   * Sends a new code to `phone` for `purpose`, replacing the live one. For `sign-in`, a phone of no
   * person with an active account gets the same answer and limits as a known one but no message
   * (R21: no enumeration); the code stored for it is one nobody knows. `personId` names the person
   * the code is for when the caller knows it (second factor, phone change).
   */
  async send(input: { phone: string; purpose: SmsPurpose; meta: RequestMeta; personId?: string | null }): Promise<SmsSendResult> {
    const now = new Date();
    const phone = normalizePhone(input.phone);
    const phoneHash = phone ? this.deps.pii.lookupHash(phone) : null;
    const details = { purpose: input.purpose, phone: phone ? maskPhone(phone) : '***' };
    const record = auditRecorder(this.deps.audit, sendAction, details, input.meta);

    const refused = await this.deps.db.transaction(async (tx): Promise<SmsSendResult | null> => {
      const addressKey = `sms-send-ip:${input.meta.ip ?? 'unknown'}`;
      const hits = await this.deps.throttles.hit(addressKey, SMS_CODE_RULES.addressWindowSeconds, tx);
      if (hits > this.deps.config.smsSendsPerAddressPerHour) {
        await record(tx, 'address_throttled');
        return { ok: false, answer: 'address_throttled', retryAfterSeconds: SMS_CODE_RULES.addressWindowSeconds };
      }
      if (!phoneHash) {
        await record(tx, 'invalid_phone');
        return { ok: false, answer: 'invalid_phone' };
      }
      const refusal = await this.deps.codes.reserveSend(tx, phoneHash, now, {
        gapSeconds: SMS_CODE_RULES.resendGapSeconds,
        perDay: SMS_CODE_RULES.perDay,
      });
      if (!refusal) return null;
      await record(tx, refusal.limit, { more: { retryAfterSeconds: refusal.retryAfterSeconds } });
      return { ok: false, answer: refusal.limit, retryAfterSeconds: refusal.retryAfterSeconds };
    });
    if (refused) return refused;
    if (!phone || !phoneHash) throw new Error('unreachable: a reserved send has a phone');

    const recipient = await this.recipient(phoneHash, input);
    const code = newCode();
    const salt = crypto.randomBytes(16).toString('base64url');
    const store = (tx: Transaction, codeHash: string) =>
      this.deps.codes.replaceCode(tx, {
        phoneHash, purpose: input.purpose, salt, codeHash, personId: recipient.personId, now,
        expiresAt: new Date(now.getTime() + SMS_CODE_RULES.validSeconds * 1000),
      });
    const sent: SmsSendResult = { ok: true, resendAfterSeconds: SMS_CODE_RULES.resendGapSeconds };

    if (!recipient.known) {
      // No message, but as long a wait as a real send and a code row like any other: tries, expiry and
      // the next send's limits are the same.
      await new Promise((resolve) => setTimeout(resolve, this.pace.decoyDelayMs()));
      const decoy = this.hashCode(salt, phoneHash, input.purpose, crypto.randomBytes(16).toString('hex'));
      await this.deps.db.transaction(async (tx) => {
        await store(tx, decoy);
        await record(tx, 'unknown_phone');
      });
      return sent;
    }

    let receipt: { id: string };
    try {
      const started = performance.now();
      receipt = await this.deps.gateway.send(verificationCodeMessage(phone, code, SMS_CODE_RULES.validSeconds / 60));
      this.pace.observe(performance.now() - started);
    } catch (err) {
      if (!isAppError(err) || err.code !== 'sms.gateway_failed') throw err;
      await this.deps.db.transaction(async (tx) => {
        // Nothing half-done: whatever code the phone had for this purpose is gone too.
        await this.deps.codes.removeCode(tx, phoneHash, input.purpose);
        await record(tx, 'gateway_failed', { personId: recipient.personId, unitId: recipient.unitId, more: { provider: this.deps.gateway.provider, ...err.details } });
      });
      return { ok: false, answer: 'gateway_failed' };
    }
    await this.deps.db.transaction(async (tx) => {
      await store(tx, this.hashCode(salt, phoneHash, input.purpose, code));
      await record(tx, null, { personId: recipient.personId, unitId: recipient.unitId, more: { provider: this.deps.gateway.provider, messageId: receipt.id } });
    });
    return sent;
  }

  /** Who a code goes to: for sign-in, a person with an active account found by the phone's keyed hash (R8). */
  private async recipient(
    phoneHash: string,
    input: { purpose: SmsPurpose; personId?: string | null },
  ): Promise<{ known: boolean; personId: string | null; unitId: string | null }> {
    if (input.purpose !== 'sign-in') return { known: true, personId: input.personId ?? null, unitId: null };
    const personId = await this.deps.codes.personIdByPhoneHash(phoneHash);
    if (!personId) return { known: false, personId: null, unitId: null };
    const accounts = await this.deps.db.transaction((tx) => this.deps.credentials.activeAccounts(tx, { personId }));
    return accounts.length ? { known: true, personId, unitId: accounts[0]!.unitId } : { known: false, personId: null, unitId: null };
  }

  /** Checks a code for `phone` and `purpose`, spending one of its tries; a right code is used up. */
  async verify(input: { phone: string; purpose: SmsPurpose; code: string; meta: RequestMeta }): Promise<SmsVerifyResult> {
    const result = await this.check(input, async () => ({ audit: {}, value: null }));
    return result.ok ? { ok: true } : { ok: false, answer: result.answer === 'disabled' ? 'no_code' : result.answer };
  }

  /**
   * R21 — sign-in with a code sent by `send({purpose: 'sign-in'})`: the person behind the phone and
   * their active accounts, as a right password gives them. Audited as `signin.sms`.
   */
  async verifySignIn(input: { phone: string; code: string; meta: RequestMeta }): Promise<SmsSignInResult> {
    const result = await this.check({ ...input, purpose: 'sign-in' }, async (tx, stored) => {
      const personId = stored.personId;
      const accounts = personId ? await this.deps.credentials.activeAccounts(tx, { personId }) : [];
      if (!personId || !accounts.length) return { refusal: 'disabled' as const, audit: { personId }, value: null };
      const credential = await this.deps.credentials.ofPerson(tx, personId);
      return {
        audit: { personId, unitId: accounts[0]!.unitId, more: { accounts: accounts.length } },
        value: { personId, accounts, credentialId: credential?.id, mustChange: credential?.mustChange ?? false },
      };
    });
    if (!result.ok) return result;
    return { ok: true, ...result.value! };
  }

  /**
   * One try of a code, in one transaction with its audit event: the address throttle, the try
   * spent atomically, the constant-time comparison of keyed hashes, the code used up, then
   * `onRight` (the sign-in reads the accounts there).
   */
  private async check<V>(
    input: { phone: string; purpose: SmsPurpose; code: string; meta: RequestMeta },
    onRight: (tx: Transaction, stored: StoredCode) => Promise<{ refusal?: 'disabled'; audit: AuditExtra; value: V }>,
  ): Promise<{ ok: true; value: V } | { ok: false; answer: SmsVerifyRefusal | 'disabled' }> {
    const now = new Date();
    const phone = normalizePhone(input.phone);
    const phoneHash = phone ? this.deps.pii.lookupHash(phone) : null;
    const code = input.code.trim();
    const details = { method: 'sms', purpose: input.purpose, phone: phone ? maskPhone(phone) : '***' };
    return this.deps.db.transaction(async (tx) => {
      const audited = auditRecorder(this.deps.audit, verifyAction(input.purpose), details, input.meta);
      const record = (reason: string | null, extra: AuditExtra = {}) => audited(tx, reason, extra);
      const refuse = async (answer: SmsVerifyRefusal | 'disabled', extra: AuditExtra = {}) => {
        await record(answer, extra);
        return { ok: false as const, answer };
      };
      // The sign-in throttle per address (R19) covers every way of guessing, SMS codes included.
      const hits = await this.deps.throttles.hit(`signin-ip:${input.meta.ip ?? 'unknown'}`, ADDRESS_WINDOW_SECONDS, tx);
      if (hits > this.deps.config.signInThrottlePerMinute) return refuse('throttled');
      if (!phoneHash) return refuse('no_code');
      const stored = await this.deps.codes.spendTry(tx, phoneHash, input.purpose, now, SMS_CODE_RULES.maxTries);
      if (typeof stored === 'string') return refuse(stored);
      const tries = { tries: stored.tries };
      const given = Buffer.from(this.hashCode(stored.salt, phoneHash, input.purpose, code), 'hex');
      const expected = Buffer.from(stored.codeHash, 'hex');
      const right = /^\d{6}$/.test(code) && given.length === expected.length && crypto.timingSafeEqual(given, expected);
      if (!right) {
        // The last try spent on a wrong code kills it: say so now rather than at the next try.
        return refuse(stored.tries >= SMS_CODE_RULES.maxTries ? 'too_many_tries' : 'wrong_code', { personId: stored.personId, more: tries });
      }
      // Single use. The row is locked by spendTry until this transaction ends: no parallel try can use it too.
      if (!(await this.deps.codes.consume(tx, phoneHash, input.purpose, stored.salt, now))) return refuse('no_code');
      const outcome = await onRight(tx, stored);
      if (outcome.refusal) return refuse(outcome.refusal, outcome.audit);
      await record(null, { personId: stored.personId, ...outcome.audit, more: { ...tries, ...outcome.audit.more } });
      return { ok: true as const, value: outcome.value };
    });
  }
}

/** The audit event of one send or try (R25): about the person when known, the phone masked in `details`. */
function auditRecorder(audit: AuditService, action: string, details: object, meta: RequestMeta) {
  return (tx: Transaction, reason: string | null, extra: AuditExtra = {}) =>
    audit.record(tx, {
      action,
      result: reason ? 'failure' : 'success',
      reason,
      target: extra.personId ? { type: 'person', id: extra.personId } : null,
      unitId: extra.unitId ?? null,
      details: { ...details, ...extra.more },
      meta,
    });
}

interface AuditExtra {
  personId?: string | null | undefined;
  unitId?: string | null | undefined;
  more?: object;
}
