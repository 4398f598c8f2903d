import crypto from 'node:crypto';
import type { Transaction } from 'sequelize';
import type { Config } from '../../platform/config.ts';
import type { PiiCipher } from '../../platform/crypto/pii.ts';
import type { Database } from '../../platform/db/database.ts';
import { badRequest, conflict, notFound } from '../../platform/errors.ts';
import type { RequestMeta } from '../actor.ts';
import type { AuditService } from '../audit/audit-service.ts';
import { checkPassword, generateInitialPassword, passwordExpired } from '../password-policy.ts';
import type { CredentialOwner, CredentialRepository, ReservedAttempt, SignInAccount } from './credential-repository.ts';
import { argon2Hasher, makeDummyHash, type PasswordHasher } from './password-hasher.ts';
import { maskSignInName, normalizeSignInName } from './sign-in-name.ts';
import type { ThrottleRepository } from './throttle-repository.ts';

export type { CredentialOwner, SignInAccount };

/** Why a sign-in attempt failed, as the audit trail records it (R25). */
export type SignInFailureReason = 'wrong_password' | 'unknown_user' | 'locked' | 'throttled' | 'disabled' | 'renamed';
/**
 * What the person is told. Unknown names and wrong passwords get the same answer (R19), and an
 * unknown name "locks" after as many tries as a real one, so the answer never tells them apart.
 */
export type SignInAnswer = 'invalid_credentials' | 'locked' | 'throttled' | 'disabled' | 'renamed';

export type PasswordCheck =
  | {
      ok: true;
      credentialId: string;
      personId: string | null;
      /** Active accounts the credential may act as; at least one. */
      accounts: SignInAccount[];
      /** R18/R20 — initial or expired password: it must be changed before any token is issued. */
      mustChange: boolean;
    }
  | { ok: false; reason: SignInFailureReason; answer: SignInAnswer; /** `renamed`: the sign-in name to use now. */ newName?: string };

/**
 * A person proved by a method other than the password (SMS code R21, e-SSC R22): who, the accounts they
 * may act as (R9), and their password credential when it holds an initial or reset password that must
 * be changed before any token (R20).
 */
export interface ProvedPerson {
  personId: string;
  accounts: SignInAccount[];
  credentialId: string | undefined;
  mustChange: boolean;
}

export interface InitialPassword {
  password: string;
  hash: string;
}

/** What the service is built from. */
export interface CredentialDeps {
  config: Config;
  db: Database;
  pii: PiiCipher;
  audit: AuditService;
  credentials: CredentialRepository;
  throttles: ThrottleRepository;
  /** argon2id unless a test counts or slows the checks. */
  hasher?: PasswordHasher;
}

/** The per-address sign-in throttle's window (R19); a throttled client is told to retry after it. */
export const ADDRESS_WINDOW_SECONDS = 60;
/** How long an unknown name's pretend lockout lasts (a real one lasts until an administrator's reset). */
const UNKNOWN_NAME_WINDOW_SECONDS = 24 * 3600;

const ownerOf = (a: { personId: string | null; accountId: string | null }): CredentialOwner =>
  a.personId ? { personId: a.personId } : { accountId: a.accountId! };
const targetOf = (o: CredentialOwner) =>
  'personId' in o ? { type: 'person', id: o.personId } : { type: 'account', id: o.accountId };

/**
 * Passwords (R18–R20): argon2id hashing, verification with an atomic lockout, password changes
 * with history, administrators' resets. No transaction is ever held open across argon2: each
 * operation hashes or verifies before or after its short transactions.
 */
export class CredentialService {
  private readonly repo: CredentialRepository;
  private readonly hasher: PasswordHasher;
  /** Made at start, so even the first unknown name costs exactly one verification (R19). */
  private readonly dummyHash: Promise<string>;

  constructor(private readonly deps: CredentialDeps) {
    this.repo = deps.credentials;
    this.hasher = deps.hasher ?? argon2Hasher;
    this.dummyHash = makeDummyHash(this.hasher);
    this.dummyHash.catch(() => {}); // surfaced where it is awaited
  }

