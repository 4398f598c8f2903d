import type { Transaction } from 'sequelize';
import type { PiiCipher } from '../../platform/crypto/pii.ts';
import type { Database } from '../../platform/db/database.ts';
import { badRequest, conflict, isAppError, tooManyRequests, unauthorized } from '../../platform/errors.ts';
import type { RequestMeta } from '../actor.ts';
import type { AuditService } from '../audit/audit-service.ts';
import { newRecoveryCodes, useRecoveryCode } from './second-factor/recovery-codes.ts';
import { openPendingTotp, openTotpSecret, sealPendingTotp, sealTotpSecret } from './second-factor/sealing.ts';
import { enrolmentQrSvg, newTotpSecret, totpUri, verifyTotp } from './second-factor/totp.ts';
import type { SecondFactorRepository } from './second-factor-repository.ts';
import type { ThrottleRepository } from './throttle-repository.ts';

/** R23 — at most this many wrong codes per person within the window, counted in PostgreSQL across nodes. */
export const SECOND_FACTOR_MAX_WRONG = 5;
export const SECOND_FACTOR_WINDOW_SECONDS = 15 * 60;
/** How long a begun enrolment may wait for its confirming code. */
const PENDING_MAX_AGE_SECONDS = 15 * 60;

export interface SecondFactorStatus {
  totp: boolean;
  recoveryCodesLeft: number;
}

export interface TotpEnrolmentStart {
  /** The new secret sealed for this person (PII cipher): carry it in a form or the sign-in state until confirmed. */
  pending: string;
  otpauthUrl: string;
  /** The otpauth URI as a QR code, an SVG document rendered here (no third party sees the secret). */
  qrSvg: string;
  /** The Base32 secret for apps that cannot scan. */
  secretForManualEntry: string;
}

export type SecondFactorCheck = { ok: true; method: 'totp' | 'recovery' } | { ok: false; answer: 'wrong_code' | 'throttled' };

export interface SecondFactorDeps {
  db: Database;
  pii: PiiCipher;
  audit: AuditService;
  factors: SecondFactorRepository;
  throttles: ThrottleRepository;
  /** The clock TOTP steps are read at (tests set it ahead instead of waiting). */
  now?: () => Date;
}

const SIX_DIGITS = /^\d{6}$/;

/**
 * The second factor of R23: TOTP enrolment with recovery codes, verification, removal. Every
 * attempt, success or failure, and every enrolment and removal writes an audit event (R25). The
 * secret is stored sealed, recovery codes as keyed hashes, and the last accepted time step so no
 * code is accepted twice. Wrong codes are limited per person (5 per 15 minutes): each attempt
 * reserves a hit on the shared throttle table first, and a right one gives it back.
 */
export class SecondFactorService {
  private readonly now: () => Date;

