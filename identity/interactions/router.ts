import { bodyParser } from '@koa/bodyparser';
import type { Router } from '@koa/router';
import { changePassword } from './change-password.ts';
import { chooseAccount } from './choose-account.ts';
import { consent } from './consent.ts';
import { passwordSignIn } from './password-method.ts';
import { qrRefresh, qrSignIn, qrStatus } from './qr-method.ts';
import { interactionPage, refuse, type InteractionDeps } from './request.ts';
import { showStep } from './show.ts';

/**
 * The sign-in pages under `/interaction/:uid` (the interaction cookie's path). Each sign-in method
 * posts to its own route and ends in the same state: password, QR (`/qr`, `/qr/refresh`, and the
 * waiting page's `/qr/status`, R22); SMS (`/sms`, `/sms/send`) joins the list later.
 */
export function interactionRoutes(router: Router, deps: InteractionDeps): void {
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const page = (handler: Parameters<typeof interactionPage>[1], prompt?: 'login' | 'consent') =>
    interactionPage(deps, handler, prompt);
  router.get('/interaction/:uid', page(showStep));
  router.post('/interaction/:uid/password', form, page(passwordSignIn, 'login'));
  router.post('/interaction/:uid/qr', form, page(qrSignIn, 'login'));
  router.post('/interaction/:uid/qr/refresh', form, page(qrRefresh, 'login'));
  router.get('/interaction/:uid/qr/status', qrStatus(deps));
  router.post('/interaction/:uid/change-password', form, page(changePassword, 'login'));
  router.post('/interaction/:uid/account', form, page(chooseAccount, 'login'));
  router.post('/interaction/:uid/consent', form, page(consent, 'consent'));
  router.post('/interaction/:uid/abort', form, page((ctx, req) => refuse(ctx, req, deps, 'End-User aborted the sign-in')));
}
