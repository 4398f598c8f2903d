import { errors, type Account, type AccountClaims, type KoaContextWithOIDC } from 'oidc-provider';
import type { IdentityReads } from '../directory/identity-reads.ts';
import { accountViewOfRequest, isLive, type AccountView } from './account-view.ts';

/** Which claims each OIDC scope releases (SPEC §6): the unit context always, the masked phone on request. */
export const SCOPE_CLAIMS = {
  // `amr` (R23): relying parties see whether a second factor was used (`mfa`).
  openid: ['sub', 'acct_kind', 'name', 'unit', 'unit_path', 'amr'],
  profile: ['name'],
  phone: ['phone_number'],
};

export function accountClaims(v: AccountView): AccountClaims {
  return {
    sub: v.id,
    acct_kind: v.kind,
    // A unit account has no person: it is named after its unit.
    name: v.personName ?? v.unitName,
    unit: { id: v.unitId, uscc: v.unitUscc, name: v.unitName, kind: v.unitKind, category: v.unitCategory },
    unit_path: v.unitPath,
    ...(v.phoneMasked ? { phone_number: v.phoneMasked } : {}),
  };
}

/**
 * An ended (offboarded, disabled, unit disabled) account fails with the error that fits where it
 * was met, never with a 500: its sessions and grants are normally already gone (session ender).
 */
function refused(ctx: KoaContextWithOIDC | undefined, why: string): Error {
  const route = ctx?.oidc?.route;
  if (route === 'authorization' || route === 'resume') return new errors.LoginRequired(why);
  if (route === 'userinfo') return new errors.InvalidToken(why);
  return new errors.InvalidGrant(why);
}

/**
 * oidc-provider's `findAccount`: the live account, loaded on every use (sign-in, token, userinfo).
 * Refused (R12, R20): an ended account (offboarded, disabled, unit disabled), and one whose
 * password an administrator has reset — its SSO session and refresh tokens give nothing until the
 * person signs in again and changes it.
 * The session met at an authorization request is destroyed with the refusal: left in place it
 * would answer every later authorization request of that browser — for the person's other, live
 * accounts too — with an error instead of a sign-in page. (One can exist for an ended account: a
 * sign-in completed after the account was offboarded, when there was no session yet to end.)
 */
export function makeFindAccount(accounts: IdentityReads['accounts']) {
  return async (ctx: KoaContextWithOIDC | undefined, sub: string): Promise<Account> => {
    const view = await accountViewOfRequest(accounts, ctx, sub);
    if (!isLive(view) || view.mustChange) {
      const session = ctx?.oidc?.session;
      const route = ctx?.oidc?.route;
      if ((route === 'authorization' || route === 'resume') && session?.accountId === sub) await session.destroy();
      throw refused(ctx, isLive(view) ? 'the password must be changed at sign-in' : 'the account is no longer active');
    }
    return { accountId: view.id, claims: () => accountClaims(view) };
  };
}
