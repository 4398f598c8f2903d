import { isAppError } from '../../platform/errors.ts';
import { minPasswordLength } from '../../directory/password-policy.ts';
import { isMessageKey, t } from '../pages/i18n.ts';
import { changePasswordPage, signInPage } from '../pages/steps.ts';
import { proceed, render, type InteractionDeps, type InteractionRequest, type StepHandler } from './request.ts';

export const policyHints = (deps: InteractionDeps) => ({
  minLength: minPasswordLength(deps.config.passwordPolicy),
  classes: deps.config.passwordPolicy === 'dengbao',
});

/**
 * R18/R20 — the forced change of an initial or expired password, inside the sign-in: the provider
 * has no session for this person until it succeeds. Policy refusals re-render the form (400).
 */
export const changePassword: StepHandler = async (ctx, req: InteractionRequest, deps) => {
  const { auth } = req.state;
  if (!auth?.mustChange || !auth.credentialId) return proceed(ctx, req, deps, req.state);
  const lang = req.env.lang;
  const again = (status: number, error: string) => render(ctx, status, changePasswordPage(req.env, { error, ...policyHints(deps) }));
  const newPassword = req.secret('newPassword');
  if (newPassword !== req.secret('confirmPassword')) return again(400, t(lang, 'mismatch'));
  try {
    await deps.credentials.changePassword(auth.credentialId, newPassword, req.meta);
  } catch (err) {
    if (!isAppError(err)) throw err;
    if (err.code === 'password.changed_concurrently') {
      await deps.store.remove(req.uid);
      return render(ctx, 409, signInPage(req.env, { error: t(lang, 'changedMeanwhile') }));
    }
    const rule = err.details?.rule;
    if (err.code === 'password.policy_violation' && typeof rule === 'string' && isMessageKey(rule)) {
      return again(400, t(lang, rule, { min: policyHints(deps).minLength }));
    }
    throw err;
  }
  await proceed(ctx, req, deps, { ...req.state, auth: { ...auth, mustChange: false } });
};
