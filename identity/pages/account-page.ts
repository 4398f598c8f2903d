import type { OwnOverview } from '../../directory/self/self-service.ts';
import { html, trusted, type SafeHtml } from './html.ts';
import { isMessageKey, t, type Lang, type MessageKey } from './i18n.ts';
import { errorBox, page } from './layout.ts';

/** What every form of the own page needs: language and the anti-forgery token bound to the session. */
export interface AccountEnv {
  lang: Lang;
  csrf: string;
  accountId: string;
}

/** Where a message goes: the section it is about, and whether it is good news. */
export type Notice = { section: 'password' | 'phone' | 'mfa' | 'top'; text: string; ok?: boolean };

/** The step a section is at when it needs more than its first form. */
export interface AccountExtras {
  notice?: Notice | undefined;
  /** The code to the new phone is sent: ask for it. */
  phoneSent?: string | undefined;
  enrolment?: { pending: string; qrSvg: string; secret: string } | undefined;
  recoveryCodes?: string[] | undefined;
  policyHint: string;
}

const action = (env: AccountEnv, path: string) => `/account/${path}?lang=${env.lang}`;
const csrfField = (env: AccountEnv) => html`<input type="hidden" name="csrf" value="${env.csrf}">`;
const label = (lang: Lang, key: string) => (isMessageKey(key) ? t(lang, key) : key);

/** Shanghai time, the way the people reading it keep time. */
export const localTime = (at: Date | string) =>
  new Date(at).toLocaleString('sv-SE', { timeZone: 'Asia/Shanghai' });

function noticeOf(x: AccountExtras, section: Notice['section']): SafeHtml | '' {
  const n = x.notice;
  if (!n || n.section !== section) return '';
  return n.ok ? html`<p class="ok" role="status">${n.text}</p>` : errorBox(n.text);
}

/** The person's own page (issue 7): accounts, recent sign-ins, and the actions that apply to them. */
export function accountPage(env: AccountEnv, o: OwnOverview, x: AccountExtras): SafeHtml {
  const { lang } = env;
  const me = o.accounts.find((a) => a.id === env.accountId);
  const body = html`${me ? html`<p class="hint">${t(lang, 'accountSignedInAs')}${t(lang, `kind_${me.kind}`)} · ${me.unitName}</p>` : ''}
${noticeOf(x, 'top')}
${accountsSection(lang, o)}
${signInsSection(lang, o)}
${passwordSection(env, x)}
${o.phoneChange ? phoneSection(env, o, x) : ''}
${o.secondFactor ? mfaSection(env, o.secondFactor, x) : ''}
${signOutSection(env)}`;
  return page(lang, t(lang, 'accountTitle'), body, '/account');
}

function accountsSection(lang: Lang, o: OwnOverview): SafeHtml {
  const rows = o.accounts.map(
    (a) => html`<tr><td>${a.unitName}</td><td>${t(lang, `kind_${a.kind}`)}${a.live ? '' : t(lang, 'accountEnded')}</td>
<td>${a.roles.join('、')}</td><td>${a.lastSignInAt ? html`${localTime(a.lastSignInAt)} · ${label(lang, `method_${a.lastSignInMethod}`)}` : t(lang, 'accountNever')}</td></tr>`,
  );
  return html`<section aria-labelledby="mine"><h3 id="mine">${t(lang, 'accountMine')}</h3>
<table class="accounts"><thead><tr><th>${t(lang, 'accountUnit')}</th><th>${t(lang, 'accountKind')}</th><th>${t(lang, 'accountRoles')}</th><th>${t(lang, 'accountLastSignIn')}</th></tr></thead>
<tbody>${rows}</tbody></table></section>`;
}

function signInsSection(lang: Lang, o: OwnOverview): SafeHtml {
  const rows = o.signIns.map(
    (e) => html`<tr><td>${localTime(e.at)}</td><td>${e.method ? label(lang, `method_${e.method}`) : ''}</td>
<td>${t(lang, e.result === 'success' ? 'result_success' : 'result_failure')}${e.reason ? html` (${label(lang, `reason_${e.reason}`)})` : ''}</td><td>${e.ip ?? ''}</td></tr>`,
  );
  return html`<section aria-labelledby="recent"><h3 id="recent">${t(lang, 'accountRecent')}</h3>
${rows.length
    ? html`<table class="sign-ins"><thead><tr><th>${t(lang, 'accountTime')}</th><th>${t(lang, 'accountMethod')}</th><th>${t(lang, 'accountResult')}</th><th>${t(lang, 'accountAddress')}</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<p class="hint">${t(lang, 'accountNoRecent')}</p>`}</section>`;
}

