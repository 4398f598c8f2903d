import type Koa from 'koa';
import { SECOND_FACTOR_WINDOW_SECONDS } from '../../directory/credentials/second-factor-service.ts';
import { errorEntry } from '../../platform/error-codes/index.ts';
import { isAppError } from '../../platform/errors.ts';
import { t } from '../pages/i18n.ts';
import { enrolSecondFactorPage, recoveryCodesPage, secondFactorPage } from '../pages/second-factor.ts';
import { errorPage } from '../pages/steps.ts';
import { proceed, render, stepOf, type InteractionDeps, type InteractionRequest, type StepHandler } from './request.ts';
import type { SignInState } from './state.ts';

/**
 * R23 — the second factor inside the sign-in, after the account is chosen (and any forced password
 * change): an enrolled person proves a code (authenticator app or a recovery code; or an SMS code
 * when wired and the first factor was not SMS itself); a person not yet enrolled sets up the app
 * here, confirms with a code and is shown the recovery codes once. The rules, limits and audit
 * are the directory's SecondFactorService; these handlers only turn its answers into pages.
 */

/** SMS is a second factor only when the first one was something else. */
const smsOffered = (req: InteractionRequest, deps: InteractionDeps) =>
  Boolean(deps.secondFactorSms) && req.state.auth?.method !== 'sms' && !req.state.auth?.amr.includes('sms');

const withSecondFactor = (state: SignInState, change: NonNullable<SignInState['secondFactor']>): SignInState => ({
  ...state,
  secondFactor: { ...state.secondFactor, ...change },
});

/** The message of a catalogued refusal, in the page's language. */
function refusalMessage(req: InteractionRequest, err: unknown): string {
  if (!isAppError(err)) throw err;
  return errorEntry(err.code)[req.env.lang];
}

/** GET at the `second-factor` step. */
export function showSecondFactor(ctx: Koa.Context, req: InteractionRequest, deps: InteractionDeps) {
  return render(ctx, 200, secondFactorPage(req.env, { sms: smsOffered(req, deps) }));
}

/** GET at the `enrol-second-factor` step: the pending enrolment of this sign-in, or a new one. */
export async function showEnrolment(
  ctx: Koa.Context,
  req: InteractionRequest,
  deps: InteractionDeps,
  personId: string,
  status = 200,
  error?: string,
  smsSentTo?: string,
) {
  if (!personId) return render(ctx, 403, errorPage(req.env.lang, t(req.env.lang, 'genericError')));
  const pending = req.state.secondFactor?.pending;
  const resumed = pending ? await deps.secondFactors.resumeTotpEnrolment(personId, pending) : undefined;
  const enrolment = resumed ?? (await deps.secondFactors.beginTotpEnrolment(personId, ''));
  if (!resumed) await deps.store.save(req.uid, withSecondFactor(req.state, { pending: enrolment.pending }), req.interaction.exp);
  const message = error ?? (pending && !resumed ? t(req.env.lang, 'enrolRestart') : undefined);
  return render(ctx, message && status === 200 ? 400 : status, enrolSecondFactorPage(req.env, { qrSvg: enrolment.qrSvg, secret: enrolment.secretForManualEntry, error: message, sms: smsOffered(req, deps), smsSentTo }));
}

/** POST `second-factor`: a code from the authenticator app, or a recovery code. */
export const verifySecondFactor: StepHandler = async (ctx, req, deps) => {
  const step = await stepOf(req.state, deps);
  if (step.name !== 'second-factor') return proceed(ctx, req, deps, req.state);
  const again = (status: number, error: string) => render(ctx, status, secondFactorPage(req.env, { sms: smsOffered(req, deps), error }));
  const otp = req.field('otp');
  if (!otp) return again(400, t(req.env.lang, 'wrong_code'));
  const result = await deps.secondFactors.verify(step.personId, otp, req.meta);
  if (!result.ok) {
    if (result.answer === 'throttled') {
      ctx.set('Retry-After', String(SECOND_FACTOR_WINDOW_SECONDS));
      return again(429, t(req.env.lang, 'mfaThrottled'));
    }
    return again(401, t(req.env.lang, 'wrong_code'));
  }
  await proceed(ctx, req, deps, withSecondFactor(req.state, { passed: 'otp' }));
};

