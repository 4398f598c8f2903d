import { bodyParser } from '@koa/bodyparser';
import type { Router } from '@koa/router';
import type { QrTicketService } from '../../directory/credentials/qr-ticket-service.ts';
import { errorBody, errorLanguage } from '../../platform/error-codes/language.ts';
import { badRequest, isAppError } from '../../platform/errors.ts';
import { requestMeta } from '../../platform/http/request.ts';
import { MAX_ASSERTION_LENGTH, TICKET_FORMAT } from '../../directory/credentials/essc/assertion.ts';

/** The assertion as the card app sends it: the compact JWS as the body (`application/jose`), or JSON `{assertion}`. */
function assertionOf(body: unknown): unknown {
  if (typeof body === 'string') return body.trim();
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return (body as Record<string, unknown>).assertion;
  return undefined;
}

/**
 * R22 — `POST /essc/confirm[?ticket=…]`: the callback the e-SSC card app posts its signed
 * confirmation of a QR ticket to (the QR code names this URL with its ticket). A thin route: the
 * directory's ticket service verifies, matches the person, audits; refusals are JSON errors with
 * their catalogued codes (the error responder), the success is `{ticket, status: "confirmed"}`.
 * Without a card-app key (production without ESSC_PUBLIC_KEY): 503 `essc.not_configured`.
 */
export function esscConfirmRoute(router: Router, qr: QrTicketService): void {
  const limit = `${2 * MAX_ASSERTION_LENGTH}b`;
  const body = bodyParser({ enableTypes: ['json', 'text'], jsonLimit: limit, textLimit: limit, extendTypes: { text: ['application/jose'] },
    onError: () => {
      throw badRequest('request.invalid', 'The body is not JSON nor a compact JWS');
    },
  });
  router.post('/essc/confirm', body, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const ticket = typeof ctx.query.ticket === 'string' ? ctx.query.ticket : undefined;
    if (ticket !== undefined && !TICKET_FORMAT.test(ticket)) throw badRequest('request.invalid', 'The ticket parameter is not a ticket id');
    try {
      ctx.body = await qr.confirm({ assertion: assertionOf(ctx.request.body), ticket, meta: requestMeta(ctx) });
    } catch (err) {
      // A 5xx the client must see by name (the error responder answers other 5xx as `internal`).
      if (!isAppError(err) || err.code !== 'essc.not_configured') throw err;
      ctx.status = 503;
      ctx.body = errorBody('essc.not_configured', errorLanguage(ctx.get('accept-language')));
    }
  });
}
