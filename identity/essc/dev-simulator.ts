import { bodyParser } from '@koa/bodyparser';
import type Koa from 'koa';
import type { Router } from '@koa/router';
import { badRequest } from '../../platform/errors.ts';
import { html } from '../pages/html.ts';
import { pickLang, t, type Lang } from '../pages/i18n.ts';
import { errorBox, page, sendPage } from '../pages/layout.ts';
import { signEsscAssertion } from './simulator.ts';

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

function simulatorPage(lang: Lang, values: { ticket?: string; idNumber?: string; name?: string }, outcome?: { ok: boolean; message: string }) {
  const field = (name: 'ticket' | 'idNumber' | 'name', label: string) =>
    html`<label for="${name}">${label}</label><input type="text" id="${name}" name="${name}" value="${values[name] ?? ''}" required>`;
  return page(
    lang,
    t(lang, 'simTitle'),
    html`<p class="hint">${t(lang, 'simIntro')}</p>
${outcome ? (outcome.ok ? html`<p role="status">${outcome.message}</p>` : errorBox(outcome.message)) : ''}
<form method="post" action="/dev/essc/confirm?lang=${lang}">
${field('ticket', t(lang, 'simTicket'))}${field('idNumber', t(lang, 'simIdNumber'))}${field('name', t(lang, 'simName'))}
<button type="submit">${t(lang, 'simSubmit')}</button></form>`,
  );
}

/**
 * This node's own address (the socket the request came in on), never the Host header: the
 * simulator posts only to the node it runs on, so a forged Host cannot send it elsewhere.
 */
function ownOrigin(ctx: Koa.Context): string {
  const { localAddress = '127.0.0.1', localPort } = ctx.req.socket;
  const host = localAddress.includes(':') ? `[${localAddress}]` : localAddress;
  return `http://${host}:${localPort}`;
}

/**
 * R22, SPEC §5 — the development stand-in for the e-SSC card app, mounted only outside production
 * and only with the generated development key (never with a configured ESSC_PUBLIC_KEY, whose
 * private half is the card platform's). `GET /dev/essc` is a small page; `POST /dev/essc/confirm
 * {ticket, idNumber, name[, issuedAt]}` (JSON or the page's form) signs the assertion with the
 * development key and posts it to `/essc/confirm` of this node, as the app would. JSON callers get
 * the confirmation endpoint's status and answer plus the `assertion` it signed (to replay it in tests).
 */
export function esscSimulatorRoutes(router: Router, privateKeyPem: string): void {
  router.get('/dev/essc', (ctx) => {
    const lang = pickLang(ctx);
    sendPage(ctx, 200, simulatorPage(lang, { ticket: text(ctx.query.ticket) }));
  });
  const body = bodyParser({ enableTypes: ['json', 'form'], jsonLimit: '16kb', formLimit: '16kb' });
  router.post('/dev/essc/confirm', body, async (ctx) => {
    const lang = pickLang(ctx);
    const input = (ctx.request.body ?? {}) as Record<string, unknown>;
    const values = { ticket: text(input.ticket), idNumber: text(input.idNumber), name: text(input.name) };
    const isForm = ctx.request.is('urlencoded') !== false;
    if (!values.ticket || !values.idNumber || !values.name) {
      if (isForm) return sendPage(ctx, 400, simulatorPage(lang, values, { ok: false, message: t(lang, 'simMissing') }));
      throw badRequest('request.invalid', 'ticket, idNumber and name are required');
    }
    const issuedAt = typeof input.issuedAt === 'number' ? input.issuedAt : undefined;
    const assertion = await signEsscAssertion({ ...values, ...(issuedAt !== undefined ? { issuedAt } : {}) }, privateKeyPem);
    const res = await fetch(`${ownOrigin(ctx)}/essc/confirm?ticket=${encodeURIComponent(values.ticket)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/jose', 'accept-language': ctx.get('accept-language') || 'zh-CN', 'user-agent': 'tongmen-essc-simulator' },
      body: assertion,
    });
    const answer = (await res.json()) as Record<string, unknown>;
    if (isForm) {
      const error = (answer.error ?? {}) as { message?: string; code?: string };
      const message = res.ok ? t(lang, 'simDone') : `${t(lang, 'simRefused')} ${error.message ?? ''} (${error.code ?? res.status})`;
      return sendPage(ctx, res.ok ? 200 : res.status, simulatorPage(lang, values, { ok: res.ok, message }));
    }
    ctx.status = res.status;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { ...answer, assertion };
  });
}
