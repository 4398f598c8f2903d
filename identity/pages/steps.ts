import type { SignInAccount } from '../../directory/credentials/credential-service.ts';
import { maskPhone } from '../../directory/masking.ts';
import { html, type SafeHtml } from './html.ts';
import { t, type Lang, type MessageKey } from './i18n.ts';
import { errorBox, page } from './layout.ts';
import { qrSection, type QrSectionData } from './qr-section.ts';

/** What every interaction page needs: language, where forms post, the CSRF token. */
export interface PageEnv {
  lang: Lang;
  uid: string;
  csrf: string;
  clientName?: string | undefined;
  /** The sign-in methods this server offers (QR only with a card-app key, R22); all by default. */
  methods?: readonly SignInMethod[] | undefined;
}

const base = (env: PageEnv) => `/interaction/${env.uid}`;
export const action = (env: PageEnv, step: string) => `${base(env)}/${step}?lang=${env.lang}`;
export const csrfField = (env: PageEnv) => html`<input type="hidden" name="csrf" value="${env.csrf}">`;
export const frame = (env: PageEnv, title: MessageKey, body: SafeHtml, scripts: string[] = []) =>
  page(env.lang, t(env.lang, title), body, base(env), scripts);

export function cancelForm(env: PageEnv) {
  return html`<form method="post" action="${action(env, 'abort')}">${csrfField(env)}
<button type="submit" class="secondary">${t(env.lang, 'cancel')}</button></form>`;
}

/**
 * The sign-in methods, in the order of their tabs: each has its own section of the sign-in page
 * and its own POST route, all ending in the same `login` result (R19, R21, R22).
 */
export const SIGN_IN_METHODS = ['password', 'sms', 'qr'] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];
const METHOD_LABELS: Record<SignInMethod, MessageKey> = { password: 'methodPassword', sms: 'methodSms', qr: 'methodQr' };
/** Scripts a method's section loads (files of pages/assets/; the section works without them). */
const METHOD_SCRIPTS: Record<SignInMethod, string[]> = { password: [], sms: ['sms-countdown.js'], qr: ['qr-wait.js'] };

/** The method a `?method=` asks for; the first one otherwise. */
export const signInMethod = (asked: unknown): SignInMethod =>
  SIGN_IN_METHODS.find((m) => m === asked) ?? SIGN_IN_METHODS[0];

export interface SignInOpts {
  method?: SignInMethod | undefined;
  error?: string | undefined;
  username?: string | undefined;
  /** SMS (R21): the phone typed, and once a code was asked for, the code form and the resend countdown. */
  sms?: SmsSectionOpts | undefined;
  /** The QR tab's ticket and code (R22). */
  qr?: QrSectionData | undefined;
}

export interface SmsSectionOpts {
  phone?: string | undefined;
  /** Shows the code field (a code was sent, or may still be valid). */
  codeForm?: boolean | undefined;
  /** Just sent: says so, with the phone masked. */
  sent?: boolean | undefined;
  /** Seconds until another code may be asked for (the countdown). */
  resendAfterSeconds?: number | undefined;
}

/** Links between the methods (plain links: each tab is a page of its own, no script needed). */
function methodTabs(env: PageEnv, current: SignInMethod): SafeHtml | '' {
  const methods = env.methods ?? SIGN_IN_METHODS;
  if (methods.length < 2) return '';
  const tabs = methods.map((m) =>
    m === current
      ? html`<a class="tab current" aria-current="page" href="${base(env)}?lang=${env.lang}&amp;method=${m}">${t(env.lang, METHOD_LABELS[m])}</a>`
      : html`<a class="tab" href="${base(env)}?lang=${env.lang}&amp;method=${m}">${t(env.lang, METHOD_LABELS[m])}</a>`,
  );
  return html`<nav class="tabs" aria-label="${t(env.lang, 'methodsLabel')}">${tabs}</nav>`;
}

/** The sign-in page at one method's tab. */
export function signInPage(env: PageEnv, opts: SignInOpts): SafeHtml {
  const { lang } = env;
  const method = opts.method ?? SIGN_IN_METHODS[0];
  return frame(
    env,
    'signInTitle',
    html`${env.clientName ? html`<p class="hint">${t(lang, 'signingInTo')}${env.clientName}</p>` : ''}
${methodTabs(env, method)}${errorBox(opts.error)}
${methodSection(env, method, opts)}
${cancelForm(env)}
<p class="hint"><a href="/account?lang=${lang}">${t(lang, 'accountLink')}</a></p>`,
    method === 'qr' && !opts.qr ? [] : METHOD_SCRIPTS[method],
  );
}

function methodSection(env: PageEnv, method: SignInMethod, opts: SignInOpts): SafeHtml {
  switch (method) {
    case 'password':
      return passwordForm(env, opts);
    case 'sms':
      return smsForms(env, opts.sms ?? {});
    case 'qr':
      return opts.qr ? qrSection(env, opts.qr) : html``;
  }
}

/**
 * R21 — two plain forms: the phone and "send code" (posts to `/sms/send`), then, once a code was
 * sent, the code (posts to `/sms` with the phone carried along). The countdown until another code
 * may be asked for is written by the server; sms-countdown.js only makes it tick and holds the
 * send button until it reaches zero (without the script, an early click is refused with the
 * seconds left).
 */
