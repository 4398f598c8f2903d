import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Koa from 'koa';

/** Where `vite build` puts the web console (issue 10); built by `npm install` (prepare) or `npm start`. */
export const CONSOLE_DIST = fileURLToPath(new URL('../console/dist/', import.meta.url));
export const CONSOLE_PATH = '/console';

/**
 * The console's policy, as strict as the sign-in pages': only its own scripts (bundled; no inline
 * script, no eval) and its own stylesheet — no inline styles (Vue and Element Plus set styles through
 * the CSSOM, which CSP does not govern; the browser suite fails on any CSP report), data: images of
 * the stylesheet, API and token calls to us only, no framing, no <base>, forms only to us.
 */
export const CONSOLE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

/**
 * Serves the console at /console: hashed files under /console/assets/ (cached for a year), and the
 * app's index.html for every other /console/* path (the SPA's routes, /console/callback included),
 * never cached. `/` leads to the console. Without a build, /console says how to make one (503).
 */
export function consoleRoutes(dist = CONSOLE_DIST): Koa.Middleware {
  let index: Buffer | undefined;
  const readIndex = () => (index ??= fs.existsSync(path.join(dist, 'index.html')) ? fs.readFileSync(path.join(dist, 'index.html')) : undefined);
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path === '/' || ctx.path === CONSOLE_PATH) {
      ctx.status = 302;
      ctx.redirect(`${CONSOLE_PATH}/`);
      return;
    }
    if (!ctx.path.startsWith(`${CONSOLE_PATH}/`)) return next();
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    const asset = /^\/console\/assets\/([A-Za-z0-9_.-]+)$/.exec(ctx.path)?.[1];
    if (asset) {
      const file = path.join(dist, 'assets', asset);
      const type = TYPES[path.extname(asset)];
      if (!type || !fs.existsSync(file)) {
        ctx.status = 404;
        ctx.type = 'text/plain';
        ctx.body = 'Not found';
        return;
      }
      ctx.type = type;
      ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
      ctx.body = fs.createReadStream(file);
      return;
    }
    const html = readIndex();
    ctx.set('Cache-Control', 'no-cache');
    if (!html) {
      ctx.status = 503;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = 'The web console is not built: run `npm run build:console` (or `npm install`).\n管理控制台尚未构建：请运行 npm run build:console。\n';
      return;
    }
    ctx.set('Content-Security-Policy', CONSOLE_POLICY);
    ctx.type = 'html';
    ctx.body = html;
  };
}
