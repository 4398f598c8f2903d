import type { SignInAccount } from '../../directory/credentials/credential-service.ts';
import type { SignInState } from './state.ts';

/** The next thing a sign-in needs; `done` carries the login result for the provider. */
export type Step =
  | { name: 'sign-in' }
  | { name: 'change-password' }
  | { name: 'choose-account'; accounts: SignInAccount[] }
  | { name: 'done'; accountId: string; amr: string[] };

/**
 * The sign-in step machine, pure so every path is testable:
 * 1. a sign-in method proves who is there (password R19, SMS code R21; QR R22 later), each
 *    producing the same `auth` record with its own amr;
 * 2. an initial or expired password is changed (R18, R20) — before the provider creates any
 *    session, so no token exists until it is changed;
 * 3. a person with several active accounts chooses one (R9);
 * 4. (later, R23) a second factor for administrators, inserted here before `done`.
 */
export function nextStep(state: SignInState): Step {
  const { auth } = state;
  if (!auth) return { name: 'sign-in' };
  if (auth.mustChange) return { name: 'change-password' };
  const chosen = auth.accounts.find((a) => a.id === state.accountId) ?? (auth.accounts.length === 1 ? auth.accounts[0] : undefined);
  if (!chosen) return { name: 'choose-account', accounts: auth.accounts };
  return { name: 'done', accountId: chosen.id, amr: auth.amr };
}
