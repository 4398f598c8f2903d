import type Koa from 'koa';
import type { Router } from '@koa/router';
import { pickLang, t } from '../pages/i18n.ts';
import { sendPage } from '../pages/layout.ts';
import { errorPage } from '../pages/steps.ts';

/**
 * Whether a form POST comes from another site (issue 12 suite 7). Every browser form of Tongmen —
 * the sign-in steps, the own page, the logout confirmation — is posted by a page of the issuer's
 * own origin, so a browser marks it `Sec-Fetch-Site: same-origin` and, when it sends an `Origin`,
 * names the issuer's. Anything else (a page of another site, or of a sibling subdomain) is refused
 * before the anti-forgery token is even looked at: a token that leaked (a screenshot, a log) is
 * still of no use from elsewhere. `Origin: null` (our pages are `Referrer-Policy: no-referrer`, so
 * browsers send null on POST) and clients that send neither header are left to the token.
 */
export function isCrossSite(ctx: Koa.Context, issuer: string): boolean {
  const site = ctx.get('sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = ctx.get('origin');
  return origin !== '' && origin !== 'null' && origin !== new URL(issuer).origin;
}

export function refuseCrossSite(ctx: Koa.Context): void {
  const lang = pickLang(ctx);
  sendPage(ctx, 403, errorPage(lang, t(lang, 'csrf')));
}

/** The provider's logout confirmation (its own form, its own `xsrf` token) gets the same rule, in front of the provider. */
export function logoutConfirmGuard(router: Router, issuer: string): void {
  router.post('/session/end/confirm', async (ctx, next) => {
    if (isCrossSite(ctx, issuer)) return refuseCrossSite(ctx);
    await next();
  });
}
