import type { SignInView } from '../directory/accounts/account-repository.ts';
import { isModuleOf, type Subsystem } from '../directory/catalogue/modules.ts';
import type { IdentityReads } from '../directory/identity-reads.ts';

/** The state of an account as tokens and claims need it (SPEC §6); the directory's account repository reads it. */
export type AccountView = SignInView;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function loadAccountView(accounts: IdentityReads['accounts'], accountId: string): Promise<AccountView | undefined> {
  if (!UUID.test(accountId)) return undefined;
  return (await accounts.signInView(undefined, accountId)) ?? undefined;
}

const perRequest = new WeakMap<object, Map<string, Promise<AccountView | undefined>>>();

/**
 * {@link loadAccountView}, once per provider request: the token endpoint asks for the same account
 * in `findAccount` and again in `extraTokenClaims` for every token it issues.
 */
export function accountViewOfRequest(
  accounts: IdentityReads['accounts'],
  ctx: object | undefined,
  accountId: string,
): Promise<AccountView | undefined> {
  if (!ctx) return loadAccountView(accounts, accountId); // a token minted outside any request
  let views = perRequest.get(ctx);
  if (!views) perRequest.set(ctx, (views = new Map()));
  let view = views.get(accountId);
  if (!view) {
    view = loadAccountView(accounts, accountId);
    views.set(accountId, view);
    view.catch(() => views.delete(accountId)); // a failed read is not remembered
  }
  return view;
}

/** Only a live account (the directory's one definition: active, in an active unit) signs in, holds sessions or gets tokens (R12). */
export const isLive = (v: AccountView | undefined): v is AccountView => v !== undefined && v.live;

/**
 * R9, SPEC §6 — the account's active business roles of one subsystem and the modules they grant,
 * limited to that subsystem's catalogue so nothing leaks across subsystems. Unit and administrator
 * accounts never hold business roles.
 */
export function subsystemGrants(view: AccountView, subsystem: Subsystem): { roles: string[]; modules: string[] } {
  if (view.kind !== 'operator') return { roles: [], modules: [] };
  const held = view.activeRoles.filter((r) => r.subsystem === subsystem);
  const modules = new Set(held.flatMap((r) => r.modules).filter((m) => isModuleOf(subsystem, m)));
  return { roles: held.map((r) => r.code), modules: [...modules].sort() };
}
