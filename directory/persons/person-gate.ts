import type { Transaction } from 'sequelize';
import { isAppError, tooManyRequests } from '../../platform/errors.ts';
import type { Database } from '../../platform/db/database.ts';
import type { Actor, RequestMeta } from '../actor.ts';
import type { AccountRepository } from '../accounts/account-repository.ts';
import type { AuditService } from '../audit/audit-service.ts';
import type { ThrottleRepository } from '../credentials/throttle-repository.ts';
import { PERSON_UNAVAILABLE, type PersonSight } from './person-rules.ts';

/** Refusals about persons out of sight an actor may collect per window before every lookup is refused. */
export const PERSON_PROBE_LIMIT = 10;
export const PERSON_PROBE_WINDOW_SECONDS = 3600;

/**
 * Issue 5 item 4 (R10) — around every path that finds or creates a person or gives a phone: which
 * persons are in the caller's sight, and what happens when one out of sight is refused. The one
 * refusal (`person.unavailable`) is audited (masked, without saying what matched: the actor may read
 * its own unit's events) and counted per actor; past the limit the actor's every lookup answers 429
 * until the window passes, so the remaining difference (refused vs. created) cannot be mined either.
 */
export class PersonGate {
  constructor(private readonly deps: { db: Database; audit: AuditService; accounts: AccountRepository; throttles: ThrottleRepository }) {}

  /** Persons with an account (any status) in a unit of the actor's jurisdiction. */
  sightOf(actor: Actor): PersonSight {
    return (tx: Transaction, personId: string) => this.deps.accounts.personHasAccountIn(tx, personId, actor.unitId);
  }

  /**
   * Runs `work` (which opens and ends its own transaction) for `action` about the person data
   * given. A `person.unavailable` refusal rolled the work back; it is then recorded and counted in
   * a transaction of its own.
   */
  async guard<T>(actor: Actor, action: string, person: { idNumber?: string; phone?: string }, meta: RequestMeta, work: () => Promise<T>): Promise<T> {
    const key = `person-probe:${actor.accountId}`;
    if ((await this.deps.throttles.count(key, PERSON_PROBE_WINDOW_SECONDS)) >= PERSON_PROBE_LIMIT) {
      await this.deps.db.transaction((tx) => this.record(tx, actor, action, 'person_lookup_throttled', person, meta));
      throw throttled();
    }
    try {
      return await work();
    } catch (err) {
      if (!isAppError(err) || err.code !== PERSON_UNAVAILABLE) throw err;
      await this.deps.db.transaction(async (tx) => {
        await this.deps.throttles.hit(key, PERSON_PROBE_WINDOW_SECONDS, tx);
        await this.record(tx, actor, action, 'person_unavailable', person, meta);
      });
      throw err;
    }
  }

  private record(tx: Transaction, actor: Actor, action: string, reason: string, person: { idNumber?: string; phone?: string }, meta: RequestMeta) {
    // The audit service masks `idNumber` and `phone` in details (R25).
    const details = { ...(person.idNumber ? { idNumber: person.idNumber } : {}), ...(person.phone ? { phone: person.phone } : {}) };
    return this.deps.audit.record(tx, { actor, action, result: 'failure', reason, unitId: actor.unitId, details, meta });
  }
}

const throttled = () =>
  tooManyRequests('person.lookup_throttled', 'Too many requests about persons outside your jurisdiction; try again later', {
    retryAfterSeconds: PERSON_PROBE_WINDOW_SECONDS,
  });
