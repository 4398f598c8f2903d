import { inspect } from 'node:util';

/**
 * A configured secret (an SMS gateway's access key secret, …). It reads back only through
 * `reveal()`: logging the configuration, `JSON.stringify` or `util.inspect` print `[redacted]`,
 * so a secret cannot reach a log line or an error message by accident.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself, for the one place that signs with it. */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return '[redacted]';
  }
}
