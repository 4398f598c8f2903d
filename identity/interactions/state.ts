import type { SignInAccount } from '../../directory/credentials/credential-service.ts';
import type { InteractionStateRepository } from '../store/interaction-state-repository.ts';

/**
 * Step state of one sign-in, keyed by the interaction uid and kept in the database (never in a
 * node's memory: the next request may reach any node). It expires with the interaction.
 */
export interface SignInState {
  /** Set when a sign-in method has proved who is there. */
  auth?: {
    /** How the person proved who they are: `password` (R19), `sms` (R21), `essc` (R22). */
    method: 'password' | 'sms' | 'essc';
    /** RFC 8176 method references; the second factor (R23) adds its own (`otp`, `sms`) and `mfa`. */
    amr: string[];
    /**
     * The password credential a forced change (R20) replaces: the one checked by a password sign-in,
     * or the person's own when a QR sign-in (R22) meets an initial or reset password.
     */
    credentialId?: string | undefined;
    /** The real-name person signed in (null for a unit account, which has no person). */
    personId: string | null;
    accounts: SignInAccount[];
    /** R18/R20 — the password must be changed before the sign-in completes. */
    mustChange: boolean;
  };
  /** R9 — the account chosen among several. */
  accountId?: string;
  /** R23 — the second factor of this sign-in. */
  secondFactor?: {
    /** The amr of the factor proved (`otp`: an authenticator code or a recovery code; `sms`): the step is passed. */
    passed?: 'otp' | 'sms' | undefined;
    /** An enrolment begun on this sign-in: the new secret, sealed for the person (never plain at rest). */
    pending?: string | undefined;
    /** An SMS code was sent as the second factor: the masked phone it went to (the page shows the code field). */
    smsSentTo?: string | undefined;
  };
}

/** The sign-in's view of its step state: a sign-in that has none yet starts from `{}`. */
export class SignInStateStore {
  constructor(private readonly states: InteractionStateRepository<SignInState>) {}

  async load(uid: string): Promise<SignInState> {
    return (await this.states.find(uid)) ?? {};
  }

  /** `expiresAt` in epoch seconds (the interaction's own expiry). */
  save(uid: string, state: SignInState, expiresAt: number): Promise<void> {
    return this.states.save(uid, state, expiresAt);
  }

  remove(uid: string): Promise<void> {
    return this.states.remove(uid);
  }
}
