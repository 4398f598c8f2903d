import { bodyParser } from '@koa/bodyparser';
import type { Router } from '@koa/router';
import { changePassword } from './change-password.ts';
import { chooseAccount } from './choose-account.ts';
import { consent } from './consent.ts';
import { passwordSignIn } from './password-method.ts';
import { qrRefresh, qrSignIn, qrStatus } from './qr-method.ts';
import { interactionPage, refuse, type InteractionDeps } from './request.ts';
import { confirmEnrolment, continueAfterCodes, sendSecondFactorSms, verifySecondFactor, verifySecondFactorSms } from './second-factor.ts';
import { showStep } from './show.ts';
import { smsSend, smsSignIn } from './sms-method.ts';

/**
 * The sign-in pages under `/interaction/:uid` (the interaction cookie's path). Each sign-in method
 * posts to its own route and ends in the same state: password, SMS (`/sms/send` asks for a code,
 * `/sms` signs in with it, R21), QR (`/qr`, `/qr/refresh`, and the waiting page's `/qr/status`, R22).
 */
export function interactionRoutes(router: Router, deps: InteractionDeps): void {
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const page = (handler: Parameters<typeof interactionPage>[1], prompt?: 'login' | 'consent') =>
    interactionPage(deps, handler, prompt);
  router.get('/interaction/:uid', page(showStep));
  router.post('/interaction/:uid/password', form, page(passwordSignIn, 'login'));
  router.post('/interaction/:uid/sms/send', form, page(smsSend, 'login'));
  router.post('/interaction/:uid/sms', form, page(smsSignIn, 'login'));
  router.post('/interaction/:uid/qr', form, page(qrSignIn, 'login'));
  router.post('/interaction/:uid/qr/refresh', form, page(qrRefresh, 'login'));
  router.get('/interaction/:uid/qr/status', qrStatus(deps));
  router.post('/interaction/:uid/change-password', form, page(changePassword, 'login'));
  router.post('/interaction/:uid/account', form, page(chooseAccount, 'login'));
  router.post('/interaction/:uid/second-factor', form, page(verifySecondFactor, 'login'));
  router.post('/interaction/:uid/second-factor/enrol', form, page(confirmEnrolment, 'login'));
  router.post('/interaction/:uid/second-factor/continue', form, page(continueAfterCodes, 'login'));
  router.post('/interaction/:uid/second-factor/sms/send', form, page(sendSecondFactorSms, 'login'));
  router.post('/interaction/:uid/second-factor/sms', form, page(verifySecondFactorSms, 'login'));
  router.post('/interaction/:uid/consent', form, page(consent, 'consent'));
  router.post('/interaction/:uid/abort', form, page((ctx, req) => refuse(ctx, req, deps, 'End-User aborted the sign-in')));
}