  constructor(private readonly deps: SecondFactorDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async status(personId: string): Promise<SecondFactorStatus> {
    const row = await this.deps.factors.find(personId);
    return { totp: Boolean(row), recoveryCodesLeft: row?.recoveryCodeHashes.length ?? 0 };
  }

  /**
   * A new secret to enrol. `label` names the entry in the authenticator app (masked there); empty,
   * the person's phone is used. Nothing is stored until the person confirms with a code.
   * @throws AppError 409 `second_factor.already_enrolled`
   */
  async beginTotpEnrolment(personId: string, label: string): Promise<TotpEnrolmentStart> {
    if (await this.deps.factors.find(personId)) throw alreadyEnrolled();
    const secret = newTotpSecret();
    const name = label || (await this.deps.factors.personContext(personId)).phone || '';
    const otpauthUrl = totpUri(secret, name);
    return {
      pending: sealPendingTotp(this.deps.pii, personId, secret, this.now()),
      otpauthUrl,
      qrSvg: await enrolmentQrSvg(otpauthUrl),
      secretForManualEntry: secret,
    };
  }

  /**
   * The QR code and key of an enrolment begun earlier (a page shown again after a wrong code);
   * undefined when `pending` is not this person's or has expired (begin again).
   */
  async resumeTotpEnrolment(personId: string, pending: string): Promise<TotpEnrolmentStart | undefined> {
    const secret = openPendingTotp(this.deps.pii, pending, personId, this.now(), PENDING_MAX_AGE_SECONDS);
    if (!secret) return undefined;
    const otpauthUrl = totpUri(secret, (await this.deps.factors.personContext(personId)).phone ?? '');
    return { pending, otpauthUrl, qrSvg: await enrolmentQrSvg(otpauthUrl), secretForManualEntry: secret };
  }

  /**
   * Stores the enrolment once the app shows a right code for the pending secret; returns the
   * recovery codes, in plain this one time only.
   * @throws AppError 400 `second_factor.enrolment_invalid` | `second_factor.code_malformed`,
   *   401 `second_factor.code_invalid`, 409 `second_factor.already_enrolled`, 429 `second_factor.throttled`
   */
  async confirmTotpEnrolment(personId: string, pending: string, otp: string, meta: RequestMeta): Promise<{ recoveryCodes: string[] }> {
    const { unitId } = await this.deps.factors.personContext(personId);
    const record = this.recorder('second-factor.enrol', { personId, unitId, method: 'totp' }, meta);
    if (await this.reserve(personId, record)) throw tooManyRequests('second_factor.throttled', 'Too many wrong codes: try again in 15 minutes');
    const secret = openPendingTotp(this.deps.pii, pending, personId, this.now(), PENDING_MAX_AGE_SECONDS);
    if (!secret) {
      await this.deps.db.transaction((tx) => record(tx, 'enrolment_invalid'));
      throw badRequest('second_factor.enrolment_invalid', 'The enrolment is invalid or expired: start again');
    }
    let step: number;
    try {
      ({ step } = await verifyTotp(secret, otp, { now: this.now() }));
    } catch (err) {
      if (isAppError(err)) await this.deps.db.transaction((tx) => record(tx, err.code.replace('second_factor.', '')));
      throw err;
    }
    const { codes, hashes } = newRecoveryCodes(this.deps.pii);
    const stored = await this.deps.db.transaction(async (tx) => {
      const created = await this.deps.factors.create(tx, {
        personId,
        totpSecretEnc: sealTotpSecret(this.deps.pii, secret),
        totpLastStep: step,
        recoveryCodeHashes: hashes,
      });
      // Enrolled meanwhile (another tab or node): the attempt is recorded, the first enrolment stands.
      await (created ? this.deps.throttles.release(throttleKey(personId), tx) : undefined);
      await record(tx, created ? null : 'already_enrolled');
      return created;
    });
    if (!stored) throw alreadyEnrolled();
    return { recoveryCodes: codes };
  }

  /** The audit event of one enrolment or check, about the person (R25). */
  private recorder(action: string, e: { personId: string; unitId: string | null; method: string }, meta: RequestMeta) {
    return (tx: Transaction, reason: string | null) =>
      this.deps.audit.record(tx, {
        action,
        result: reason ? 'failure' : 'success',
        reason,
        target: { type: 'person', id: e.personId },
        unitId: e.unitId,
        details: { method: e.method },
        meta,
      });
  }

  /**
   * Checks a second factor at sign-in: a 6-digit TOTP code (never one of the last accepted step or
   * earlier), or else a recovery code (then used up). Wrong answers and throttling are answers, not
   * errors, so the page can say so.
   * @throws AppError 409 `second_factor.not_enrolled`
   */
  async verify(personId: string, otp: string, meta: RequestMeta): Promise<SecondFactorCheck> {
    const { unitId } = await this.deps.factors.personContext(personId);
    const totp = SIX_DIGITS.test(otp.replace(/\s/g, ''));
    const record = this.recorder('signin.second-factor', { personId, unitId, method: totp ? 'totp' : 'recovery' }, meta);
    if (await this.reserve(personId, record)) return { ok: false, answer: 'throttled' };
    const row = await this.deps.factors.find(personId);
    if (!row) throw conflict('second_factor.not_enrolled', 'No authenticator app is enrolled');
    try {
      if (totp) {
        const { step } = await verifyTotp(openTotpSecret(this.deps.pii, row.totpSecretEnc), otp, {
          now: this.now(),
          lastStep: row.totpLastStep ?? undefined,
        });
        await this.deps.db.transaction(async (tx) => {
          // A parallel request (any node) accepted this step or a later one first: this use is a replay.
          if (!(await this.deps.factors.advanceStep(tx, personId, step))) throw codeReused();
          await this.succeed(tx, personId, record);
        });
      } else {
        await this.deps.db.transaction(async (tx) => {
          const locked = await this.deps.factors.find(personId, tx, true);
          const left = useRecoveryCode(this.deps.pii, locked?.recoveryCodeHashes ?? [], otp);
          await this.deps.factors.replaceRecoveryCodes(tx, personId, left);
          await this.succeed(tx, personId, record);
        });
      }
    } catch (err) {
      if (!isAppError(err) || !err.code.startsWith('second_factor.')) throw err;
      await this.refuse(record, err.code.replace('second_factor.', ''));
      return { ok: false, answer: 'wrong_code' };
    }
    return { ok: true, method: totp ? 'totp' : 'recovery' };
  }

  /**
   * Removes the person's enrolment (their own page, or after a lost phone by an administrator's
   * way yet to come); the recovery codes go with it.
   * @throws AppError 409 `second_factor.not_enrolled`
   */
  async removeTotp(personId: string, meta: RequestMeta): Promise<void> {
    const { unitId } = await this.deps.factors.personContext(personId);
    await this.deps.db.transaction(async (tx) => {
      if (!(await this.deps.factors.remove(tx, personId))) throw conflict('second_factor.not_enrolled', 'No authenticator app is enrolled');
      await this.deps.audit.record(tx, {
        action: 'second-factor.remove',
        target: { type: 'person', id: personId },
        unitId,
        details: { method: 'totp' },
        meta,
      });
    });
  }

  /** Reserves one attempt; true (and audited) when the person is over the limit. */
  private async reserve(personId: string, record: (tx: Transaction, reason: string | null) => Promise<unknown>): Promise<boolean> {
    return this.deps.db.transaction(async (tx) => {
      const n = await this.deps.throttles.hit(throttleKey(personId), SECOND_FACTOR_WINDOW_SECONDS, tx);
      if (n <= SECOND_FACTOR_MAX_WRONG) return false;
      await record(tx, 'throttled');
      return true;
    });
  }

  private async succeed(tx: Transaction, personId: string, record: (tx: Transaction, reason: string | null) => Promise<unknown>) {
    await this.deps.throttles.release(throttleKey(personId), tx);
    await record(tx, null);
  }

  private async refuse(record: (tx: Transaction, reason: string | null) => Promise<unknown>, reason: string): Promise<void> {
    await this.deps.db.transaction((tx) => record(tx, reason));
  }
}

const throttleKey = (personId: string) => `second-factor:${personId}`;
const alreadyEnrolled = () => conflict('second_factor.already_enrolled', 'An authenticator app is already enrolled: remove it first');
const codeReused = () => unauthorized('second_factor.code_reused', 'This code (or a later one) was already used');