  /**
   * Checks a password for a sign-in name (citizen ID number, phone, or a unit account's USCC) and
   * records the attempt (R19, R25). Order: per-address throttle → lookup → reserve the guess
   * (atomic counter) → argon2 → settle. The audit event of a failed guess is written right after
   * its reservation; should the node die in between, the guess stays counted (the safe side).
   */
  async verifyPassword(input: { username: string; password: string; meta: RequestMeta }): Promise<PasswordCheck> {
    const name = normalizeSignInName(input.username);
    const record = (tx: Transaction, reason: SignInFailureReason | null, extra: AuditExtra = {}) =>
      this.deps.audit.record(tx, {
        action: 'signin.password',
        result: reason ? 'failure' : 'success',
        reason,
        target: extra.owner ? targetOf(extra.owner) : null,
        unitId: extra.accounts?.[0]?.unitId ?? null,
        details: { method: 'password', username: maskSignInName(name), ...extra.details },
        meta: input.meta,
      });

    const limit = this.deps.config.signInThrottlePerMinute;
    const address = `signin-ip:${input.meta.ip ?? 'unknown'}`;
    // One statement, no transaction around it (issue 11: a sign-in's round trips); a refusal's audit event follows.
    if ((await this.deps.throttles.hit(address, ADDRESS_WINDOW_SECONDS)) > limit) {
      await this.deps.db.transaction((tx) => record(tx, 'throttled'));
      return { ok: false, reason: 'throttled', answer: 'throttled' };
    }

    const credentialId = await this.repo.findIdBySignInName(name);
    if (!credentialId) {
      // Issue 8 (R3): a unit's temporary code replaced by its own USCC — a public code, so the answer may name the new one.
      const newName = await this.repo.renamedUnitCode(name);
      if (newName) {
        await this.deps.db.transaction((tx) => record(tx, 'renamed', { details: { newName } }));
        return { ok: false, reason: 'renamed', answer: 'renamed', newName };
      }
      const answer = await this.pretendGuess(name, input.password);
      await this.deps.db.transaction((tx) => record(tx, 'unknown_user'));
      return { ok: false, reason: 'unknown_user', answer };
    }

    const attempt = await this.repo.reserveAttempt(credentialId, this.deps.config.lockoutThreshold);
    if (!attempt) {
      await this.deps.db.transaction(async (tx) => {
        const owner = await this.ownerOfCredential(tx, credentialId);
        await record(tx, 'locked', { owner, accounts: owner && (await this.repo.activeAccounts(tx, owner)) });
      });
      return { ok: false, reason: 'locked', answer: 'locked' };
    }
    const right = await this.hasher.verify(attempt.hash, input.password);
    return this.deps.db.transaction((tx) => this.settle(tx, attempt, right, record));
  }

  private async settle(tx: Transaction, attempt: ReservedAttempt, right: boolean, record: Recorder): Promise<PasswordCheck> {
    const owner = ownerOf(attempt);
    const accounts = await this.repo.activeAccounts(tx, owner);
    if (!right) {
      const lockedNow = attempt.lockedByThisAttempt !== null;
      await record(tx, 'wrong_password', { owner, accounts, details: { failedCount: attempt.failedCount, lockedNow } });
      return { ok: false, reason: 'wrong_password', answer: lockedNow ? 'locked' : 'invalid_credentials' };
    }
    const settled = await this.repo.settleRightPassword(tx, attempt);
    if (settled === 'changed') {
      // Reset or changed while this one was being checked: it is no longer the password.
      await record(tx, 'wrong_password', { owner, accounts, details: { changedMeanwhile: true } });
      return { ok: false, reason: 'wrong_password', answer: 'invalid_credentials' };
    }
    if (settled === 'locked') {
      // A parallel wrong guess locked the credential while this one was being checked.
      await record(tx, 'locked', { owner, accounts });
      return { ok: false, reason: 'locked', answer: 'locked' };
    }
    if (!accounts.length) {
      await record(tx, 'disabled', { owner });
      return { ok: false, reason: 'disabled', answer: 'disabled' };
    }
    const mustChange = attempt.mustChange || passwordExpired(attempt.changedAt, this.deps.config.passwordPolicy);
    await record(tx, null, { owner, accounts, details: { mustChange, accounts: accounts.length } });
    return { ok: true, credentialId: attempt.credentialId, personId: attempt.personId, accounts, mustChange };
  }

