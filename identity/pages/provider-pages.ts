import type { KoaContextWithOIDC } from 'oidc-provider';
import { html, trusted } from './html.ts';
import { pickLang, t } from './i18n.ts';
import { page, sendPage } from './layout.ts';

/** oidc-provider's error page, in the user's language; the provider has set the status already. */
export async function renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): Promise<void> {
  const lang = pickLang(ctx);
  const status = ctx.status;
  const body = html`<p class="error" role="alert">${t(lang, 'genericError')}</p>
<p class="hint">${out.error}${out.error_description ? html`: ${out.error_description}` : ''}</p>`;
  sendPage(ctx, status, page(lang, t(lang, 'errorTitle'), body));
}

/**
 * RP-initiated logout confirmation (R24). `form` is the provider's own hidden form (with its
 * anti-forgery token); "all applications" ends the SSO session, the other only the asking app.
 */
export async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  const lang = pickLang(ctx);
  // Confirming redirects to the client's registered post-logout URI (checked by the provider).
  ctx.state.formTargets = [String(ctx.oidc.params?.post_logout_redirect_uri ?? '')];
  const body = html`${trusted(form)}<p>${t(lang, 'logoutQuestion')}</p>
<button type="submit" form="op.logoutForm" name="logout" value="yes">${t(lang, 'logoutAll')}</button>
<button type="submit" form="op.logoutForm" class="secondary">${t(lang, 'logoutOne')}</button>`;
  sendPage(ctx, 200, page(lang, t(lang, 'logoutTitle'), body));
}

export async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  const lang = pickLang(ctx);
  sendPage(ctx, 200, page(lang, t(lang, 'logoutTitle'), html`<p>${t(lang, 'loggedOut')}</p>`));
}
