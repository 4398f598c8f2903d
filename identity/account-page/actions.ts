import { isAppError } from '../../platform/errors.ts';
import { maskPhone } from '../../directory/masking.ts';
import { minPasswordLength } from '../../directory/password-policy.ts';
import type { PhoneAnswer } from '../../directory/self/self-service.ts';
import type { Notice } from '../pages/account-page.ts';
import { isMessageKey, t, type Lang, type MessageKey } from '../pages/i18n.ts';
import type { AccountHandler, AccountRequest } from './request.ts';

const DONE: Record<string, { section: Notice['section']; key: MessageKey }> = {
  password: { section: 'password', key: 'accountPasswordDone' },
  phone: { section: 'phone', key: 'accountPhoneDone' },
  'totp-removed': { section: 'mfa', key: 'accountMfaRemoved' },
};

/** GET /account — the page, with a notice of what was just done (a fixed message, nothing echoed). */
export const showAccount: AccountHandler = async (ctx, req) => {
  const done = typeof ctx.query.done === 'string' ? DONE[ctx.query.done] : undefined;
  await req.show(200, done ? { notice: { section: done.section, text: t(req.env.lang, done.key), ok: true } } : {});
};

const refuse = (req: AccountRequest, status: number, section: Notice['section'], key: MessageKey, vars: Record<string, string | number> = {}) =>
  req.show(status, { notice: { section, text: t(req.env.lang, key, vars) } });

/**
 * R18, R19 — own password change: old password (checked like a sign-in: wrong ones count toward
 * the lockout), new one twice, the policy; the same messages as the sign-in's change step.
 */
export const changeOwnPassword: AccountHandler = async (_ctx, req, deps) => {
  const newPassword = req.secret('newPassword');
  if (!req.secret('oldPassword') || !newPassword) return refuse(req, 400, 'password', 'missing');
  if (newPassword !== req.secret('confirmPassword')) return refuse(req, 400, 'password', 'mismatch');
  try {
    const result = await deps.self.changePassword(req.self, { oldPassword: req.secret('oldPassword'), newPassword, meta: req.meta });
    if (!result.ok) return refuse(req, 401, 'password', result.answer === 'locked' ? 'locked' : 'accountOldWrong');
  } catch (err) {
    if (!isAppError(err)) throw err;
    if (err.code === 'password.changed_concurrently') return refuse(req, 409, 'password', 'changedMeanwhile');
    const rule = err.details?.rule;
    if (err.code === 'password.policy_violation' && typeof rule === 'string' && isMessageKey(rule)) {
      return refuse(req, 400, 'password', rule, { min: minPasswordLength(deps.config.passwordPolicy) });
    }
    throw err;
  }
  req.done('password');
};

function phoneRefusal(ctx: Parameters<AccountHandler>[0], req: AccountRequest, answer: PhoneAnswer & { ok: false }, phoneSent?: string) {
  const key: MessageKey = ['phone_invalid', 'phone_same', 'phone_in_use'].includes(answer.answer)
    ? (answer.answer as MessageKey)
    : answer.answer === 'unavailable'
      ? 'accountUnavailable'
      : 'phone_refused';
  if (answer.retryAfterSeconds) ctx.set('Retry-After', String(answer.retryAfterSeconds));
  const status = answer.retryAfterSeconds ? 429 : answer.answer === 'phone_in_use' ? 409 : 400;
  return req.show(status, { phoneSent, notice: { section: 'phone', text: t(req.env.lang, key) } });
}

/** R8 — a code to the new phone. */
export const sendPhoneCode: AccountHandler = async (ctx, req, deps) => {
  const answer = await deps.self.sendPhoneCode(req.self, { phone: req.field('phone'), meta: req.meta });
  if (!answer.ok) return phoneRefusal(ctx, req, answer);
  const sentTo = answer.phone ?? '';
  await req.show(200, { phoneSent: sentTo, notice: { section: 'phone', text: t(req.env.lang, 'accountCodeSent', { phone: maskPhone(sentTo) }), ok: true } });
};

/** R8 — the code proves the new phone; the change is made and audited. */
export const confirmPhone: AccountHandler = async (ctx, req, deps) => {
  const phone = req.field('phone');
  const answer = await deps.self.confirmPhone(req.self, { phone, code: req.field('code'), meta: req.meta });
  if (!answer.ok) return phoneRefusal(ctx, req, answer, phone);
  req.done('phone');
};

/** R23 — enrolment begins: the QR code and the key, and a form for the first code. */
export const beginTotp: AccountHandler = async (_ctx, req, deps) => {
  const sf = await deps.self.secondFactorOf(req.self);
  if (!sf) return refuse(req, 404, 'top', 'accountUnavailable');
  const e = await sf.factors.beginTotpEnrolment(sf.personId, sf.label);
  await req.show(200, { enrolment: { pending: e.pending, qrSvg: e.qrSvg, secret: e.secretForManualEntry } });
};

/** R23 — the first code confirms the enrolment; the recovery codes are shown once. */
export const confirmTotp: AccountHandler = async (_ctx, req, deps) => {
  const sf = await deps.self.secondFactorOf(req.self);
  if (!sf) return refuse(req, 404, 'top', 'accountUnavailable');
  try {
    const { recoveryCodes } = await sf.factors.confirmTotpEnrolment(sf.personId, req.field('pending'), req.field('otp'), req.meta);
    await req.show(200, { recoveryCodes });
  } catch (err) {
    if (isAppError(err) && err.status < 500) return refuse(req, 400, 'mfa', 'accountOtpWrong');
    throw err;
  }
};

/**
 * R23 — removing the authenticator needs the factor itself (a current code or a recovery code, with
 * the same rate limit and audit as at sign-in): a session left open, or a stolen one, is not enough to
 * strip an administrator's second factor.
 */
export const removeTotp: AccountHandler = async (_ctx, req, deps) => {
  const sf = await deps.self.secondFactorOf(req.self);
  if (!sf) return refuse(req, 404, 'top', 'accountUnavailable');
  const proved = await sf.factors.verify(sf.personId, req.field('otp'), req.meta);
  if (!proved.ok) return proved.answer === 'throttled' ? refuse(req, 429, 'mfa', 'accountOtpThrottled') : refuse(req, 400, 'mfa', 'accountOtpWrong');
  await sf.factors.removeTotp(sf.personId, req.meta);
  req.done('totp-removed');
};

/** R24 — every session and token of the person's accounts ends; this page then asks for a sign-in. */
export const signOutEverywhere: AccountHandler = async (ctx, req, deps) => {
  await deps.self.signOutEverywhere(req.self, req.meta);
  ctx.status = 303;
  ctx.redirect(`/account?lang=${req.env.lang satisfies Lang}`);
};