function passwordSection(env: AccountEnv, x: AccountExtras): SafeHtml {
  const { lang } = env;
  return html`<section aria-labelledby="pw"><h3 id="pw">${t(lang, 'accountPasswordTitle')}</h3>${noticeOf(x, 'password')}
<form method="post" action="${action(env, 'password')}">${csrfField(env)}
<label for="oldPassword">${t(lang, 'oldPassword')}</label>
<input type="password" id="oldPassword" name="oldPassword" autocomplete="current-password" required>
<label for="newPassword">${t(lang, 'newPassword')}</label>
<input type="password" id="newPassword" name="newPassword" autocomplete="new-password" required>
<label for="confirmPassword">${t(lang, 'confirmPassword')}</label>
<input type="password" id="confirmPassword" name="confirmPassword" autocomplete="new-password" required>
<p class="hint">${x.policyHint}</p>
<button type="submit">${t(lang, 'accountPasswordSubmit')}</button></form></section>`;
}

function phoneSection(env: AccountEnv, o: OwnOverview, x: AccountExtras): SafeHtml {
  const { lang } = env;
  const confirm = x.phoneSent
    ? html`<form method="post" action="${action(env, 'phone/confirm')}">${csrfField(env)}
<input type="hidden" name="phone" value="${x.phoneSent}">
<label for="code">${t(lang, 'accountCode')}</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required>
<button type="submit">${t(lang, 'accountPhoneSubmit')}</button></form>`
    : '';
  return html`<section aria-labelledby="phone"><h3 id="phone">${t(lang, 'accountPhoneTitle')}</h3>
<p class="hint">${t(lang, 'accountPhoneCurrent')}${o.phoneMasked ?? ''}</p>${noticeOf(x, 'phone')}${confirm}
<form method="post" action="${action(env, 'phone')}">${csrfField(env)}
<label for="newPhone">${t(lang, 'accountNewPhone')}</label>
<input type="text" id="newPhone" name="phone" inputmode="tel" autocomplete="tel" value="${x.phoneSent ?? ''}" required>
<button type="submit" class="secondary">${t(lang, 'accountSendCode')}</button></form></section>`;
}

function mfaSection(env: AccountEnv, status: { totp: boolean; recoveryCodesLeft: number }, x: AccountExtras): SafeHtml {
  const { lang } = env;
  const codes = x.recoveryCodes?.length
    ? html`<p>${t(lang, 'accountMfaRecovery')}</p><ul class="codes">${x.recoveryCodes.map((c) => html`<li><code>${c}</code></li>`)}</ul>`
    : '';
  const enrolment = x.enrolment
    ? html`<p>${t(lang, 'accountMfaScan')}</p><div class="qr">${trusted(x.enrolment.qrSvg)}</div><p><code>${x.enrolment.secret}</code></p>
<form method="post" action="${action(env, 'totp/confirm')}">${csrfField(env)}
<input type="hidden" name="pending" value="${x.enrolment.pending}">
<label for="otp">${t(lang, 'accountOtp')}</label>
<input type="text" id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required>
<button type="submit">${t(lang, 'accountMfaConfirm')}</button></form>`
    : '';
  const toggle = status.totp
    ? html`<form method="post" action="${action(env, 'totp/remove')}">${csrfField(env)}
<label for="remove-otp">${t(lang, 'accountMfaRemoveCode')}</label>
<input type="text" id="remove-otp" name="otp" autocomplete="one-time-code" maxlength="20" required>
<button type="submit" class="secondary">${t(lang, 'accountMfaRemove')}</button></form>`
    : x.enrolment
      ? ''
      : html`<form method="post" action="${action(env, 'totp')}">${csrfField(env)}<button type="submit">${t(lang, 'accountMfaEnrol')}</button></form>`;
  const state = status.totp ? t(lang, 'accountMfaOn', { left: status.recoveryCodesLeft }) : t(lang, 'accountMfaOff');
  return html`<section aria-labelledby="mfa"><h3 id="mfa">${t(lang, 'accountMfaTitle')}</h3>${noticeOf(x, 'mfa')}
<p class="hint">${state}</p>${codes}${enrolment}${toggle}</section>`;
}

function signOutSection(env: AccountEnv): SafeHtml {
  const { lang } = env;
  return html`<section aria-labelledby="out"><h3 id="out">${t(lang, 'accountSignOutTitle')}</h3>
<p class="hint">${t(lang, 'accountSignOutIntro')}</p>
<form method="post" action="${action(env, 'sign-out-everywhere')}">${csrfField(env)}
<button type="submit" class="secondary">${t(lang, 'accountSignOutSubmit')}</button></form></section>`;
}

/** A page of the own page's flow that is not the page itself (cancelled or failed sign-in). */
export function accountMessagePage(lang: Lang, message: MessageKey): SafeHtml {
  return page(lang, t(lang, 'accountTitle'), html`${errorBox(t(lang, message))}<p><a href="/account?lang=${lang}">${t(lang, 'accountAgain')}</a></p>`);
}
