import { bodyParser } from '@koa/bodyparser';
import type { Router } from '@koa/router';
import { minPasswordLength } from '../../directory/password-policy.ts';
import { t, pickLang, type Lang } from '../pages/i18n.ts';
import { accountMessagePage } from '../pages/account-page.ts';
import { sendPage } from '../pages/layout.ts';
import {
  beginTotp, changeOwnPassword, confirmPhone, confirmTotp, removeTotp, sendPhoneCode, showAccount, signOutEverywhere,
} from './actions.ts';
import { ACCOUNT_PATH } from './client.ts';
import { accountRoute, type AccountHandler, type AccountPageDeps } from './request.ts';
import { finishSignIn } from './sign-in-flow.ts';

/**
 * The person's own page at `/account` (issue 7, SPEC §5): served by the provider, linked from the
 * sign-in pages, and the URL every client may link to (it needs no discovery). Plain HTML forms, each
 * posting to its own route with the session's anti-forgery token.
 */
export function accountRoutes(router: Router, deps: AccountPageDeps): void {
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const policyHint = (lang: Lang) => {
    const mode = deps.config.passwordPolicy;
    return t(lang, 'policyHint', { min: minPasswordLength(mode), classes: mode === 'dengbao' ? t(lang, 'policyClasses') : '' });
  };
  const route = (handler: AccountHandler) => accountRoute(deps, handler, policyHint);
  router.get(ACCOUNT_PATH, route(showAccount));
  router.get(`${ACCOUNT_PATH}/callback`, async (ctx) => {
    const outcome = await finishSignIn(ctx, deps.provider, deps.issuer, pickLang(ctx));
    if (!outcome.ok) return sendPage(ctx, 400, accountMessagePage(outcome.lang, outcome.cancelled ? 'accountCancelled' : 'expired'));
    ctx.status = 303;
    ctx.redirect(`${ACCOUNT_PATH}?lang=${outcome.lang}`);
  });
  router.post(`${ACCOUNT_PATH}/password`, form, route(changeOwnPassword));
  router.post(`${ACCOUNT_PATH}/phone`, form, route(sendPhoneCode));
  router.post(`${ACCOUNT_PATH}/phone/confirm`, form, route(confirmPhone));
  router.post(`${ACCOUNT_PATH}/totp`, form, route(beginTotp));
  router.post(`${ACCOUNT_PATH}/totp/confirm`, form, route(confirmTotp));
  router.post(`${ACCOUNT_PATH}/totp/remove`, form, route(removeTotp));
  router.post(`${ACCOUNT_PATH}/sign-out-everywhere`, form, route(signOutEverywhere));
}
