import type { Router } from '@koa/router';
import { parsePhone } from '../directory/codes/phone.ts';
import type { SmsOutbox } from '../platform/sms/sms-gateway.ts';

/**
 * SPEC §5, R21 — `GET /dev/sms-outbox?phone=…`: what the console gateway "sent" to a phone, newest
 * first, as `{messages: [{phone, text, code, sentAt}]}`. Development and tests only: the caller
 * (identity/index.ts) never mounts it in production, and production refuses the console gateway.
 * The outbox is this process's: read it on the node that sent the code.
 */
export function devSmsOutboxRoute(router: Router, outbox: SmsOutbox): void {
  router.get('/dev/sms-outbox', async (ctx) => {
    const asked = ctx.query.phone;
    const phone = parsePhone(typeof asked === 'string' ? asked : ''); // 400 person.phone_invalid otherwise
    const entries = await outbox.list(phone);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      messages: entries.map((e) => ({ phone: e.phone, text: e.text, code: e.params.code ?? null, sentAt: e.sentAt.toISOString() })),
    };
  });
}
