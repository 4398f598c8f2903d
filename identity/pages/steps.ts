import type { SignInAccount } from '../../directory/credentials/credential-service.ts';
import { html, type SafeHtml } from './html.ts';
import { t, type Lang, type MessageKey } from './i18n.ts';
import { errorBox, page } from './layout.ts';

/** What every interaction page needs: language, where forms post, the CSRF token. */
export interface PageEnv {
  lang: Lang;
  uid: string;
  csrf: string;
  clientName?: string | undefined;
}

const base = (env: PageEnv) => `/interaction/${env.uid}`;
const action = (env: PageEnv, step: string) => `${base(env)}/${step}?lang=${env.lang}`;
const csrfField = (env: PageEnv) => html`<input type="hidden" name="csrf" value="${env.csrf}">`;
const frame = (env: PageEnv, title: MessageKey, body: SafeHtml) => page(env.lang, t(env.lang, title), body, base(env));

function cancelForm(env: PageEnv) {
  return html`<form method="post" action="${action(env, 'abort')}">${csrfField(env)}
<button type="submit" class="secondary">${t(env.lang, 'cancel')}</button></form>`;
}

/**
 * The sign-in page: one form per sign-in method. Only the password exists now; SMS and QR
 * (R21, R22) add their own sections and POST routes, all ending in the same `login` result.
 */
export function signInPage(env: PageEnv, opts: { error?: string | undefined; username?: string | undefined }): SafeHtml {
  const { lang } = env;
  return frame(
    env,
    'signInTitle',
    html`${env.clientName ? html`<p class="hint">${t(lang, 'signingInTo')}${env.clientName}</p>` : ''}
${errorBox(opts.error)}
<form method="post" action="${action(env, 'password')}" autocomplete="on">${csrfField(env)}
<label for="username">${t(lang, 'username')}</label>
<input type="text" id="username" name="username" value="${opts.username ?? ''}" autocomplete="username" required autofocus>
<label for="password">${t(lang, 'password')}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">${t(lang, 'signIn')}</button></form>
${cancelForm(env)}`,
  );
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
