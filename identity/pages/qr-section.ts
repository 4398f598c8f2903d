import { html, trusted, type SafeHtml } from './html.ts';
import { t, type Lang } from './i18n.ts';

/** What the QR tab shows: the ticket, its QR code (inline SVG made by the server), its remaining life. */
export interface QrSectionData {
  ticket: string;
  /** `<svg>` markup from the qrcode package (our own output, never user input). */
  svg: string;
  expiresInSeconds: number;
  /** Where the waiting page polls the ticket's state. */
  statusUrl: string;
  /** Outside production: a link to the card-app simulator with this ticket filled in. */
  simulatorUrl?: string | undefined;
}

/**
 * R22 — the QR tab of the sign-in page. The QR code is inline SVG (the policy allows no images);
 * the ticket id is in `data-ticket` (SPEC §5). `qr-wait.js` counts down, polls `statusUrl` and, once
 * the card app has confirmed, submits the "continue" form itself; without scripts the person
 * presses it. Both forms carry the CSRF token.
 */
export function qrSection(env: { lang: Lang; uid: string; csrf: string }, qr: QrSectionData): SafeHtml {
  const { lang } = env;
  const action = (step: string) => `/interaction/${env.uid}/${step}?lang=${lang}`;
  const csrf = html`<input type="hidden" name="csrf" value="${env.csrf}">`;
  return html`<section id="qr-signin" data-ticket="${qr.ticket}" data-status-url="${qr.statusUrl}" data-expires-in="${qr.expiresInSeconds}"
 data-msg-countdown="${t(lang, 'qrCountdown', { seconds: '{seconds}' })}" data-msg-confirmed="${t(lang, 'qrConfirmed')}" data-msg-expired="${t(lang, 'qrExpired')}">
<p>${t(lang, 'qrIntro')}</p>
<div class="qr-code" role="img" aria-label="${t(lang, 'qrImageLabel')}" style="text-align:center">${trusted(qr.svg)}</div>
<p class="hint" id="qr-countdown">${t(lang, 'qrValidFor')}</p>
<p id="qr-status" role="status" aria-live="polite">${t(lang, 'qrWaiting')}</p>
<form method="post" action="${action('qr')}" id="qr-complete">${csrf}<input type="hidden" name="ticket" value="${qr.ticket}">
<button type="submit">${t(lang, 'qrContinue')}</button></form>
<form method="post" action="${action('qr/refresh')}">${csrf}
<button type="submit" class="secondary">${t(lang, 'qrRefresh')}</button></form>
<p class="hint">${t(lang, 'qrTicket')}: <code>${qr.ticket}</code>${qr.simulatorUrl ? html` · <a href="${qr.simulatorUrl}">${t(lang, 'qrSimulator')}</a>` : ''}</p>
</section>`;
}