  /** R19 — an unknown name costs one argon2 check and "locks" after as many tries as a real credential. */
  private async pretendGuess(name: string, password: string): Promise<SignInAnswer> {
    const key = `signin-name:${this.deps.pii.lookupHash(name)}`;
    const tries = await this.deps.throttles.hit(key, UNKNOWN_NAME_WINDOW_SECONDS);
    const threshold = this.deps.config.lockoutThreshold;
    if (tries <= threshold) await this.hasher.verify(await this.dummyHash, password);
    return tries >= threshold ? 'locked' : 'invalid_credentials';
  }

  private async ownerOfCredential(tx: Transaction, credentialId: string): Promise<CredentialOwner | undefined> {
    const c = await this.repo.forChange(credentialId, tx);
    return c && ownerOf(c);
  }

  /**
   * R18 — sets a new password chosen by its owner, who has just proved the current one (the
   * caller's responsibility: the sign-in step or a signed-in session). Policy, then the last 5
   * (current included: while it must change, that is the initial password), then one transaction
   * with the audit event. Throws AppError 400 `password.policy_violation` with details `{rule}`.
   */
  async changePassword(credentialId: string, newPassword: string, meta: RequestMeta = {}, expectedHash?: string): Promise<void> {
    const c = await this.repo.forChange(credentialId);
    if (!c) throw notFound('credential.not_found', 'Credential not found');
    // The caller proved this hash's password: anything else now in place was reset or changed meanwhile.
    if (expectedHash !== undefined && c.hash !== expectedHash) {
      throw conflict('password.changed_concurrently', 'The password was changed meanwhile; sign in again');
    }
    checkPassword(newPassword, {
      mode: this.deps.config.passwordPolicy,
      initialPassword: this.deps.config.initialPassword ?? null,
      idNumber: c.idNumberEnc ? this.deps.pii.decrypt(c.idNumberEnc) : null,
      phone: c.phoneEnc ? this.deps.pii.decrypt(c.phoneEnc) : null,
      username: c.username,
    });
    const recent = [c.hash, ...c.history].slice(0, 5);
    for (const [i, old] of recent.entries()) {
      if (!(await this.hasher.verify(old, newPassword))) continue;
      if (i === 0 && c.mustChange) {
        throw badRequest('password.policy_violation', 'Password must differ from the initial password', { rule: 'initial' });
      }
      throw badRequest('password.policy_violation', 'Password must not be one of the last 5', { rule: 'history' });
    }
    const hash = await this.hasher.hash(newPassword);
    await this.deps.db.transaction(async (tx) => {
      if (!(await this.repo.replaceHash(tx, c.id, c.hash, hash))) {
        throw conflict('password.changed_concurrently', 'The password was changed meanwhile; sign in again');
      }
      const owner = ownerOf(c);
      const accounts = await this.repo.activeAccounts(tx, owner);
      await this.deps.audit.record(tx, {
        action: 'password.change',
        target: targetOf(owner),
        unitId: accounts[0]?.unitId ?? c.unitId,
        details: { forced: c.mustChange },
        meta,
      });
    });
  }

