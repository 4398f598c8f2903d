import type { Database } from '../../platform/db/database.ts';
import { isAppError } from '../../platform/errors.ts';
import type { AccountKind } from '../models/index.ts';
import type { RequestMeta } from '../actor.ts';
import type { AccountEnding, AfterCommit } from '../accounts/account-ending.ts';
import type { AccountRepository, OwnAccountRow } from '../accounts/account-repository.ts';
import type { AuditRepository } from '../audit/audit-repository.ts';
import type { AuditService } from '../audit/audit-service.ts';
import { parsePhone } from '../codes/phone.ts';
import type { CredentialOwner, CredentialService } from '../credentials/credential-service.ts';
import type { PersonRepository } from '../persons/person-repository.ts';
import { uniqueConflict } from '../unique-conflicts.ts';
import type { SecondFactorService } from '../credentials/second-factor-service.ts';
import type { SmsCodeService } from '../credentials/sms-code-service.ts';

/** Who is on their own page: the account of the SSO session, and its person (none for a unit account). */
export interface Self {
  accountId: string;
  kind: AccountKind;
  unitId: string;
  personId: string | null;
}

/** One line of "recent sign-ins": a completed sign-in or a refused attempt (masked sign-in name). */
export interface OwnSignIn {
  at: string;
  action: string;
  method: string | null;
  result: 'success' | 'failure';
  reason: string | null;
  ip: string | null;
  accountId: string | null;
  username: string | null;
}

export interface OwnOverview {
  accounts: OwnAccountRow[];
  signIns: OwnSignIn[];
  /** The person's phone, masked (R25); null for a unit account. */
  phoneMasked: string | null;
  /** Null when the person has none to manage (a unit account) or the service is not wired in. */
  secondFactor: { totp: boolean; recoveryCodesLeft: number } | null;
  phoneChange: boolean;
}

/** `phone`: the new number as parsed (R8), where the code went. */
export type PhoneAnswer = { ok: true; phone?: string; resendAfterSeconds?: number } | { ok: false; answer: string; retryAfterSeconds?: number };

const RECENT_SIGN_INS = 20;
const ownerOf = (self: Self): CredentialOwner => (self.personId ? { personId: self.personId } : { accountId: self.accountId });
const targetOf = (self: Self) => (self.personId ? { type: 'person', id: self.personId } : { type: 'account', id: self.accountId });
const actorOf = (self: Self) => ({ accountId: self.accountId, kind: self.kind, unitId: self.unitId });

export interface SelfDeps {
  db: Database;
  audit: AuditService;
  events: AuditRepository;
  accounts: AccountRepository;
  persons: PersonRepository;
  credentials: CredentialService;
  ending: AccountEnding;
  /** R21 — the code to the new phone of a phone change. */
  phoneCodes: Pick<SmsCodeService, 'send' | 'verify'>;
  /** R23 — enrolling and removing an authenticator app. */
  secondFactors: SecondFactorService;
}

/**
 * The person's own page (issue 7, SPEC §5): what a signed-in person (or a unit account, which has no
 * person and sees only what applies) may see and do about themselves — their accounts and recent
 * sign-ins, their password (R18, R19), their phone (R8, a code to the new phone), their second
 * factor (R23), and ending every session everywhere (R24). Every change is audited (R25).
 */
export class SelfService {
  constructor(private readonly deps: SelfDeps) {}

  /** The live account behind a session, or null: ended, or its password reset by an administrator (R12, R20). */
  async whoIs(accountId: string): Promise<Self | null> {
    const view = await this.deps.accounts.signInView(undefined, accountId);
    if (!view?.live || view.mustChange) return null;
    const actor = await this.deps.accounts.liveActor(undefined, accountId);
    return actor && { accountId: actor.accountId, kind: actor.kind, unitId: actor.unitId, personId: actor.personId };
  }

  async overview(self: Self): Promise<OwnOverview> {
    const accounts = await this.deps.accounts.ownAccounts(undefined, ownerOf(self));
    const targets = [targetOf(self), ...accounts.map((a) => ({ type: 'account', id: a.id }))];
    const rows = await this.deps.events.signInsOf(self.personId ? targets : [targetOf(self)], RECENT_SIGN_INS);
    const person = self.personId ? await this.deps.persons.findById(undefined, self.personId) : null;
    const { secondFactors } = this.deps;
    return {
      accounts,
      signIns: rows.map((e) => ({
        at: new Date(e.at).toISOString(),
        action: e.action,
        method: typeof e.details.method === 'string' ? e.details.method : e.action === 'password.change' ? 'password' : null,
        result: e.result,
        reason: e.reason,
        ip: e.ip,
        accountId: e.target_type === 'account' ? e.target_id : null,
        username: typeof e.details.username === 'string' ? e.details.username : null,
      })),
      phoneMasked: person?.phoneMasked ?? null,
      secondFactor: self.personId ? await secondFactors.status(self.personId) : null,
      phoneChange: Boolean(self.personId),
    };
  }

