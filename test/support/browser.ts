import { afterAll } from 'vitest';
import { request, type APIRequestContext, type APIResponse, type Page } from 'playwright-core';
import { CHROMIUM_PATH, launchChromium } from './chromium.ts';

/**
 * A form-following user agent for the sign-in pages, the way a browser without JavaScript walks them
 * (the pages need none, SPEC §5). Playwright does the browser's work: each FormBrowser has its own
 * APIRequestContext (its cookie jar; redirects are not followed, so `stopAt` can stop before a
 * client's callback), and Debian's Chromium reads the forms (its HTML parser, `form.action` and
 * `new FormData(form)` decide the action and the fields a browser would send).
 */
export class FormBrowser {
  private context: Promise<APIRequestContext> | undefined;
  lastUrl = '';
  lastStatus = 0;
  lastHeaders = new Headers();
  lastHtml = '';

  /** `headers` go with every request (e.g. `x-forwarded-for` behind a trusted proxy: one address per browser). */
  private readonly headers: Record<string, string>;
  constructor(headers: Record<string, string> = {}) {
    this.headers = headers;
    // The connection to Chromium opens while the first pages load; a failure is reported by the first submit.
    formReader().catch(() => undefined);
  }

  async get(url: string): Promise<APIResponse> {
    return this.request(url, { method: 'GET' });
  }

  /** Follows redirects until a page (2xx with HTML) or a URL outside `stopAt` is reached. */
  async follow(url: string, stopAt?: (u: URL) => boolean): Promise<string> {
    let current = url;
    for (let i = 0; i < 20; i++) {
      if (stopAt?.(new URL(current))) return current;
      const res = await this.get(current);
      const location = res.headers()['location'];
      if (res.status() >= 300 && res.status() < 400 && location) {
        current = new URL(location, current).toString();
        continue;
      }
      this.lastHtml = await res.text();
      return current;
    }
    throw new Error('too many redirects');
  }

  /**
   * Submits the page's form (the first one, or the one whose action contains `actionPart`) with `fields` filled in;
   * `encoded` fields are sent exactly as given (already percent-encoded: bytes no browser would send).
   */
  async submit(
    fields: Record<string, string>,
    opts: { actionPart?: string; stopAt?: (u: URL) => boolean; encoded?: Record<string, string> } = {},
  ): Promise<string> {
    const form = await readForm(this.lastHtml, this.lastUrl, opts.actionPart);
    if (!form) throw new Error(`no form${opts.actionPart ? ` with action ${opts.actionPart}` : ''} on page ${this.lastUrl}:\n${this.lastHtml.slice(0, 2000)}`);
    const body = new URLSearchParams(form.fields);
    for (const [k, v] of Object.entries(fields)) body.set(k, v);
    for (const k of Object.keys(opts.encoded ?? {})) body.delete(k);
    const encoded = Object.entries(opts.encoded ?? {}).map(([k, v]) => `&${encodeURIComponent(k)}=${v}`).join('');
    const data = `${body.toString()}${encoded}`.replace(/^&/, '');
    const res = await this.request(form.action, { method: 'POST', data });
    const location = res.headers()['location'];
    if (res.status() >= 300 && res.status() < 400 && location) return this.follow(new URL(location, form.action).toString(), opts.stopAt);
    this.lastHtml = await res.text();
    return form.action;
  }

  /** The browser's cookies as a `Cookie` header (to replay them where the browser's own clock would drop them). */
  async cookieHeader(): Promise<string> {
    this.context ??= newRequestContext(this.headers);
    const { cookies } = await (await this.context).storageState();
    return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  }

  private async request(url: string, init: { method: 'GET' | 'POST'; data?: string }): Promise<APIResponse> {
    this.context ??= newRequestContext(this.headers);
    const res = await (await this.context).fetch(url, {
      method: init.method,
      maxRedirects: 0,
      ...(init.data !== undefined ? { data: init.data, headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
    });
    this.lastUrl = url;
    this.lastStatus = res.status();
    this.lastHeaders = new Headers(res.headersArray().map((h): [string, string] => [h.name, h.value]));
    return res;
  }
}

const contexts: APIRequestContext[] = [];
async function newRequestContext(headers: Record<string, string>): Promise<APIRequestContext> {
  const context = await request.newContext({ extraHTTPHeaders: { 'accept-language': 'zh-CN', ...headers } });
  contexts.push(context);
  return context;
}

/** One JavaScript-free Chromium page per test file reads every form; it is stateless, so browsers share it. */
let reader: Promise<Page> | undefined;
function formReader(): Promise<Page> {
  reader ??= launchChromium().then((browser) => {
    if (!browser) throw new Error(`the sign-in suites read forms with Debian's Chromium (${CHROMIUM_PATH}): apt-get install chromium`);
    return browser.newPage({ javaScriptEnabled: false });
  });
  return reader;
}

afterAll(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.dispose()));
  const page = await reader?.catch(() => undefined);
  await page?.context().browser()?.close();
});

interface FormRead {
  action: string;
  fields: Array<[string, string]>;
}

/**
 * The browser's reading of a page's form: the HTML parsed by Chromium (DOMParser, so no script of the
 * page runs) at the page's URL, the action resolved and the successful controls listed by the
 * browser's own form-submission rules.
 */
async function readForm(html: string, url: string, actionPart: string | undefined): Promise<FormRead | null> {
  const page = await formReader();
  // Runs inside Chromium; the project compiles without the DOM library, hence the narrow local types.
  return page.evaluate(
    ({ html, url, actionPart }) => {
      interface Form { action: string; getAttribute(n: string): string | null }
      interface Doc { forms: ArrayLike<Form>; head: { prepend(e: unknown): void }; createElement(t: 'base'): { href: string } }
      const g = globalThis as unknown as {
        DOMParser: new () => { parseFromString(s: string, t: 'text/html'): Doc };
        FormData: new (f: Form) => Iterable<[string, unknown]>;
      };
      const doc = new g.DOMParser().parseFromString(html, 'text/html');
      const base = doc.createElement('base');
      base.href = url; // a parsed document has no URL of its own; relative actions resolve against the page's
      doc.head.prepend(base);
      const form = Array.from(doc.forms).find((f) => !actionPart || (f.getAttribute('action') ?? '').includes(actionPart));
      if (!form) return null;
      const fields = Array.from(new g.FormData(form), ([k, v]): [string, string] => [k, typeof v === 'string' ? v : '']);
      return { action: form.action, fields };
    },
    { html, url, actionPart },
  );
}
