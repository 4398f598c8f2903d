import type Koa from 'koa';
import { errors, type Interaction, type Provider } from 'oidc-provider';
import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import type { RequestMeta } from '../../directory/actor.ts';
import type { CredentialService } from '../../directory/credentials/credential-service.ts';
import type { SignInRecorder } from '../../directory/self/sign-in-recorder.ts';
import type { SmsCodeService } from '../../directory/credentials/sms-code-service.ts';
import type { SecondFactorService } from '../../directory/credentials/second-factor-service.ts';
import type { QrTicketService } from '../../directory/credentials/qr-ticket-service.ts';
import { requestMeta } from '../../platform/http/request.ts';
import { isDatabaseUnavailable } from '../../platform/db/unavailable.ts';
import { formFields } from '../form.ts';
import { textProblem } from '../../platform/input-text.ts';
import type { SafeHtml } from '../pages/html.ts';
import { pickLang, t, type Lang } from '../pages/i18n.ts';
import { sendPage } from '../pages/layout.ts';
import { errorPage, SIGN_IN_METHODS, type PageEnv } from '../pages/steps.ts';
import type { CsrfTokens } from './csrf.ts';
import { isCrossSite } from './cross-site.ts';
import type { SignInState, SignInStateStore } from './state.ts';
import type { SecondFactorSms } from './second-factor-sms.ts';
import { nextStep, type Step } from './step-machine.ts';

export interface InteractionDeps {
  provider: Provider;
  credentials: CredentialService;
  smsCodes: SmsCodeService;
  /** R23 — the second factor's rules (directory). */
  secondFactors: SecondFactorService;
  /** R23 — an SMS code as the alternative second factor; absent until an SMS service is wired. */
  secondFactorSms?: SecondFactorSms | undefined;
  /** R22 — QR sign-in tickets (off without a card-app key). */
  qr: QrTicketService;
  /** The issuer URL: the QR code names its confirmation endpoint. */
  issuer: string;
  /** Outside production with the development key: the QR tab links to the card-app simulator. */
  esscSimulator: boolean;
  store: SignInStateStore;
  csrf: CsrfTokens;
  config: Config;
  logger: Logger;
  signIns: Pick<SignInRecorder, 'record'>;
}

/** One request to an interaction page, with everything its handler needs already loaded. */
export interface InteractionRequest {
  uid: string;
  interaction: Interaction;
  state: SignInState;
  env: PageEnv;
  meta: RequestMeta;
  /** A form field (POST only), trimmed; '' when absent or not well-formed text. */
  field(name: string): string;
  /** A form field exactly as typed (passwords: spaces count); '' when absent or not well-formed text. */
  secret(name: string): string;
}

export type StepHandler = (ctx: Koa.Context, req: InteractionRequest, deps: InteractionDeps) => Promise<void>;

/**
 * Wraps a step handler: loads the interaction (the provider checks its cookie), the step state
 * and the language; on POST refuses another site's post and checks the anti-forgery token. Failures become HTML pages, never JSON:
 * an expired or foreign interaction says so (400), anything unexpected is logged (500).
 */