  /**
   * R18, R19 — the old password is checked like a sign-in (it counts toward the lockout).
   * @throws AppError 400 `password.policy_violation`, 409 `password.changed_concurrently`
   */
  changePassword(self: Self, input: { oldPassword: string; newPassword: string; meta: RequestMeta }) {
    return this.deps.credentials.changeOwnPassword({ owner: ownerOf(self), ...input });
  }

  /** R8 — a code to the new phone; whether someone else holds the number is told only once it is proved (no oracle). */
  async sendPhoneCode(self: Self, input: { phone: string; meta: RequestMeta }): Promise<PhoneAnswer> {
    const checked = await this.newPhone(self, input.phone);
    if (!checked.ok) return checked;
    const sent = await this.deps.phoneCodes.send({ phone: checked.phone, purpose: 'phone-change', meta: input.meta, personId: self.personId! });
    return sent.ok ? { ...sent, phone: checked.phone } : sent;
  }

  /**
   * R8 — the code sent to the new phone confirms it: the person's phone (encrypted, masked, and the
   * keyed hash it is found by at sign-in) changes in one transaction with its audit event. A number
   * another person holds is refused (the unique index decides a race).
   */
  async confirmPhone(self: Self, input: { phone: string; code: string; meta: RequestMeta }): Promise<PhoneAnswer> {
    const checked = await this.newPhone(self, input.phone);
    if (!checked.ok) return checked;
    const proved = await this.deps.phoneCodes.verify({ phone: checked.phone, purpose: 'phone-change', code: input.code, meta: input.meta });
    if (!proved.ok) return proved;
    const personId = self.personId!;
    try {
      return await this.deps.db.transaction(async (tx): Promise<PhoneAnswer> => {
        const holder = await this.deps.persons.findByPhone(tx, checked.phone);
        if (holder && holder.id !== personId) return { ok: false, answer: 'phone_in_use' };
        const person = await this.deps.persons.findById(tx, personId);
        await this.deps.persons.update(tx, personId, { phone: checked.phone });
        await this.deps.audit.record(tx, {
          actor: actorOf(self),
          action: 'person.change-phone',
          target: targetOf(self),
          unitId: self.unitId,
          details: { phone: checked.phone, previous: person?.phoneMasked ?? null, own: true },
          meta: input.meta,
        });
        return { ok: true };
      });
    } catch (err) {
      if (uniqueConflict(err)?.code === 'person.phone_in_use') return { ok: false, answer: 'phone_in_use' };
      throw err;
    }
  }

  private async newPhone(self: Self, input: string): Promise<{ ok: true; phone: string } | { ok: false; answer: string }> {
    if (!self.personId) return { ok: false, answer: 'unavailable' };
    let phone: string;
    try {
      phone = parsePhone(input);
    } catch (err) {
      if (isAppError(err)) return { ok: false, answer: 'phone_invalid' };
      throw err;
    }
    const person = await this.deps.persons.findById(undefined, self.personId);
    if (person && this.deps.persons.changedFields(person, { phone }).length === 0) return { ok: false, answer: 'phone_same' };
    return { ok: true, phone };
  }

  /**
   * R24 — sign out everywhere: every session, grant and token of each of the owner's accounts ends
   * on every node (the shared database), audited; the back-channel notices go out after the commit.
   */
  async signOutEverywhere(self: Self, meta: RequestMeta): Promise<void> {
    const after = await this.deps.db.transaction(async (tx) => {
      const accounts = await this.deps.accounts.ownAccounts(tx, ownerOf(self));
      const notices: AfterCommit[] = [];
      for (const account of accounts) notices.push(await this.deps.ending.endSessions(tx, account.id));
      await this.deps.audit.record(tx, {
        actor: actorOf(self),
        action: 'session.end-all',
        target: targetOf(self),
        unitId: self.unitId,
        details: { accounts: accounts.map((a) => a.id), own: true },
        meta,
      });
      return notices;
    });
    await Promise.all(after.map((notify) => notify()));
  }

  /**
   * R23 — the person's second factor, when the service is wired in and there is a person; `label`
   * names the enrolment in the authenticator app (the masked phone: the app never shows it whole).
   */
  async secondFactorOf(self: Self): Promise<{ personId: string; factors: SecondFactorService; label: string } | null> {
    if (!self.personId) return null;
    const person = await this.deps.persons.findById(undefined, self.personId);
    return { personId: self.personId, factors: this.deps.secondFactors, label: person?.phoneMasked ?? self.accountId };
  }
}
