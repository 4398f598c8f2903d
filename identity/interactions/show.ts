import { changePasswordPage, chooseAccountPage, consentPage, signInMethod, signInPage } from '../pages/steps.ts';
import { policyHints } from './change-password.ts';
import { consentRequest } from './consent.ts';
import { qrPage } from './qr-method.ts';
import { proceed, render, stepOf, type StepHandler } from './request.ts';
import { showEnrolment, showSecondFactor } from './second-factor.ts';

/** GET of an interaction: the page of the step the sign-in is at (or the consent prompt). */
export const showStep: StepHandler = async (ctx, req, deps) => {
  if (req.interaction.prompt.name === 'consent') {
    return render(ctx, 200, consentPage(req.env, consentRequest(req.interaction)));
  }
  const step = await stepOf(req.state, deps);
  switch (step.name) {
    case 'sign-in': {
      const method = signInMethod(ctx.query.method);
      if (method === 'qr' && deps.qr.enabled) return qrPage(ctx, req, deps);
      return render(ctx, 200, signInPage(req.env, { method: method === 'qr' ? 'password' : method }));
    }
    case 'change-password':
      return render(ctx, 200, changePasswordPage(req.env, policyHints(deps)));
    case 'choose-account':
      return render(ctx, 200, chooseAccountPage(req.env, { accounts: step.accounts }));
    case 'second-factor':
      return showSecondFactor(ctx, req, deps);
    case 'enrol-second-factor':
      return showEnrolment(ctx, req, deps, step.personId);
    case 'done':
      return proceed(ctx, req, deps, req.state);
  }
};
