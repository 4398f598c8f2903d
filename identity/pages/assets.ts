import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Router } from '@koa/router';

/**
 * The sign-in pages' few scripts (a send-code countdown, a QR ticket's waiting), served from
 * `/assets/<name>.js` — never inline, so the pages' policy allows `script-src 'self'` and nothing
 * else. Read once at start; the URL carries the content's hash, so a new version is never
 * served from a stale cache and the old URL keeps answering for pages already open.
 */
const DIR = new URL('./assets/', import.meta.url);

interface Asset {
  body: Buffer;
  version: string;
}

const ASSETS: ReadonlyMap<string, Asset> = new Map(
  (fs.existsSync(DIR) ? fs.readdirSync(DIR) : [])
    .filter((name) => /^[a-z][a-z0-9-]*\.js$/.test(name))
    .map((name) => {
      const body = fs.readFileSync(new URL(name, DIR));
      return [name, { body, version: crypto.createHash('sha256').update(body).digest('base64url').slice(0, 16) }];
    }),
);

/** The URL of a script of `identity/pages/assets/` (throws for a name that is not there: a programming error). */
export function scriptUrl(name: string): string {
  const asset = ASSETS.get(name);
  if (!asset) throw new Error(`no sign-in page script named ${name}`);
  return `/assets/${name}?v=${asset.version}`;
}

export function assetRoutes(router: Router): void {
  router.get('/assets/:name', (ctx) => {
    const asset = ASSETS.get(ctx.params.name ?? '');
    if (!asset) {
      ctx.status = 404;
      return;
    }
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.set('Cache-Control', ctx.query.v === asset.version ? 'public, max-age=31536000, immutable' : 'no-cache');
    ctx.body = asset.body;
  });
}
