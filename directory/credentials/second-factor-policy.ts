import type { Config } from '../../platform/config.ts';
import type { AccountKind, UnitKind } from '../models/index.ts';

export type AdminMfa = Config['adminMfa'];

/**
 * R23 — whether an account must prove a second factor: `hrss` (the default) asks administrators of
 * hrss units, `all` every administrator, `off` nobody (development and tests only). Operators and
 * unit accounts are never asked. One rule for the sign-in steps and the admin API's token check.
 */
export function secondFactorRequired(adminMfa: AdminMfa, account: { kind: AccountKind; unitKind: UnitKind }): boolean {
  if (account.kind !== 'admin') return false;
  switch (adminMfa) {
    case 'all':
      return true;
    case 'hrss':
      return account.unitKind === 'hrss';
    case 'off':
      return false;
  }
}

/** RFC 8176: the `amr` value saying more than one factor was used (R23). */
export const MFA_AMR = 'mfa';
