import type Koa from 'koa';
import { html, trusted, type SafeHtml } from './html.ts';
import { t, type Lang } from './i18n.ts';

const STYLE = `body{font-family:"PingFang SC","Microsoft YaHei",system-ui,sans-serif;background:#f3f5f8;margin:0;color:#1f2933}
main{max-width:380px;margin:48px auto;background:#fff;padding:28px 32px;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;font-weight:400;color:#52606d;margin:0 0 20px}
label{display:block;margin:14px 0 6px;font-size:14px}input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:9px;font-size:15px;border:1px solid #cbd2d9;border-radius:4px}
button{margin-top:18px;width:100%;padding:10px;font-size:15px;border:0;border-radius:4px;background:#1d4ed8;color:#fff;cursor:pointer}
button.secondary{background:#e4e7eb;color:#1f2933}.error{background:#fde8e8;color:#9b1c1c;padding:10px;border-radius:4px;font-size:14px}
.hint{font-size:12px;color:#616e7c}.choice{display:block;border:1px solid #cbd2d9;border-radius:4px;padding:10px;margin:8px 0}
footer{text-align:center;font-size:12px;margin-top:16px}footer a{color:#52606d}`;

/**
 * The page frame: no scripts at all (the CSP forbids them), no framing, never cached. A link
 * switches between Chinese and English.
 */
export function page(lang: Lang, title: string, body: SafeHtml, switchHref?: string): SafeHtml {
  const other = lang === 'zh' ? { code: 'en', label: 'English' } : { code: 'zh', label: '中文' };
  return html`<!DOCTYPE html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · ${t(lang, 'appName')}</title>
<style>${trusted(STYLE)}</style></head>
<body><main><h1>${t(lang, 'appName')}</h1><h2>${title}</h2>${body}</main>
${switchHref ? html`<footer><a href="${switchHref}?lang=${other.code}">${other.label}</a></footer>` : ''}
</body></html>`;
}

/** Sends a page with the headers every sign-in page carries. */
export function sendPage(ctx: Koa.Context, status: number, content: SafeHtml): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'");
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.body = content.value;
}

export const errorBox = (message: string | undefined) => (message ? html`<p class="error" role="alert">${message}</p>` : '');
