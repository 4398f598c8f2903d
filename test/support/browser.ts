/**
 * A tiny form-following user agent for the sign-in pages: a cookie jar, manual redirects, and form
 * submission by field name — enough to walk the server-rendered interaction pages the way a browser
 * without JavaScript would (the pages need none, SPEC §5).
 */
export class FormBrowser {
  private readonly jar = new Map<string, string>();
  lastUrl = '';
  lastStatus = 0;
  lastHeaders = new Headers();
  lastHtml = '';

  async get(url: string): Promise<Response> {
    return this.request(url, { method: 'GET' });
  }

  /** Follows redirects until a page (2xx with HTML) or a URL outside `stopAt` is reached. */
  async follow(url: string, stopAt?: (u: URL) => boolean): Promise<string> {
    let current = url;
    for (let i = 0; i < 20; i++) {
      if (stopAt?.(new URL(current))) return current;
      const res = await this.get(current);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
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
    const forms = [...this.lastHtml.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/gi)].map((m) => m[0]);
    const form = forms.find((f) => !opts.actionPart || attr(f.match(/<form\b[^>]*>/i)![0], 'action')?.includes(opts.actionPart));
    if (!form) throw new Error(`no form${opts.actionPart ? ` with action ${opts.actionPart}` : ''} on page ${this.lastUrl}:\n${this.lastHtml.slice(0, 2000)}`);
    const action = new URL(decodeEntities(attr(form.match(/<form\b[^>]*>/i)![0], 'action') ?? this.lastUrl), this.lastUrl).toString();
    const body = new URLSearchParams();
    for (const input of form.matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(input[0], 'name');
      const type = attr(input[0], 'type') ?? 'text';
      if (name && type === 'hidden') body.set(name, decodeEntities(attr(input[0], 'value') ?? ''));
    }
    for (const [k, v] of Object.entries(fields)) body.set(k, v);
    for (const k of Object.keys(opts.encoded ?? {})) body.delete(k);
    const encoded = Object.entries(opts.encoded ?? {}).map(([k, v]) => `&${encodeURIComponent(k)}=${v}`).join('');
    const res = await this.request(action, { method: 'POST', body: `${body.toString()}${encoded}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) return this.follow(new URL(location, action).toString(), opts.stopAt);
    this.lastHtml = await res.text();
    return action;
  }

  private async request(url: string, init: RequestInit): Promise<Response> {
    const u = new URL(url);
    const cookie = [...this.jar.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(u, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}), 'accept-language': 'zh-CN' } });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
    this.lastUrl = url;
    this.lastStatus = res.status;
    this.lastHeaders = res.headers;
    return res;
  }
}

function attr(tag: string, name: string): string | undefined {
  const m = tag.match(new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i'));
  return m ? (m[2] ?? m[3] ?? m[4]) : undefined;
}

const decodeEntities = (s: string) =>
  s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#x2F;/g, '/');