function smsForms(env: PageEnv, sms: SmsSectionOpts): SafeHtml {
  const { lang } = env;
  const wait = sms.resendAfterSeconds ?? 0;
  const countdown =
    wait > 0
      ? html`<p class="hint" id="sms-countdown" aria-live="polite" data-seconds="${wait}"
 data-wait="${t(lang, 'smsResendIn', { seconds: '{seconds}' })}" data-ready="${t(lang, 'smsResendReady')}">${t(lang, 'smsResendIn', { seconds: wait })}</p>`
      : '';
  const sent = sms.sent && sms.phone ? html`<p class="hint" role="status">${t(lang, 'smsSent', { phone: maskPhone(sms.phone), minutes: 5 })}</p>` : '';
  const codeForm = sms.codeForm
    ? html`<form method="post" action="${action(env, 'sms')}" autocomplete="off">${csrfField(env)}
<input type="hidden" name="phone" value="${sms.phone ?? ''}">
<label for="code">${t(lang, 'smsCode')}</label>
<input type="text" id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" aria-describedby="code-hint" required autofocus>
<p class="hint" id="code-hint">${t(lang, 'smsCodeHint')}</p>
<button type="submit">${t(lang, 'smsSignIn')}</button></form>`
    : '';
  return html`<form method="post" action="${action(env, 'sms/send')}">${csrfField(env)}
<label for="phone">${t(lang, 'phone')}</label>
<input type="tel" id="phone" name="phone" value="${sms.phone ?? ''}" inputmode="tel" autocomplete="tel" maxlength="20" required${sms.codeForm ? '' : html` autofocus`}>
${sent}${countdown}
<button type="submit" id="sms-send" class="secondary">${t(lang, 'sendCode')}</button></form>
${codeForm}`;
}

function passwordForm(env: PageEnv, opts: SignInOpts): SafeHtml {
  const { lang } = env;
  return html`<form method="post" action="${action(env, 'password')}" autocomplete="on">${csrfField(env)}
<label for="username">${t(lang, 'username')}</label>
<input type="text" id="username" name="username" value="${opts.username ?? ''}" autocomplete="username" required autofocus>
<label for="password">${t(lang, 'password')}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">${t(lang, 'signIn')}</button></form>`;
}

export function changePasswordPage(env: PageEnv, opts: { error?: string | undefined; minLength: number; classes: boolean }): SafeHtml {
  const { lang } = env;
  const hint = t(lang, 'policyHint', { min: opts.minLength, classes: opts.classes ? t(lang, 'policyClasses') : '' });
  return frame(
    env,
    'changeTitle',
    html`<p class="hint">${t(lang, 'changeIntro')}</p>${errorBox(opts.error)}
<form method="post" action="${action(env, 'change-password')}">${csrfField(env)}
<label for="newPassword">${t(lang, 'newPassword')}</label>
<input type="password" id="newPassword" name="newPassword" autocomplete="new-password" required autofocus>
<label for="confirmPassword">${t(lang, 'confirmPassword')}</label>
<input type="password" id="confirmPassword" name="confirmPassword" autocomplete="new-password" required>
<p class="hint">${hint}</p>
<button type="submit">${t(lang, 'changeSubmit')}</button></form>
${cancelForm(env)}`,
  );
}

/** R9 — a person with several active accounts picks the one to act as. */
export function chooseAccountPage(env: PageEnv, opts: { accounts: SignInAccount[]; error?: string | undefined }): SafeHtml {
  const { lang } = env;
  const choices = opts.accounts.map(
    (a, i) => html`<label class="choice"><input type="radio" name="accountId" value="${a.id}"${i === 0 ? html` checked` : ''}>
${t(lang, `kind_${a.kind}`)} · ${a.unitName}</label>`,
  );
  return frame(
    env,
    'chooseTitle',
    html`<p>${t(lang, 'chooseIntro')}</p>${errorBox(opts.error)}
<form method="post" action="${action(env, 'account')}">${csrfField(env)}${choices}
<button type="submit">${t(lang, 'continue')}</button></form>
${cancelForm(env)}`,
  );
}

/** Consent for clients that are not Tongmen's own (first-party clients never see it). */
export function consentPage(env: PageEnv, opts: { scopes: string[]; resources: string[] }): SafeHtml {
  const { lang } = env;
  const items = [...opts.scopes, ...opts.resources].map((s) => html`<li>${s}</li>`);
  return frame(
    env,
    'consentTitle',
    html`<p>${t(lang, 'consentIntro', { client: env.clientName ?? '' })}</p><ul>${items}</ul>
<form method="post" action="${action(env, 'consent')}">${csrfField(env)}
<button type="submit" name="decision" value="allow">${t(lang, 'allow')}</button>
<button type="submit" name="decision" value="deny" class="secondary">${t(lang, 'deny')}</button></form>`,
  );
}

export function errorPage(lang: Lang, message: string): SafeHtml {
  return page(lang, t(lang, 'errorTitle'), html`<p class="error" role="alert">${message}</p>`);
}
