import type { Sequelize, Transaction } from 'sequelize';
import type { AccountKind, UnitKind } from '../directory/models/index.ts';
import { isModuleOf, type Subsystem } from '../directory/catalogue/modules.ts';

/** The live state of an account as tokens and claims need it (SPEC §6). */
export interface AccountView {
  id: string;
  kind: AccountKind;
  status: string;
  unitId: string;
  unitUscc: string;
  unitName: string;
  unitKind: UnitKind;
  unitStatus: string;
  /** Unit ids from the root to the unit by confirmed affiliation (R14). */
  unitPath: string[];
  personName: string | null;
  phoneMasked: string | null;
  /** R20 — its password is an initial one (created or reset by an administrator) not yet changed. */
  mustChange: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function loadAccountView(
  sequelize: Sequelize,
  accountId: string,
  transaction?: Transaction,
): Promise<AccountView | undefined> {
  if (!UUID.test(accountId)) return undefined;
  const [rows] = await sequelize.query(
    `SELECT a.id, a.kind, a.status, a.unit_id AS "unitId", u.uscc AS "unitUscc", u.name AS "unitName",
       u.kind AS "unitKind", u.status AS "unitStatus", u.path AS "unitPath", p.name AS "personName",
       p.phone_masked AS "phoneMasked",
       COALESCE((SELECT c.must_change FROM credentials c WHERE c.person_id = a.person_id),
                (SELECT c.must_change FROM credentials c WHERE c.account_id = a.id), false) AS "mustChange"
     FROM accounts a JOIN units u ON u.id = a.unit_id LEFT JOIN persons p ON p.id = a.person_id
     WHERE a.id = :accountId`,
    { replacements: { accountId }, transaction },
  );
  return (rows as AccountView[])[0];
}

const perRequest = new WeakMap<object, Map<string, Promise<AccountView | undefined>>>();

/**
 * {@link loadAccountView}, once per provider request: the token endpoint asks for the same account
 * in `findAccount` and again in `extraTokenClaims` for every token it issues.
 */
export function accountViewOfRequest(
  sequelize: Sequelize,
  ctx: object | undefined,
  accountId: string,
): Promise<AccountView | undefined> {
  if (!ctx) return loadAccountView(sequelize, accountId); // a token minted outside any request
  let views = perRequest.get(ctx);
  if (!views) perRequest.set(ctx, (views = new Map()));
  let view = views.get(accountId);
  if (!view) {
    view = loadAccountView(sequelize, accountId);
    views.set(accountId, view);
    view.catch(() => views.delete(accountId)); // a failed read is not remembered
  }
  return view;
}

/** Only an active account of an active unit signs in, holds sessions or gets tokens (R12). */
export const isLive = (v: AccountView | undefined): v is AccountView =>
  v !== undefined && v.status === 'active' && v.unitStatus === 'active';

/**
 * R9, SPEC §6 — the account's active business roles of one subsystem and the modules they grant,
 * limited to that subsystem's catalogue so nothing leaks across subsystems. Unit and administrator
 * accounts never hold business roles.
 */
export async function subsystemGrants(
  sequelize: Sequelize,
  view: AccountView,
  subsystem: Subsystem,
): Promise<{ roles: string[]; modules: string[] }> {
  if (view.kind !== 'operator') return { roles: [], modules: [] };
  const [rows] = await sequelize.query(
    `SELECT r.code, r.modules FROM account_roles ar JOIN roles r ON r.id = ar.role_id
     WHERE ar.account_id = :accountId AND r.subsystem = :subsystem AND r.status = 'active' ORDER BY r.code`,
    { replacements: { accountId: view.id, subsystem } },
  );
  const roles = rows as Array<{ code: string; modules: string[] }>;
  const modules = new Set(roles.flatMap((r) => r.modules).filter((m) => isModuleOf(subsystem, m)));
  return { roles: roles.map((r) => r.code), modules: [...modules].sort() };
}
