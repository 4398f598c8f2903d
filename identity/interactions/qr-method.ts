import crypto from 'node:crypto';
import type Koa from 'koa';
import QRCode from 'qrcode';
import { errors } from 'oidc-provider';
import { TICKET_FORMAT } from '../../directory/credentials/essc/assertion.ts';
import { t } from '../pages/i18n.ts';
import { signInPage } from '../pages/steps.ts';
import { proceed, render, stepUrl, type InteractionDeps, type InteractionRequest, type StepHandler } from './request.ts';

/**
 * R22 — sign-in by scanning a QR code with the electronic social security card. The tickets' rules
 * are the directory's (`directory/credentials/qr-ticket-service.ts`); this step shows the code,
 * answers the waiting page's polls and completes the sign-in once the card app has confirmed.
 */

/**
 * The ticket's binding to this browser's sign-in: a hash of the interaction uid (which only the
 * browser holding the interaction cookie can use), so the tickets table never holds the uid itself.
 */
export const qrBinding = (uid: string) => crypto.createHash('sha256').update(`tongmen-qr-binding:${uid}`).digest('base64url');

/** RFC 8176: the person proved who they are on a second channel (the card app on their phone). */
const ESSC_AMR = ['mca'];

/** The QR tab with the browser's live ticket (a new one when it has none, or when `fresh`). */
export async function qrPage(
  ctx: Koa.Context,
  req: InteractionRequest,
  deps: InteractionDeps,
  opts: { status?: number; error?: string | undefined; fresh?: boolean } = {},
): Promise<void> {
  const { lang } = req.env;
  if (!deps.qr.enabled) return render(ctx, 404, signInPage(req.env, { error: t(lang, 'qrUnavailable') }));
  const binding = qrBinding(req.uid);
  const issued = opts.fresh ? await deps.qr.refresh(binding, req.meta) : await deps.qr.current(binding, req.meta);
  // The app opens this URL's confirmation endpoint; the ticket names the sign-in it confirms.
  const payload = `${deps.issuer}/essc/confirm?ticket=${issued.ticket}`;
  const svg = await QRCode.toString(payload, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, width: 200 });
  const qr = {
    ticket: issued.ticket,
    svg,
    expiresInSeconds: Math.max(0, Math.round((issued.expiresAt.getTime() - Date.now()) / 1000)),
    statusUrl: `/interaction/${req.uid}/qr/status?ticket=${issued.ticket}`,
    simulatorUrl: deps.esscSimulator ? `/dev/essc?ticket=${issued.ticket}&lang=${lang}` : undefined,
  };
  render(ctx, opts.status ?? 200, signInPage(req.env, { method: 'qr', qr, error: opts.error }));
}

/** POST /interaction/:uid/qr/refresh — a new QR code; the old one stops working. */
export const qrRefresh: StepHandler = async (ctx, req, deps) => {
  if (!deps.qr.enabled) return qrPage(ctx, req, deps);
  await deps.qr.refresh(qrBinding(req.uid), req.meta);
  ctx.redirect(`${stepUrl(req.uid, req.env.lang)}&method=qr`);
  ctx.status = 303;
};

/**
 * POST /interaction/:uid/qr — completes the sign-in with a confirmed ticket (the waiting script
 * submits it, or the person presses "continue"). Not yet confirmed: the same code again, saying so;
 * expired or replaced: a fresh code.
 */
export const qrSignIn: StepHandler = async (ctx, req, deps) => {
  const { lang } = req.env;
  if (!deps.qr.enabled) return qrPage(ctx, req, deps);
  const ticket = req.field('ticket');
  const result = await deps.qr.consume(qrBinding(req.uid), TICKET_FORMAT.test(ticket) ? ticket : '', req.meta);
  if (!result.ok) {
    switch (result.reason) {
      case 'pending':
        return qrPage(ctx, req, deps, { status: 409, error: t(lang, 'qrNotConfirmed') });
      case 'no_active_account':
        return render(ctx, 403, signInPage(req.env, { error: t(lang, 'qrNoAccount') }));
      default:
        return qrPage(ctx, req, deps, { status: 410, error: t(lang, 'qrRefreshed'), fresh: true });
    }
  }
  await proceed(ctx, req, deps, {
    auth: {
      method: 'essc',
      amr: ESSC_AMR,
      // R20: an initial or reset password is changed at the next sign-in, whatever its method (no token before).
      credentialId: result.credentialId,
      personId: result.personId,
      accounts: result.accounts,
      mustChange: result.mustChange,
    },
  });
};

/**
 * GET /interaction/:uid/qr/status?ticket= — what the waiting page polls: `{status}` of one of this
 * browser's tickets (`pending`, `confirmed`, `expired`, `invalid`). The provider checks the
 * interaction cookie, so no other browser learns anything about the ticket.
 */
export function qrStatus(deps: InteractionDeps): Koa.Middleware {
  return async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      const interaction = await deps.provider.interactionDetails(ctx.req, ctx.res);
      if (interaction.uid !== ctx.params?.uid) throw new errors.SessionNotFound('interaction mismatch');
      const ticket = typeof ctx.query.ticket === 'string' && TICKET_FORMAT.test(ctx.query.ticket) ? ctx.query.ticket : '';
      ctx.body = { status: deps.qr.enabled && ticket ? await deps.qr.status(qrBinding(interaction.uid), ticket) : 'invalid' };
    } catch (err) {
      if (!(err instanceof errors.SessionNotFound)) throw err;
      ctx.status = 404;
      ctx.body = { status: 'invalid' };
    }
  };
}
