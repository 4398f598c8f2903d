import { QueryTypes, type Sequelize } from 'sequelize';
import { decodeCursor } from '../../platform/pagination.ts';
import { LIVE_ACCOUNT_SQL, type AccountRow } from '../accounts/account-repository.ts';
import { JURISDICTION_SQL, jurisdictionOf } from '../authz/jurisdiction.ts';
import type { AccountKind, UnitKind } from '../models/index.ts';
import { VISIBLE_ROLE_SQL } from '../roles/role-repository.ts';
import { USAGE_WINDOW_MINUTES } from './subsystem-usage-repository.ts';

/** The questions the clean-up lists answer about the accounts of a jurisdiction (issue 8). */
export const ACCOUNT_QUESTIONS = ['never-signed-in', 'dormant', 'locked', 'incomplete', 'without-role'] as const;
export type AccountQuestion = (typeof ACCOUNT_QUESTIONS)[number];

/**
 * What "incomplete" means, as the schema can say it (each an entry of `missing`):
 * - `unit-category`: a unit or administrator account of an employer that has no category (事业单位,
 *   企业, 社会组织; required for new employers since issue 8, absent on older or imported ones);
 * - `unit-area`: a unit or administrator account of a unit without its administrative-division
 *   code (the upper-unit lookup finds units by area);
 * - `password`: no password at all (imported accounts sign in first by SMS or QR): only a reset
 *   by an administrator gives one.
 * The person's name, ID number and phone are required by the schema, so they are never missing.
 */
export const MISSING_KINDS = ['unit-category', 'unit-area', 'password'] as const;
export type MissingKind = (typeof MISSING_KINDS)[number];

/** A scope of the lists: the caller's jurisdiction, within the subtree of one of its units (R10). */
export interface CleanupScope {
  jurisdictionUnitId: string;
  subtreeUnitId: string;
}

export interface AccountQuery extends CleanupScope {
  question: AccountQuestion;
  days: number;
  kind?: AccountKind | undefined;
  limit: number;
  next?: string | undefined;
}

export interface CleanupAccountRow extends AccountRow {
  lastSignInAt: Date | null;
  lastSignInMethod: string | null;
  lockedAt: Date | null;
  missing: MissingKind[];
  unitName: string;
  /** When the account was last active: its last sign-in, or its creation (the dormant lists' order). */
  idleSince: Date;
}

export interface CleanupRoleRow {
  id: string;
  code: string;
  name: string;
  subsystem: string;
  modules: string[];
  ownerUnitId: string | null;
  members: number;
}

export interface CountsRow {
  accounts: number;
  neverSignedIn: number;
  dormant: number;
  locked: number;
  operatorsWithoutRole: number;
}

export interface UnitCountsRow extends CountsRow {
  unitId: string;
  name: string;
  kind: UnitKind;
  uscc: string;
  parentUnitId: string | null;
  status: 'active' | 'disabled';
}

/** Units of the scope: the caller's jurisdiction (R10) and the chosen unit's subtree. `u` is the units alias. */
const IN_SCOPE = `${JURISDICTION_SQL} AND ${jurisdictionOf('subtreeUnitId')}`;

/** The account's credential (`cp` the person's, `ca` a unit account's own). */
const CREDENTIALS = `LEFT JOIN credentials cp ON cp.person_id = a.person_id LEFT JOIN credentials ca ON ca.account_id = a.id`;
const LOCKED = `COALESCE(cp.locked_at, ca.locked_at) IS NOT NULL`;
const DORMANT = `COALESCE(a.last_sign_in_at, a.created_at) < clock_timestamp() - make_interval(days => :days)`;
const NO_ACTIVE_ROLE = `(a.kind = 'operator' AND NOT EXISTS (SELECT 1 FROM account_roles ar JOIN roles r ON r.id = ar.role_id
  WHERE ar.account_id = a.id AND r.status = 'active'))`;
const MISSING = `array_remove(ARRAY[
    CASE WHEN a.kind <> 'operator' AND u.kind = 'employer' AND u.category IS NULL THEN 'unit-category' END,
    CASE WHEN a.kind <> 'operator' AND u.admin_division IS NULL THEN 'unit-area' END,
    CASE WHEN cp.id IS NULL AND ca.id IS NULL THEN 'password' END
  ], NULL)`;

