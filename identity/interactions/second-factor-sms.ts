import type { RequestMeta } from '../../directory/actor.ts';

/**
 * R23 — an SMS code to the person's phone as the alternative second factor, as a port the
 * composition root fills from the directory's SMS code service (`SmsCodeService` with purpose
 * `second-factor`, its R21 limits and audit included) and the person's phone. Until it is wired
 * the second-factor page offers no SMS. Refusals (limits, gateway failure) are thrown as the
 * service's catalogued AppErrors; the page shows their message.
 */
export interface SecondFactorSms {
  /** Sends a code to the person's phone; returns the masked phone it went to. */
  send(input: { personId: string; meta: RequestMeta }): Promise<{ phoneMasked: string }>;
  /** Whether `code` is the right, unused, unexpired code sent to the person's phone (used up when right). */
  verify(input: { personId: string; code: string; meta: RequestMeta }): Promise<boolean>;
}
