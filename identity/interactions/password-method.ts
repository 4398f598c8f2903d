import { ADDRESS_WINDOW_SECONDS } from '../../directory/credentials/credential-service.ts';
import { t } from '../pages/i18n.ts';
import { signInPage } from '../pages/steps.ts';
import { proceed, render, type StepHandler } from './request.ts';

/**
 * Sign-in method "password" (R18, R19): the credential service does the lockout, throttling and
 * audit; this step only turns its answer into a page. Wrong, unknown and locked all re-render the
 * form with 401 (429 when throttled); the message for a lock says to ask the unit administrator.
 */
export const passwordSignIn: StepHandler = async (ctx, req, deps) => {
  const username = req.field('username');
  const password = req.secret('password');
  if (!username || !password) {
    return render(ctx, 400, signInPage(req.env, { error: t(req.env.lang, 'missing'), username }));
  }
  const result = await deps.credentials.verifyPassword({ username, password, meta: req.meta });
  if (!result.ok) {
    const status = result.answer === 'throttled' ? 429 : 401;
    if (status === 429) ctx.set('Retry-After', String(ADDRESS_WINDOW_SECONDS));
    const error = t(req.env.lang, result.answer, { code: result.newName ?? '' });
    return render(ctx, status, signInPage(req.env, { error, username: result.newName ?? username }));
  }
  await proceed(ctx, req, deps, {
    auth: {
      method: 'password',
      amr: ['pwd'],
      credentialId: result.credentialId,
      personId: result.personId,
      accounts: result.accounts,
      mustChange: result.mustChange,
    },
  });
};
