import type { AccountKind, UnitKind, UnitLevel } from './models/index.ts';

/** Who is acting: the signed-in account behind an admin-API call or a sign-in step. */
export interface Actor {
  accountId: string;
  kind: AccountKind;
  unitId: string;
  unitKind: UnitKind;
  unitLevel: UnitLevel | null;
  /** Subsystems an hrss administrator administers (`['all']` for every one); null otherwise. */
  scope: string[] | null;
  /** Role codes held (operators only; R9 keeps the rest empty). */
  roles: string[];
  personId: string | null;
}

/** Where a request came from, for the audit trail (defined by the HTTP edge, below this layer). */
export type { RequestMeta } from '../platform/http/request.ts';