const ACCOUNT_ROW = `SELECT a.id, a.kind, a.unit_id AS "unitId", a.person_id AS "personId", a.username, a.status, a.scope,
    a.created_at AS "createdAt", a.ended_at AS "endedAt", COALESCE(p.name, u.name) AS name,
    p.id_number_masked AS "idNumberMasked", p.phone_masked AS "phoneMasked",
    COALESCE((SELECT array_agg(r.code ORDER BY r.code) FROM account_roles ar JOIN roles r ON r.id = ar.role_id
      WHERE ar.account_id = a.id), '{}') AS roles,
    a.last_sign_in_at AS "lastSignInAt", a.last_sign_in_method AS "lastSignInMethod",
    COALESCE(cp.locked_at, ca.locked_at) AS "lockedAt", ${MISSING} AS missing, u.name AS "unitName",
    COALESCE(a.last_sign_in_at, a.created_at) AS "idleSince"
  FROM accounts a JOIN units u ON u.id = a.unit_id LEFT JOIN persons p ON p.id = a.person_id ${CREDENTIALS}`;

/** Each question: its condition and the order it is paged in (oldest first: the likeliest to clean up). */
const QUESTIONS: Record<AccountQuestion, { where: string; orderKey: string }> = {
  'never-signed-in': { where: 'a.last_sign_in_at IS NULL', orderKey: 'a.created_at' },
  dormant: { where: DORMANT, orderKey: 'COALESCE(a.last_sign_in_at, a.created_at)' },
  locked: { where: LOCKED, orderKey: 'a.created_at' },
  incomplete: { where: `cardinality(${MISSING}) > 0`, orderKey: 'a.created_at' },
  'without-role': { where: NO_ACTIVE_ROLE, orderKey: 'a.created_at' },
};

/** The counts of the clean-up questions over the accounts `a` joined (NULL rows of a LEFT JOIN count nowhere). */
const COUNTS = `count(a.id)::int AS accounts,
  count(a.id) FILTER (WHERE a.last_sign_in_at IS NULL)::int AS "neverSignedIn",
  count(a.id) FILTER (WHERE ${DORMANT})::int AS dormant,
  count(a.id) FILTER (WHERE ${LOCKED})::int AS locked,
  count(a.id) FILTER (WHERE ${NO_ACTIVE_ROLE})::int AS "operatorsWithoutRole"`;

/** A live member of role `r` among the accounts of the scope; `u` here is the member's unit. */
const MEMBER = `FROM account_roles ar JOIN accounts a ON a.id = ar.account_id JOIN units u ON u.id = a.unit_id
  WHERE ar.role_id = r.id AND ${LIVE_ACCOUNT_SQL} AND ${IN_SCOPE}`;

/**
 * A member used the role's subsystem since it was granted: a token for that subsystem was issued to
 * it. The record moves at most once per window, so a use within the window after an earlier record
 * leaves the earlier time; a record up to two windows (two nodes' memories) before the grant
 * therefore counts too — the list errs towards "used", never calling a used role unused.
 */
const USED_SINCE_GRANT = `EXISTS (SELECT 1 FROM subsystem_usage s WHERE s.account_id = a.id AND s.subsystem = r.subsystem
  AND s.last_used_at >= ar.granted_at - make_interval(mins => ${2 * USAGE_WINDOW_MINUTES}))`;

const ROLE_ROW = `SELECT r.id, r.code, r.name, r.subsystem, r.modules, r.owner_unit_id AS "ownerUnitId",
    (SELECT count(*) ${MEMBER})::int AS members
  FROM roles r LEFT JOIN units u ON u.id = r.owner_unit_id`;

/** The clean-up lists' reads (issue 8): accounts, roles and counts of a jurisdiction. Read only. */
export class CleanupRepository {
  private readonly sequelize: Sequelize;

  constructor(deps: { sequelize: Sequelize }) {
    this.sequelize = deps.sequelize;
  }

