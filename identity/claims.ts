import type { Sequelize } from 'sequelize';
import { errors, type Account, type AccountClaims, type KoaContextWithOIDC } from 'oidc-provider';
import { isLive, loadAccountView, type AccountView } from './account-view.ts';

/** Which claims each OIDC scope releases (SPEC §6): the unit context always, the masked phone on request. */
export const SCOPE_CLAIMS = {
  openid: ['sub', 'acct_kind', 'name', 'unit', 'unit_path'],
  profile: ['name'],
  phone: ['phone_number'],
};

export function accountClaims(v: AccountView): AccountClaims {
  return {
    sub: v.id,
    acct_kind: v.kind,
    // A unit account has no person: it is named after its unit.
    name: v.personName ?? v.unitName,
    unit: { id: v.unitId, uscc: v.unitUscc, name: v.unitName, kind: v.unitKind },
    unit_path: v.unitPath,
    ...(v.phoneMasked ? { phone_number: v.phoneMasked } : {}),
  };
}

/**
 * An ended (offboarded, disabled, unit disabled) account fails with the error that fits where it
 * was met, never with a 500: its sessions and grants are normally already gone (session ender).
 */
function accountEnded(ctx: KoaContextWithOIDC | undefined): Error {
  const route = ctx?.oidc?.route;
  if (route === 'authorization' || route === 'resume') return new errors.LoginRequired('the account is no longer active');
  if (route === 'userinfo') return new errors.InvalidToken('the account is no longer active');
  return new errors.InvalidGrant('the account is no longer active');
}

/** oidc-provider's `findAccount`: the live account, loaded on every use (sign-in, token, userinfo). */
export function makeFindAccount(sequelize: Sequelize) {
  return async (ctx: KoaContextWithOIDC, sub: string): Promise<Account> => {
    const view = await loadAccountView(sequelize, sub);
    if (!isLive(view)) throw accountEnded(ctx);
    return { accountId: view.id, claims: () => accountClaims(view) };
  };
}
