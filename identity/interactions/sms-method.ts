import type Koa from 'koa';
import { ADDRESS_WINDOW_SECONDS } from '../../directory/credentials/credential-service.ts';
import type { SmsSendResult } from '../../directory/credentials/sms-code-service.ts';
import { t, type MessageKey } from '../pages/i18n.ts';
import { signInPage, type SmsSectionOpts } from '../pages/steps.ts';
import { proceed, render, type InteractionRequest, type StepHandler } from './request.ts';

type SendRefusal = Extract<SmsSendResult, { ok: false }>['answer'];
const SEND_STATUS: Record<SendRefusal, number> = {
  invalid_phone: 400,
  phone_throttled: 429,
  daily_limit: 429,
  address_throttled: 429,
  gateway_failed: 502,
};

const smsPage = (ctx: Koa.Context, req: InteractionRequest, status: number, sms: SmsSectionOpts, error?: string) =>
  render(ctx, status, signInPage(req.env, { method: 'sms', error, sms }));

const retryAfter = (ctx: Koa.Context, seconds: number | undefined) => {
  if (seconds) ctx.set('Retry-After', String(seconds));
};

/**
 * R21 — "send code": the SMS code service applies the limits (per phone, per day, per address),
 * stores the code and writes the audit event; this step turns its answer into the SMS tab: the code
 * field and the resend countdown after a send, the refusal (429 with Retry-After for limits, 502
 * when the gateway failed) otherwise. An unknown phone looks exactly like a known one.
 */
export const smsSend: StepHandler = async (ctx, req, deps) => {
  const lang = req.env.lang;
  const phone = req.field('phone');
  if (!phone) return smsPage(ctx, req, 400, {}, t(lang, 'sms_missing_phone'));
  const result = await deps.smsCodes.send({ phone, purpose: 'sign-in', meta: req.meta });
  if (result.ok) return smsPage(ctx, req, 200, { phone, codeForm: true, sent: true, resendAfterSeconds: result.resendAfterSeconds });
  const status = SEND_STATUS[result.answer];
  if (status === 429) retryAfter(ctx, result.retryAfterSeconds);
  const message = t(lang, `sms_${result.answer}` satisfies MessageKey, { seconds: result.retryAfterSeconds ?? '' });
  // Within the 60 s a code was sent: its field stays, with the time left before another.
  const codeStillLive = result.answer === 'phone_throttled';
  return smsPage(ctx, req, status, {
    phone,
    codeForm: codeStillLive,
    resendAfterSeconds: codeStillLive ? result.retryAfterSeconds : undefined,
  }, message);
};

/**
 * R21 — sign-in with the phone and the code: refusals keep the code form (401, 429 when the address
 * is throttled); a right code proves the person, who goes on like after a password (account
 * choice R9, second factor R23), with amr `sms`.
 */
export const smsSignIn: StepHandler = async (ctx, req, deps) => {
  const lang = req.env.lang;
  const phone = req.field('phone');
  const code = req.field('code');
  if (!phone) return smsPage(ctx, req, 400, {}, t(lang, 'sms_missing_phone'));
  if (!code) return smsPage(ctx, req, 400, { phone, codeForm: true }, t(lang, 'sms_missing_code'));
  const result = await deps.smsCodes.verifySignIn({ phone, code, meta: req.meta });
  if (!result.ok) {
    const throttled = result.answer === 'throttled';
    if (throttled) retryAfter(ctx, ADDRESS_WINDOW_SECONDS);
    return smsPage(ctx, req, throttled ? 429 : 401, { phone, codeForm: true }, t(lang, `sms_${result.answer}` satisfies MessageKey));
  }
  await proceed(ctx, req, deps, {
    // R20: an initial or reset password is changed before any token, whatever proved who is there (as for QR).
    auth: { method: 'sms', amr: ['sms'], personId: result.personId, accounts: result.accounts, credentialId: result.credentialId, mustChange: result.mustChange },
  });
};
