import type { SignInAccount } from '../../directory/credentials/credential-service.ts';
import { MFA_AMR, secondFactorRequired, type AdminMfa } from '../../directory/credentials/second-factor-policy.ts';
import type { SignInState } from './state.ts';

/** The next thing a sign-in needs; `done` carries the login result for the provider. */
export type Step =
  | { name: 'sign-in' }
  | { name: 'change-password' }
  | { name: 'choose-account'; accounts: SignInAccount[] }
  | { name: 'second-factor'; personId: string }
  | { name: 'enrol-second-factor'; personId: string }
  | { name: 'done'; accountId: string; amr: string[] };

/** What the machine reads besides the state: the policy (ADMIN_MFA) and whether the person has an authenticator enrolled. */
export interface StepPolicy {
  adminMfa: AdminMfa;
  totpEnrolled: boolean;
}

/**
 * The sign-in step machine, pure so every path is testable:
 * 1. a sign-in method proves who is there (password, SMS R21, QR R22, each producing the same
 *    `auth` record with its own amr);
 * 2. an initial or expired password is changed (R18, R20) — before the provider creates any
 *    session, so no token exists until it is changed;
 * 3. a person with several active accounts chooses one (R9);
 * 4. R23: when the chosen account needs a second factor, the person proves it (enrolled) or
 *    enrols an authenticator app first; the factor's amr and `mfa` join the login result.
 */
export function nextStep(state: SignInState, policy: StepPolicy): Step {
  const { auth } = state;
  if (!auth) return { name: 'sign-in' };
  if (auth.mustChange) return { name: 'change-password' };
  const chosen = auth.accounts.find((a) => a.id === state.accountId) ?? (auth.accounts.length === 1 ? auth.accounts[0] : undefined);
  if (!chosen) return { name: 'choose-account', accounts: auth.accounts };
  const second = state.secondFactor;
  if (second?.passed) return { name: 'done', accountId: chosen.id, amr: [...auth.amr, second.passed, MFA_AMR] };
  if (secondFactorRequired(policy.adminMfa, chosen)) {
    // An administrator has a person (real-name, R8); a personless account cannot be asked and is refused at sign-in.
    const personId = auth.personId ?? '';
    return policy.totpEnrolled ? { name: 'second-factor', personId } : { name: 'enrol-second-factor', personId };
  }
  return { name: 'done', accountId: chosen.id, amr: auth.amr };
}
