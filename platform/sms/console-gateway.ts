import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { SmsGateway, SmsMessage, SmsOutbox, SmsReceipt } from './sms-gateway.ts';

/** The phone as R25 masks it (`135****2210`); kept here so platform/ needs nothing from directory/. */
const maskPhone = (phone: string) => (phone.length <= 7 ? '*'.repeat(phone.length) : `${phone.slice(0, 3)}${'*'.repeat(phone.length - 7)}${phone.slice(-4)}`);

/**
 * The development gateway of R21: nothing leaves the machine. Each message goes to the outbox in
 * full (tests and the development endpoint read the code there) and to the log with the phone
 * masked. `showText` puts the text (and so the code) in the log line, for a developer running
 * `npm start`; it is off in production, where a code in a log would be a way in.
 */
export function createConsoleGateway(deps: { outbox: SmsOutbox; logger?: Logger; showText: boolean; now?: () => Date }): SmsGateway {
  const now = deps.now ?? (() => new Date());
  return {
    provider: 'console',
    async send(message: SmsMessage): Promise<SmsReceipt> {
      const id = randomUUID();
      await deps.outbox.append({ id, phone: message.phone, text: message.text, params: message.template?.params ?? {}, sentAt: now() });
      deps.logger?.info(
        { sms: { id, to: maskPhone(message.phone), ...(deps.showText ? { text: message.text } : {}) } },
        'SMS (console gateway: not sent, kept in the development outbox)',
      );
      return { id };
    },
  };
}