  /**
   * R18, R19 — a signed-in owner changes its own password (the person's own page). The old password
   * is checked exactly like a sign-in guess: reserved on the atomic lockout counter before argon2,
   * so wrong ones count toward the lock (audited as `password.change` failures) and a locked
   * credential refuses even the right one; then {@link changePassword} applies the policy and
   * replaces it — only if it is still the password just checked.
   * @throws AppError 400 `password.policy_violation` `{rule}`, 409 `password.changed_concurrently`
   */
  async changeOwnPassword(input: {
    owner: CredentialOwner;
    oldPassword: string;
    newPassword: string;
    meta: RequestMeta;
  }): Promise<{ ok: true } | { ok: false; answer: 'invalid_credentials' | 'locked' }> {
    const credentialId = await this.repo.findIdByOwner(input.owner);
    if (!credentialId) throw notFound('credential.not_found', 'Credential not found');
    const refuse = (reason: 'wrong_password' | 'locked', details: Record<string, unknown> = {}) =>
      this.deps.db.transaction(async (tx) => {
        const accounts = await this.repo.activeAccounts(tx, input.owner);
        await this.deps.audit.record(tx, {
          action: 'password.change',
          result: 'failure',
          reason,
          target: targetOf(input.owner),
          unitId: accounts[0]?.unitId ?? null,
          details: { own: true, ...details },
          meta: input.meta,
        });
      });
    const attempt = await this.repo.reserveAttempt(credentialId, this.deps.config.lockoutThreshold);
    if (!attempt) {
      await refuse('locked');
      return { ok: false, answer: 'locked' };
    }
    if (!(await this.hasher.verify(attempt.hash, input.oldPassword))) {
      const lockedNow = attempt.lockedByThisAttempt !== null;
      await refuse('wrong_password', { failedCount: attempt.failedCount, lockedNow });
      return { ok: false, answer: lockedNow ? 'locked' : 'invalid_credentials' };
    }
    const settled = await this.deps.db.transaction((tx) => this.repo.settleRightPassword(tx, attempt));
    if (settled === 'locked') {
      await refuse('locked');
      return { ok: false, answer: 'locked' };
    }
    if (settled === 'changed') throw conflict('password.changed_concurrently', 'The password was changed meanwhile; sign in again');
    await this.changePassword(credentialId, input.newPassword, input.meta, attempt.hash);
    return { ok: true };
  }

  /**
   * R20 — a new initial password: `INITIAL_PASSWORD` when configured, else a random one, with its
   * hash. Call it BEFORE opening the transaction that stores it (argon2 must not run inside one).
   */
  async prepareInitialPassword(): Promise<InitialPassword> {
    const password = this.deps.config.initialPassword ?? generateInitialPassword(this.deps.config.passwordPolicy);
    return { password, hash: await this.hasher.hash(password) };
  }

  /**
   * Issue 8 (legacy import) — a credential nobody can sign in with: the hash of a random secret that
   * is thrown away. Hashed once per import run, not once per row (R18's argon2 is slow on purpose).
   * Imported persons sign in by SMS or QR code (R21, R22) or get a password by an administrator's reset.
   */
  async prepareUnusableSecret(): Promise<InitialPassword> {
    return { password: '', hash: await this.hasher.hash(crypto.randomBytes(32).toString('base64url')) };
  }

  /**
   * Stores a new credential (must change at first sign-in, R20) in the caller's transaction.
   * Returns false when the owner already has one: a person keeps one password for all accounts.
   */
  createCredential(tx: Transaction, input: CredentialOwner & { hash: string }): Promise<boolean> {
    const owner: CredentialOwner = 'personId' in input ? { personId: input.personId } : { accountId: input.accountId };
    return this.repo.create(tx, owner, input.hash);
  }

  /** Issue 8 (import batches) — the persons' first credentials, all with the one prepared hash. */
  createPersonCredentials(tx: Transaction, personIds: string[], hash: string): Promise<void> {
    return this.repo.createForPersons(tx, personIds, hash);
  }

  /** Issue 11 (bulk loads) — unit accounts' first credentials, all with the one prepared hash. */
  createAccountCredentials(tx: Transaction, accountIds: string[], hash: string): Promise<void> {
    return this.repo.createForAccounts(tx, accountIds, hash);
  }

  /** The id of an owner's credential (a person's one password, or a unit account's), if it has one. */
  credentialIdOf(owner: CredentialOwner): Promise<string | undefined> {
    return this.repo.findIdByOwner(owner);
  }

  /**
   * R19/R20 — an administrator's reset in the caller's transaction: the prepared initial password
   * replaces the old one, must be changed, and the lock and counter are cleared (the only way to
   * unlock). Returns the plain password to show once. The caller records the audit event (it knows
   * the actor).
   */
  async resetByAdmin(tx: Transaction, owner: CredentialOwner, initial: InitialPassword): Promise<string> {
    const id = await this.repo.reset(tx, owner, initial.hash);
    if (!id) throw notFound('credential.not_found', 'This account has no password to reset');
    return initial.password;
  }
}

interface AuditExtra {
  owner?: CredentialOwner | undefined;
  accounts?: SignInAccount[] | undefined;
  details?: Record<string, unknown>;
}
type Recorder = (tx: Transaction, reason: SignInFailureReason | null, extra?: AuditExtra) => Promise<unknown>;