export function interactionPage(deps: InteractionDeps, handler: StepHandler, prompt?: 'login' | 'consent'): Koa.Middleware {
  return async (ctx) => {
    const lang = pickLang(ctx);
    try {
      const interaction = await deps.provider.interactionDetails(ctx.req, ctx.res);
      const uid = interaction.uid;
      if (uid !== ctx.params?.uid) throw new errors.SessionNotFound('interaction mismatch');
      // The provider validated redirect_uri against the client when the interaction began.
      ctx.state.formTargets = [String(interaction.params.redirect_uri ?? '')];
      const body = formFields(ctx.request.body);
      const clientId = interaction.params.client_id;
      const client = typeof clientId === 'string' ? await deps.provider.Client.find(clientId) : undefined;
      const req: InteractionRequest = {
        uid,
        interaction,
        state: await deps.store.load(uid),
        env: {
          lang,
          uid,
          csrf: deps.csrf.issue(uid),
          clientName: client?.clientName ?? client?.clientId,
          methods: SIGN_IN_METHODS.filter((m) => m !== 'qr' || deps.qr.enabled),
        },
        meta: requestMeta(ctx),
        field: (name) => formText(body[name]).trim(),
        secret: (name) => formText(body[name]),
      };
      if (ctx.method === 'POST' && (isCrossSite(ctx, deps.issuer) || !deps.csrf.verify(uid, body.csrf))) {
        return sendPage(ctx, 403, errorPage(lang, t(lang, 'csrf')));
      }
      if (prompt && interaction.prompt.name !== prompt) {
        // A form of another step (e.g. a stale tab): show the step the interaction is really at.
        ctx.redirect(stepUrl(uid, lang));
        ctx.status = 303;
        return;
      }
      await handler(ctx, req, deps);
    } catch (err) {
      // A step may have handed the response to the provider (`ctx.respond = false`) before the
      // provider failed — e.g. the interaction expired or was resumed by a parallel request between
      // loading and finishing it. Koa must answer again, or the request hangs until the socket times out.
      if (ctx.res.headersSent) {
        deps.logger.error({ err, requestId: ctx.state.requestId }, 'sign-in page failed after answering');
        return;
      }
      ctx.respond = true;
      if (err instanceof errors.SessionNotFound) return sendPage(ctx, 400, errorPage(lang, t(lang, 'expired')));
      if (isDatabaseUnavailable(err)) {
        // The database is away for a moment (restart, failover): nothing was done; say so, not "error" (issue 12 suite 6).
        ctx.set('Retry-After', '2');
        return sendPage(ctx, 503, errorPage(lang, t(lang, 'unavailable')));
      }
      deps.logger.error({ err, requestId: ctx.state.requestId }, 'sign-in page failed');
      sendPage(ctx, 500, errorPage(lang, t(lang, 'genericError')));
    }
  };
}

/**
 * A posted field as text. Text breaking the edge's rule (a NUL character, a lone surrogate:
 * platform/input-text.ts) is never passed on — not to the lockout, the audit trail or a password
 * hash — but read as absent, so each step refuses it as it refuses an empty field (a 400 page).
 */
const formText = (value: unknown): string => (typeof value === 'string' && !textProblem(value) ? value : '');

export const render = (ctx: Koa.Context, status: number, content: SafeHtml) => sendPage(ctx, status, content);

export const stepUrl = (uid: string, lang: Lang) => `/interaction/${uid}?lang=${lang}`;

/**
 * Stores the new step state and moves on: to the next page (303, so a reload never re-posts), or,
 * when nothing is left, ends the interaction with the `login` result — the provider then creates
 * the session and returns to the client.
 */
export async function proceed(ctx: Koa.Context, req: InteractionRequest, deps: InteractionDeps, state: SignInState) {
  const step = await stepOf(state, deps);
  if (step.name !== 'done') {
    await deps.store.save(req.uid, state, req.interaction.exp);
    ctx.redirect(stepUrl(req.uid, req.env.lang));
    ctx.status = 303;
    return;
  }
  await deps.store.remove(req.uid);
  // The account's last sign-in and its audit event (issue 7), once everything the sign-in asks is done.
  if (state.auth) await deps.signIns.record({ accountId: step.accountId, method: state.auth.method, amr: step.amr, meta: req.meta });
  ctx.respond = false; // the provider writes the redirect itself
  await deps.provider.interactionFinished(
    ctx.req,
    ctx.res,
    { login: { accountId: step.accountId, amr: step.amr } },
    { mergeWithLastSubmission: false },
  );
}

/**
 * The step machine's answer for this state: the enrolment status is read only when the policy
 * asks the chosen account for a second factor (R23).
 */
export async function stepOf(state: SignInState, deps: Pick<InteractionDeps, 'config' | 'secondFactors'>): Promise<Step> {
  const policy = { adminMfa: deps.config.adminMfa, totpEnrolled: false };
  const step = nextStep(state, policy);
  if (step.name !== 'enrol-second-factor' || !step.personId) return step;
  return nextStep(state, { ...policy, totpEnrolled: (await deps.secondFactors.status(step.personId)).totp });
}

/** Ends the interaction with an OAuth error for the client (cancel, refused consent). */
export async function refuse(ctx: Koa.Context, req: InteractionRequest, deps: InteractionDeps, description: string) {
  await deps.store.remove(req.uid);
  ctx.respond = false;
  await deps.provider.interactionFinished(
    ctx.req,
    ctx.res,
    { error: 'access_denied', error_description: description },
    { mergeWithLastSubmission: false },
  );
}
