import type Koa from 'koa';
import { scriptUrl } from './assets.ts';
import { html, SafeHtml, trusted } from './html.ts';
import { t, type Lang } from './i18n.ts';

const STYLE = `body{font-family:"PingFang SC","Microsoft YaHei",system-ui,sans-serif;background:#f3f5f8;margin:0;color:#1f2933}
main{max-width:380px;margin:48px auto;background:#fff;padding:28px 32px;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;font-weight:400;color:#52606d;margin:0 0 20px}
label{display:block;margin:14px 0 6px;font-size:14px}input[type=text],input[type=password],input[type=tel]{width:100%;box-sizing:border-box;padding:9px;font-size:15px;border:1px solid #cbd2d9;border-radius:4px}
button{margin-top:18px;width:100%;padding:10px;font-size:15px;border:0;border-radius:4px;background:#1d4ed8;color:#fff;cursor:pointer}
button.secondary{background:#e4e7eb;color:#1f2933}button:disabled{opacity:.6;cursor:default}.error{background:#fde8e8;color:#9b1c1c;padding:10px;border-radius:4px;font-size:14px}
.hint{font-size:12px;color:#616e7c}.choice{display:block;border:1px solid #cbd2d9;border-radius:4px;padding:10px;margin:8px 0}
.tabs{display:flex;gap:4px;border-bottom:1px solid #cbd2d9;margin:0 0 12px}.tab{flex:1;text-align:center;padding:8px 4px;font-size:14px;color:#52606d;text-decoration:none}
.qr{margin:12px auto;max-width:220px}.recovery-codes code,#totp-secret{font-size:15px;letter-spacing:1px}
.tab.current{color:#1d4ed8;border-bottom:2px solid #1d4ed8;font-weight:600}
footer{text-align:center;font-size:12px;margin-top:16px}footer a{color:#52606d}
h3{font-size:15px;margin:24px 0 8px}table{width:100%;border-collapse:collapse;font-size:13px}th,td{text-align:left;padding:4px;border-bottom:1px solid #e4e7eb;vertical-align:top}
main:has(table){max-width:720px}.ok{background:#e3f9e5;color:#05400a;padding:10px;border-radius:4px;font-size:14px}.qr svg{width:200px;height:200px}`;

/** A whole page; `scripts` says whether it loads scripts of ours (then its policy allows `script-src 'self'`). */
export class PageHtml extends SafeHtml {
  constructor(
    value: string,
    readonly scripts: boolean,
  ) {
    super(value);
  }
}

/**
 * The page frame: no inline script (the CSP forbids it), no framing, never cached. A link
 * switches between Chinese and English. `scripts` names files of `pages/assets/` the page loads
 * (deferred; every page works without them, a script only saves a click or a reload).
 */
export function page(lang: Lang, title: string, body: SafeHtml, switchHref?: string, scripts: string[] = []): PageHtml {
  const other = lang === 'zh' ? { code: 'en', label: 'English' } : { code: 'zh', label: '中文' };
  const tags = scripts.map((name) => html`<script src="${scriptUrl(name)}" defer></script>`);
  const out = html`<!DOCTYPE html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · ${t(lang, 'appName')}</title>
<style>${trusted(STYLE)}</style>${tags}</head>
<body><main><h1>${t(lang, 'appName')}</h1><h2>${title}</h2>${body}</main>
${switchHref ? html`<footer><a href="${switchHref}?lang=${other.code}">${other.label}</a></footer>` : ''}
</body></html>`;
  return new PageHtml(out.value, scripts.length > 0);
}

declare module 'koa' {
  interface DefaultState {
    /**
     * Origins a page's forms may end up at besides our own: the client this sign-in or logout
     * returns to (a form post answered with redirects to it is a form navigation to it, and
     * Chromium checks `form-action` on every redirect of the chain).
     */
    formTargets?: string[];
  }
}

/** The origin of an absolute http(s) URL, quoted for a CSP source list; undefined otherwise. */
export function cspOrigin(url: unknown): string | undefined {
  const u = typeof url === 'string' ? URL.parse(url) : null;
  return u && (u.protocol === 'https:' || u.protocol === 'http:') ? u.origin : undefined;
}

/**
 * The pages' policy: no inline scripts (our own files when a page loads some), inline styles only, no framing, no <base>, and forms that post
 * only to us — or, through our redirects, to the client the flow returns to (issue 5 item 6).
 */
export function pagePolicy(formTargets: string[] = [], scripts = "'none'"): string {
  const targets = [...new Set(formTargets.map(cspOrigin).filter((o): o is string => Boolean(o)))];
  // A page's own scripts may call back home (a QR ticket's status), nowhere else.
  const script = scripts === "'none'" ? '' : `script-src ${scripts}; connect-src 'self'; `;
  return `default-src 'none'; ${script}style-src 'unsafe-inline'; form-action 'self'${targets.map((t) => ` ${t}`).join('')}; frame-ancestors 'none'; base-uri 'none'`;
}

/**
 * The same policy on the provider's own HTML — its auto-submitting `form_post` pages (a logout
 * without a session, `response_mode=form_post`), which we do not render: set before the provider
 * runs (it adds the hash of its one inline script to `script-src`, and nosniff keeps any other
 * answer of ours from running as a script), then given the form's target once the provider has
 * validated it against the client (`redirect_uri`, `post_logout_redirect_uri`).
 */
export function providerPagePolicy(): Koa.Middleware {
  const initial = pagePolicy([], "'self'");
  return async (ctx, next) => {
    ctx.set('Content-Security-Policy', initial);
    await next();
    const csp = ctx.response.get('Content-Security-Policy');
    // Our pages (sendPage) replaced this policy with their own, which has no script-src.
    if (!ctx.response.is('html') || typeof csp !== 'string' || !/(^|;)\s*script-src 'self'/.test(csp)) return;
    const params = (ctx as { oidc?: { params?: Record<string, unknown> } }).oidc?.params;
    const targets = [params?.redirect_uri, params?.post_logout_redirect_uri].map(cspOrigin).filter(Boolean);
    if (targets.length) ctx.set('Content-Security-Policy', csp.replace(/form-action 'self'/, `form-action 'self' ${targets.join(' ')}`));
  };
}

/** Sends a page with the headers every sign-in page carries. */
export function sendPage(ctx: Koa.Context, status: number, content: SafeHtml): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  const scripts = content instanceof PageHtml && content.scripts ? "'self'" : "'none'";
  ctx.set('Content-Security-Policy', pagePolicy(ctx.state?.formTargets, scripts));
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.body = content.value;
}

export const errorBox = (message: string | undefined) => (message ? html`<p class="error" role="alert">${message}</p>` : '');
