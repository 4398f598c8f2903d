import { t } from '../pages/i18n.ts';
import { chooseAccountPage } from '../pages/steps.ts';
import { proceed, render, type StepHandler } from './request.ts';

/** R9 — a person with several active accounts acts as exactly one of them per sign-in. */
export const chooseAccount: StepHandler = async (ctx, req, deps) => {
  const { auth } = req.state;
  if (!auth || auth.mustChange) return proceed(ctx, req, deps, req.state);
  const accountId = req.field('accountId');
  if (!auth.accounts.some((a) => a.id === accountId)) {
    return render(ctx, 400, chooseAccountPage(req.env, { accounts: auth.accounts, error: t(req.env.lang, 'notYours') }));
  }
  await proceed(ctx, req, deps, { ...req.state, accountId });
};
