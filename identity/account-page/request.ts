import type Koa from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import type { RequestMeta } from '../../directory/actor.ts';
import type { Self, SelfService } from '../../directory/self/self-service.ts';
import { requestMeta } from '../../platform/http/request.ts';
import { isDatabaseUnavailable } from '../../platform/db/unavailable.ts';
import { textProblem } from '../../platform/input-text.ts';
import { formFields } from '../form.ts';
import type { CsrfTokens } from '../interactions/csrf.ts';
import { isCrossSite } from '../interactions/cross-site.ts';
import { accountPage, type AccountEnv, type AccountExtras } from '../pages/account-page.ts';
import { pickLang, t, type Lang } from '../pages/i18n.ts';
import { sendPage } from '../pages/layout.ts';
import { errorPage } from '../pages/steps.ts';
import type { PayloadRepository } from '../store/payload-repository.ts';
import { ACCOUNT_PATH } from './client.ts';
import { startSignIn } from './sign-in-flow.ts';

export interface AccountPageDeps {
  provider: Provider;
  issuer: string;
  self: SelfService;
  csrf: CsrfTokens;
  payloads: Pick<PayloadRepository, 'slideSession'>;
  config: Config;
  logger: Logger;
}

/** One request to the own page, its person already known from the SSO session. */
export interface AccountRequest {
  self: Self;
  env: AccountEnv;
  meta: RequestMeta;
  field(name: string): string;
  secret(name: string): string;
  /** Renders the page with the person's current overview. */
  show(status: number, extras?: Partial<AccountExtras>): Promise<void>;
  /** Back to the page (303, so a reload never re-posts), with a notice of what was done. */
  done(what: string): void;
}

export type AccountHandler = (ctx: Koa.Context, req: AccountRequest, deps: AccountPageDeps) => Promise<void>;

/** The anti-forgery token of the own page's forms is bound to the SSO session (its uid), not to a page. */
const csrfSubject = (sessionUid: string) => `account:${sessionUid}`;
const formText = (value: unknown): string => (typeof value === 'string' && !textProblem(value) ? value : '');

/**
 * Wraps a handler of the own page. Who is there is the provider's SSO session — its cookie and its
 * stored row, with the same idle and absolute lifetime (an expired session is not found) — and a
 * live account behind it whose password was not reset meanwhile (R12, R20). Using the page counts
 * as activity (the idle window slides, never past the absolute lifetime). Without one, a GET starts
 * a proper sign-in and comes back; a POST goes back to the page (which does that). On POST the
 * anti-forgery token is checked first. Failures become HTML pages.
 */
export function accountRoute(deps: AccountPageDeps, handler: AccountHandler, policyHint: (lang: Lang) => string): Koa.Middleware {
  return async (ctx) => {
    const lang = pickLang(ctx);
    try {
      const session = await deps.provider.Session.get(ctx);
      const self = session.accountId ? await deps.self.whoIs(session.accountId) : null;
      if (!self) {
        if (ctx.method === 'GET') return startSignIn(ctx, deps.issuer, lang);
        ctx.status = 303;
        return ctx.redirect(`${ACCOUNT_PATH}?lang=${lang}`);
      }
      await deps.payloads.slideSession(session.uid, deps.config.session.idleSeconds, deps.config.session.maxSeconds);
      const body = formFields(ctx.request.body);
      if (ctx.method === 'POST' && (isCrossSite(ctx, deps.issuer) || !deps.csrf.verify(csrfSubject(session.uid), body.csrf))) {
        return sendPage(ctx, 403, errorPage(lang, t(lang, 'csrf')));
      }
      const env: AccountEnv = { lang, csrf: deps.csrf.issue(csrfSubject(session.uid)), accountId: self.accountId };
      const req: AccountRequest = {
        self,
        env,
        meta: requestMeta(ctx),
        field: (name) => formText(body[name]).trim(),
        secret: (name) => formText(body[name]),
        show: async (status, extras = {}) => {
          const overview = await deps.self.overview(self);
          sendPage(ctx, status, accountPage(env, overview, { policyHint: policyHint(lang), ...extras }));
        },
        done: (what) => {
          ctx.status = 303;
          ctx.redirect(`${ACCOUNT_PATH}?lang=${lang}&done=${what}`);
        },
      };
      await handler(ctx, req, deps);
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        // The database is away for a moment (restart, failover): nothing was done; say so, not "error" (issue 12 suite 6).
        ctx.set('Retry-After', '2');
        return sendPage(ctx, 503, errorPage(lang, t(lang, 'unavailable')));
      }
      deps.logger.error({ err, requestId: ctx.state.requestId }, 'own page failed');
      sendPage(ctx, 500, errorPage(lang, t(lang, 'genericError')));
    }
  };
}
