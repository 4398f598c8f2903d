import { html, trusted, type SafeHtml } from './html.ts';
import { t } from './i18n.ts';
import { errorBox } from './layout.ts';
import { action, cancelForm, csrfField, frame, type PageEnv } from './steps.ts';

/**
 * R23 — the second-factor pages of the sign-in (SPEC §5: the code field is `otp`). No script: every
 * form posts, the QR code is an SVG rendered on the server.
 */
export interface SecondFactorOpts {
  error?: string | undefined;
  /** Offer an SMS code instead (only when an SMS service is wired and the first factor was not SMS). */
  sms: boolean;
  /** Set once a code was sent: the masked phone it went to. */
  smsSentTo?: string | undefined;
}

export function secondFactorPage(env: PageEnv, opts: SecondFactorOpts): SafeHtml {
  const { lang } = env;
  return frame(
    env,
    'mfaTitle',
    html`<p class="hint">${t(lang, 'mfaIntro')}</p>${errorBox(opts.error)}
<form method="post" action="${action(env, 'second-factor')}">${csrfField(env)}
<label for="otp">${t(lang, 'otp')}</label>
<input type="text" id="otp" name="otp" inputmode="text" autocomplete="one-time-code" maxlength="32" required autofocus>
<button type="submit">${t(lang, 'mfaVerify')}</button></form>
${opts.sms ? smsAlternative(env, opts) : ''}
${cancelForm(env)}`,
  );
}

function smsAlternative(env: PageEnv, opts: SecondFactorOpts): SafeHtml {
  const { lang } = env;
  const send = html`<form method="post" action="${action(env, 'second-factor/sms/send')}">${csrfField(env)}
<button type="submit" class="secondary">${t(lang, 'mfaSmsSend')}</button></form>`;
  if (!opts.smsSentTo) return html`<p class="hint">${t(lang, 'mfaSmsOffer')}</p>${send}`;
  return html`<p class="hint" role="status">${t(lang, 'mfaSmsSent', { phone: opts.smsSentTo })}</p>
<form method="post" action="${action(env, 'second-factor/sms')}">${csrfField(env)}
<label for="smsCode">${t(lang, 'smsCode')}</label>
<input type="text" id="smsCode" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required>
<button type="submit" class="secondary">${t(lang, 'mfaSmsVerify')}</button></form>`;
}

export function enrolSecondFactorPage(env: PageEnv, opts: { qrSvg: string; secret: string; error?: string | undefined; sms: boolean; smsSentTo?: string | undefined }): SafeHtml {
  const { lang } = env;
  // The secret is grouped by four for reading; apps ignore the spaces.
  const grouped = opts.secret.replace(/(.{4})/g, '$1 ').trim();
  return frame(
    env,
    'enrolTitle',
    html`<p class="hint">${t(lang, 'enrolIntro')}</p>${errorBox(opts.error)}
<figure class="qr" role="img" aria-label="${t(lang, 'enrolQrLabel')}">${trusted(opts.qrSvg)}</figure>
<p class="hint">${t(lang, 'enrolManual')}</p>
<p><code id="totp-secret">${grouped}</code></p>
<form method="post" action="${action(env, 'second-factor/enrol')}">${csrfField(env)}
<label for="otp">${t(lang, 'enrolCode')}</label>
<input type="text" id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="8" required autofocus>
<button type="submit">${t(lang, 'enrolConfirm')}</button></form>
${opts.sms ? smsAlternative(env, opts) : ''}
${cancelForm(env)}`,
  );
}

/** The recovery codes, shown once in the answer to the confirming POST (never stored in plain). */
export function recoveryCodesPage(env: PageEnv, codes: string[]): SafeHtml {
  const { lang } = env;
  const items = codes.map((c) => html`<li><code>${c}</code></li>`);
  return frame(
    env,
    'codesTitle',
    html`<p>${t(lang, 'codesIntro')}</p>
<ol class="recovery-codes" aria-label="${t(lang, 'codesListLabel')}">${items}</ol>
<form method="post" action="${action(env, 'second-factor/continue')}">${csrfField(env)}
<button type="submit">${t(lang, 'codesContinue')}</button></form>`,
  );
}