  /** A page of the live accounts of the scope that answer `question`, keyset-paged in its order. */
  accounts(q: AccountQuery): Promise<CleanupAccountRow[]> {
    const { where: condition, orderKey } = QUESTIONS[q.question];
    const where = [LIVE_ACCOUNT_SQL, IN_SCOPE, condition];
    const replacements: Record<string, unknown> = { jurisdictionUnitId: q.jurisdictionUnitId, subtreeUnitId: q.subtreeUnitId, days: q.days, limit: q.limit + 1 };
    if (q.kind) (where.push('a.kind = :kind'), (replacements.kind = q.kind));
    const cursor = decodeCursor(q.next, ['timestamp', 'uuid']);
    if (cursor) {
      where.push(`(${orderKey}, a.id) > (CAST(:cAt AS timestamptz), CAST(:cId AS uuid))`);
      Object.assign(replacements, { cAt: cursor[0], cId: cursor[1] });
    }
    return this.sequelize.query<CleanupAccountRow>(`${ACCOUNT_ROW} WHERE ${where.join(' AND ')} ORDER BY ${orderKey}, a.id LIMIT :limit`, {
      replacements,
      type: QueryTypes.SELECT,
    });
  }

  /**
   * Active roles the caller sees (R10, R17) that no live account of the scope holds (`unheld`), or
   * that some hold but none of them used since it was granted (`unused`), by code.
   */
  roles(q: CleanupScope & { which: 'unheld' | 'unused'; subsystem?: string | undefined; limit: number; next?: string | undefined }): Promise<CleanupRoleRow[]> {
    const where = [`r.status = 'active'`, VISIBLE_ROLE_SQL];
    if (q.which === 'unheld') where.push(`NOT EXISTS (SELECT 1 ${MEMBER})`);
    else where.push(`EXISTS (SELECT 1 ${MEMBER})`, `NOT EXISTS (SELECT 1 ${MEMBER} AND ${USED_SINCE_GRANT})`);
    const replacements: Record<string, unknown> = { jurisdictionUnitId: q.jurisdictionUnitId, subtreeUnitId: q.subtreeUnitId, limit: q.limit + 1 };
    if (q.subsystem) (where.push('r.subsystem = :subsystem'), (replacements.subsystem = q.subsystem));
    const cursor = decodeCursor(q.next, ['text']);
    if (cursor) (where.push('r.code > :cCode'), (replacements.cCode = cursor[0]));
    return this.sequelize.query<CleanupRoleRow>(`${ROLE_ROW} WHERE ${where.join(' AND ')} ORDER BY r.code LIMIT :limit`, {
      replacements,
      type: QueryTypes.SELECT,
    });
  }

  /** The same counts over every live account of the scope at once (the subtree's totals). */
  async scopeTotals(q: CleanupScope & { days: number }): Promise<CountsRow> {
    const [row] = await this.sequelize.query<CountsRow>(
      `SELECT ${COUNTS} FROM accounts a JOIN units u ON u.id = a.unit_id ${CREDENTIALS} WHERE ${LIVE_ACCOUNT_SQL} AND ${IN_SCOPE}`,
      { replacements: { jurisdictionUnitId: q.jurisdictionUnitId, subtreeUnitId: q.subtreeUnitId, days: q.days }, type: QueryTypes.SELECT },
    );
    return row!;
  }

  /** Each unit of the scope with the counts of its own live accounts, by name then id. */
  unitCounts(q: CleanupScope & { days: number; limit: number; next?: string | undefined }): Promise<UnitCountsRow[]> {
    const where = [IN_SCOPE];
    const replacements: Record<string, unknown> = { jurisdictionUnitId: q.jurisdictionUnitId, subtreeUnitId: q.subtreeUnitId, days: q.days, limit: q.limit + 1 };
    const cursor = decodeCursor(q.next, ['text', 'uuid']);
    if (cursor) (where.push('(u.name, u.id) > (:cName, CAST(:cId AS uuid))'), Object.assign(replacements, { cName: cursor[0], cId: cursor[1] }));
    return this.sequelize.query<UnitCountsRow>(
      `SELECT u.id AS "unitId", u.name, u.kind, u.uscc, u.parent_unit_id AS "parentUnitId", u.status,
          ${COUNTS}
        FROM units u LEFT JOIN accounts a ON a.unit_id = u.id AND ${LIVE_ACCOUNT_SQL} ${CREDENTIALS}
        WHERE ${where.join(' AND ')}
        GROUP BY u.id ORDER BY u.name, u.id LIMIT :limit`,
      { replacements, type: QueryTypes.SELECT },
    );
  }
}
