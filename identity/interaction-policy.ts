import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { IdentityReads } from '../directory/identity-reads.ts';
import { MFA_AMR, secondFactorRequired, type AdminMfa } from '../directory/credentials/second-factor-policy.ts';
import { accountViewOfRequest } from './account-view.ts';

const { base, Check } = interactionPolicy;

/**
 * oidc-provider's prompts with one more `login` check (R23): an SSO session whose sign-in proved
 * no second factor (made while ADMIN_MFA was off, or before an employer became hrss…) does not
 * complete an authorization request for an account the policy now asks one of — the person signs
 * in again and meets the second-factor step. Without it the session would yield tokens the admin
 * API refuses, with no way forward but signing out.
 */
export function signInPolicy(accounts: IdentityReads['accounts'], adminMfa: AdminMfa) {
  const policy = base();
  policy.get('login')!.checks.add(
    new Check('second_factor_required', 'the account needs a second factor this session did not prove', async (ctx: KoaContextWithOIDC) => {
      const session = ctx.oidc.session;
      if (adminMfa === 'off' || !session?.accountId || session.amr?.includes(MFA_AMR)) return Check.NO_NEED_TO_PROMPT;
      const view = await accountViewOfRequest(accounts, ctx, session.accountId);
      return view && secondFactorRequired(adminMfa, view) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );
  return policy;
}
