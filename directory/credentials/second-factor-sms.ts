import { appError } from '../../platform/errors.ts';
import type { RequestMeta } from '../actor.ts';
import type { PersonRepository } from '../persons/person-repository.ts';
import type { SmsCodeService } from './sms-code-service.ts';

/**
 * R23 — an SMS code to the person's own phone as the alternative second factor: the SMS code
 * service (R21: its limits, hashing, single use, tries and audit) with purpose `second-factor`, the
 * phone being the one on record for the person (never one typed at the step). Refusals are the
 * catalogued errors the second-factor page shows.
 */
export class SecondFactorSmsCodes {
  constructor(private readonly deps: { smsCodes: SmsCodeService; persons: PersonRepository }) {}

  async send(input: { personId: string; meta: RequestMeta }): Promise<{ phoneMasked: string }> {
    const person = await this.phoneOf(input.personId);
    const sent = await this.deps.smsCodes.send({ phone: person.phone, purpose: 'second-factor', meta: input.meta, personId: input.personId });
    if (!sent.ok) {
      if (sent.answer === 'gateway_failed') throw appError('sms.gateway_failed');
      throw appError('sms.send_limited', { limit: sent.answer, retryAfterSeconds: sent.retryAfterSeconds ?? null });
    }
    return { phoneMasked: person.phoneMasked };
  }

  async verify(input: { personId: string; code: string; meta: RequestMeta }): Promise<boolean> {
    const person = await this.phoneOf(input.personId);
    return (await this.deps.smsCodes.verify({ phone: person.phone, purpose: 'second-factor', code: input.code, meta: input.meta })).ok;
  }

  private async phoneOf(personId: string) {
    const person = await this.deps.persons.findById(undefined, personId);
    if (!person) throw new Error('the person of a sign-in is gone'); // persons are never deleted
    return { phone: this.deps.persons.phoneOf(person), phoneMasked: person.phoneMasked };
  }
}
