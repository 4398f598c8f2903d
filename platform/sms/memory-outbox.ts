import type { OutboxEntry, SmsOutbox } from './sms-gateway.ts';

/**
 * The outbox of one process (development and tests). It keeps the last `limit` messages so a
 * long-running development server does not grow without bound.
 */
export class MemorySmsOutbox implements SmsOutbox {
  readonly #entries: OutboxEntry[] = [];

  constructor(private readonly limit = 1000) {}

  async append(entry: OutboxEntry): Promise<void> {
    this.#entries.push(entry);
    if (this.#entries.length > this.limit) this.#entries.splice(0, this.#entries.length - this.limit);
  }

  async list(phone: string): Promise<OutboxEntry[]> {
    return this.#entries.filter((e) => e.phone === phone).reverse();
  }
}
