import type { RequestMeta } from '../actor.ts';

/**
 * What the person's own page needs of services built beside it (issue 7), stated as ports with the
 * exact shapes of those services, so the page is written against them and the composition root
 * hands the real ones in: `SmsCodeService` (directory/credentials/sms-code-service.ts, R21) and
 * `SecondFactorService` (directory/credentials/second-factor-service.ts, R23). Until one is handed
 * in, its section of the page says it is not available.
 */
export interface PhoneCodes {
  send(input: {
    phone: string;
    purpose: 'phone-change';
    meta: RequestMeta;
    personId: string;
  }): Promise<{ ok: true; resendAfterSeconds: number } | { ok: false; answer: string; retryAfterSeconds?: number }>;
  verify(input: { phone: string; purpose: 'phone-change'; code: string; meta: RequestMeta }): Promise<{ ok: true } | { ok: false; answer: string }>;
}

export interface SecondFactors {
  status(personId: string): Promise<{ totp: boolean; recoveryCodesLeft: number }>;
  beginTotpEnrolment(
    personId: string,
    label: string,
  ): Promise<{ pending: string; otpauthUrl: string; qrSvg: string; secretForManualEntry: string }>;
  confirmTotpEnrolment(personId: string, pending: string, otp: string, meta: RequestMeta): Promise<{ recoveryCodes: string[] }>;
  removeTotp(personId: string, meta: RequestMeta): Promise<void>;
}