/** POST `second-factor/enrol`: the first code of the new app; right, the recovery codes are shown once. */
export const confirmEnrolment: StepHandler = async (ctx, req, deps) => {
  const step = await stepOf(req.state, deps);
  const pending = req.state.secondFactor?.pending;
  if (step.name !== 'enrol-second-factor' || !pending) return proceed(ctx, req, deps, req.state);
  let recoveryCodes: string[];
  try {
    ({ recoveryCodes } = await deps.secondFactors.confirmTotpEnrolment(step.personId, pending, req.field('otp'), req.meta));
  } catch (err) {
    const message = refusalMessage(req, err);
    // Enrolled meanwhile (another tab): this enrolment is void, the code step follows.
    if (isAppError(err) && err.code === 'second_factor.already_enrolled') {
      return proceed(ctx, req, deps, { ...req.state, secondFactor: {} });
    }
    if (isAppError(err) && err.status === 429) ctx.set('Retry-After', String(SECOND_FACTOR_WINDOW_SECONDS));
    return showEnrolment(ctx, req, deps, step.personId, isAppError(err) ? err.status : 400, message);
  }
  // Passed: stored before the codes are shown, so a lost answer never leaves the sign-in stuck.
  const passed: SignInState = { ...req.state, secondFactor: { passed: 'otp' } };
  await deps.store.save(req.uid, passed, req.interaction.exp);
  return render(ctx, 200, recoveryCodesPage(req.env, recoveryCodes));
};

/** POST `second-factor/continue`: after the recovery codes, on to the client. */
export const continueAfterCodes: StepHandler = (ctx, req, deps) => proceed(ctx, req, deps, req.state);

/**
 * POST `second-factor/sms/send`: a code to the person's phone (when SMS is offered) — at the code step
 * and, instead of enrolling an app, at the enrolment step (R23: an authenticator app or an SMS code).
 */
export const sendSecondFactorSms: StepHandler = async (ctx, req, deps) => {
  const step = await stepOf(req.state, deps);
  const atStep = step.name === 'second-factor' || step.name === 'enrol-second-factor';
  if (!atStep || !deps.secondFactorSms || !smsOffered(req, deps)) return proceed(ctx, req, deps, req.state);
  const again = (status: number, opts: { smsSentTo?: string; error?: string }) =>
    step.name === 'enrol-second-factor'
      ? showEnrolment(ctx, req, deps, step.personId, status, opts.error, opts.smsSentTo)
      : render(ctx, status, secondFactorPage(req.env, { sms: true, ...opts }));
  try {
    const { phoneMasked } = await deps.secondFactorSms.send({ personId: step.personId, meta: req.meta });
    req.state = withSecondFactor(req.state, { smsSentTo: phoneMasked });
    await deps.store.save(req.uid, req.state, req.interaction.exp);
    return again(200, { smsSentTo: phoneMasked });
  } catch (err) {
    return again(isAppError(err) ? err.status : 400, { error: refusalMessage(req, err) });
  }
};

/** POST `second-factor/sms`: the SMS code as the second factor. */
export const verifySecondFactorSms: StepHandler = async (ctx, req, deps) => {
  const step = await stepOf(req.state, deps);
  const atStep = step.name === 'second-factor' || step.name === 'enrol-second-factor';
  if (!atStep || !deps.secondFactorSms || !smsOffered(req, deps)) return proceed(ctx, req, deps, req.state);
  const smsSentTo = req.state.secondFactor?.smsSentTo;
  const again = (status: number, error: string) =>
    step.name === 'enrol-second-factor'
      ? showEnrolment(ctx, req, deps, step.personId, status, error, smsSentTo)
      : render(ctx, status, secondFactorPage(req.env, { sms: true, smsSentTo, error }));
  let right: boolean;
  try {
    right = await deps.secondFactorSms.verify({ personId: step.personId, code: req.field('code'), meta: req.meta });
  } catch (err) {
    return again(isAppError(err) ? err.status : 400, refusalMessage(req, err));
  }
  if (!right) return again(401, t(req.env.lang, 'mfaSmsFailed'));
  await proceed(ctx, req, deps, withSecondFactor(req.state, { passed: 'sms' }));
};
