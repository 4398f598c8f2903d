import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { decodeCursor } from '../../platform/pagination.ts';
import { JURISDICTION_SQL, jurisdictionFilterOf } from '../authz/jurisdiction.ts';
import { dbNow, plain, UnitModel, type Unit, type UnitCategory, type UnitKind } from '../models/index.ts';

export interface UnitFilter {
  parentId?: string | undefined;
  createdById?: string | undefined;
  kind?: UnitKind | undefined;
  category?: UnitCategory | undefined;
  status?: 'active' | 'disabled' | undefined;
  q?: string | undefined;
  limit: number;
  next?: string | undefined;
}

/** What the upper-unit lookup asks the table (issue 8). */
export interface UpperUnitQuery {
  selfId: string;
  kinds: UnitKind[];
  /** hrss levels allowed (units of other kinds have none). */
  levels?: Array<'province' | 'city' | 'county'> | undefined;
  /** An administrative-division code prefix (2, 4 or 6 digits). */
  area?: string | undefined;
  name?: NameSearch | undefined;
  limit: number;
  next?: string | undefined;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** LIKE patterns for a typed name: exact, prefix, contiguous, and its characters in order (`省人社` finds `省人力资源和社会保障厅`). */
export interface NameSearch {
  exact: string;
  prefix: string;
  contiguous: string;
  pattern: string;
}

export function nameSearch(typed: string): NameSearch {
  const chars = [...typed.replace(/\s+/g, '')];
  const exact = chars.join('');
  return {
    exact,
    prefix: `${escapeLike(exact)}%`,
    contiguous: `%${escapeLike(exact)}%`,
    pattern: `%${chars.map(escapeLike).join('%')}%`,
  };
}

const COLUMNS = `u.id, u.kind, u.level, u.category, u.name, u.uscc, u.derived, u.uscc_override AS "usccOverride",
  u.admin_division AS "adminDivision", u.responsibilities, u.created_by_unit_id AS "createdByUnitId",
  u.parent_unit_id AS "parentUnitId", u.affiliation, u.path, u.status, u.created_at AS "createdAt",
  u.updated_at AS "updatedAt"`;

export type UnitRow = Pick<
  Unit,
  | 'id' | 'kind' | 'level' | 'category' | 'name' | 'uscc' | 'derived' | 'usccOverride' | 'adminDivision' | 'responsibilities'
  | 'createdByUnitId' | 'parentUnitId' | 'affiliation' | 'path' | 'status' | 'createdAt' | 'updatedAt'
>;

/** A unit as a bulk load writes it (issue 11): confirmed when it names a parent. */
export type BulkUnit = Pick<Unit, 'id' | 'kind' | 'level' | 'category' | 'name' | 'uscc' | 'derived' | 'adminDivision' | 'responsibilities' | 'createdByUnitId' | 'parentUnitId' | 'path'> & {
  nextDerivedSerial: number;
};

/** Levels with a `(path[k], name, id)` index (migration 0013): the root, cities, counties, their departments. */
const INDEXED_LEVELS = 4;

/** Advisory lock key of the affiliation tree (any constant unique within the database). */
const TREE_LOCK_KEY = 7_302_114;

/** Units: lookups within a jurisdiction (R10), atomic derived-code serials (R2), subtree moves (R13). */
export class UnitRepository {
  private readonly sequelize: Sequelize;

  constructor(deps: { sequelize: Sequelize }) {
    this.sequelize = deps.sequelize;
  }

  async findById(tx: Transaction | undefined, id: string): Promise<Unit | null> {
    return plain(await UnitModel.findByPk(id, { transaction: tx }));
  }

  /** The unit row locked for the rest of the transaction (a change compares with what it replaces). */
  async lock(tx: Transaction, id: string): Promise<Unit | null> {
    return plain(await UnitModel.findByPk(id, { transaction: tx, lock: tx.LOCK.UPDATE }));
  }

  async findByUscc(tx: Transaction | undefined, uscc: string): Promise<Unit | null> {
    return plain(await UnitModel.findOne({ where: { uscc }, transaction: tx }));
  }

  /** The unit's confirmed path (root first), or null for an unknown unit. */
  async pathOf(tx: Transaction | undefined, id: string): Promise<string[] | null> {
    const [row] = await this.sequelize.query<{ path: string[] }>('SELECT path FROM units WHERE id = :id', {
      replacements: { id },
      type: QueryTypes.SELECT,
      transaction: tx,
    });
    return row?.path ?? null;
  }

  /** R5 — whether the province root (the one unit no unit created) exists. */
  async rootExists(tx: Transaction): Promise<boolean> {
    return (await UnitModel.count({ where: { createdByUnitId: null }, transaction: tx })) > 0;
  }

  async create(
    tx: Transaction,
    u: Pick<Unit, 'id' | 'kind' | 'level' | 'name' | 'uscc' | 'adminDivision' | 'createdByUnitId' | 'path'> &
      Partial<Pick<Unit, 'category' | 'derived' | 'usccOverride' | 'responsibilities' | 'affiliation' | 'parentUnitId'>>,
  ): Promise<Unit> {
    return plain(await UnitModel.create(u, { transaction: tx }))!;
  }

  /**
   * Issue 11 (bulk loads) — inserts many units with the ids, paths and serials the caller planned, in
   * one statement per call (arrays bound as parameters and unnested: no per-row SQL text). A unit may
   * name a creator or parent earlier in the same call (foreign keys are checked at the statement's end).
   */
  async createMany(tx: Transaction, rows: BulkUnit[]): Promise<void> {
    if (!rows.length) return;
    const col = <K extends keyof BulkUnit>(k: K) => rows.map((r) => r[k]);
    await this.sequelize.query(
      `INSERT INTO units (id, kind, level, category, name, uscc, derived, next_derived_serial, admin_division, responsibilities,
         created_by_unit_id, parent_unit_id, affiliation, path)
       SELECT t.id, t.kind, t.level, t.category, t.name, t.uscc, t.derived, t.serial, t.division, t.resp, t.creator, t.parent,
         CASE WHEN t.parent IS NULL THEN 'unconfirmed' ELSE 'confirmed' END, CAST(t.path AS uuid[])
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::int[], $9::text[],
         $10::text[], $11::uuid[], $12::uuid[], $13::text[])
         AS t(id, kind, level, category, name, uscc, derived, serial, division, resp, creator, parent, path)`,
      {
        bind: [
          col('id'), col('kind'), col('level'), col('category'), col('name'), col('uscc'), col('derived'), col('nextDerivedSerial'),
          col('adminDivision'), col('responsibilities'), col('createdByUnitId'), col('parentUnitId'), rows.map((r) => `{${r.path.join(',')}}`),
        ],
        transaction: tx,
      },
    );
  }

  /** Writes the changed columns (and the change stamp); returns the row as it now is. */
  async update(
    tx: Transaction,
    id: string,
    changes: Partial<Pick<Unit, 'name' | 'category' | 'adminDivision' | 'responsibilities' | 'status'>>,
  ): Promise<Unit> {
    const [, rows] = await UnitModel.update({ ...changes, updatedAt: dbNow() }, { where: { id }, returning: true, transaction: tx });
    return plain(rows[0]!)!;
  }

  /**
   * Issue 8 (R2, R3) — the unit's own USCC replaces its temporary code; the old one is kept as retired
   * (a sign-in with it is told the new one). The caller holds the unit's row lock.
   */
  async replaceCode(tx: Transaction, unit: Pick<Unit, 'id' | 'uscc'>, code: string, override: boolean): Promise<Unit> {
    await this.sequelize.query('INSERT INTO retired_unit_codes (code, unit_id) VALUES (:old, :id)', {
      replacements: { old: unit.uscc, id: unit.id },
      transaction: tx,
    });
    const [, rows] = await UnitModel.update(
      { uscc: code, derived: false, usccOverride: override, updatedAt: dbNow() },
      { where: { id: unit.id }, returning: true, transaction: tx },
    );
    return plain(rows[0]!)!;
  }

  /** True when `unitId` lies in the jurisdiction of `jurisdictionUnitId` (R10). */
  async inJurisdiction(tx: Transaction | undefined, jurisdictionUnitId: string, unitId: string): Promise<boolean> {
    const rows = await this.sequelize.query(`SELECT 1 FROM units u WHERE u.id = :unitId AND ${JURISDICTION_SQL}`, {
      replacements: { unitId, jurisdictionUnitId },
      type: QueryTypes.SELECT,
      transaction: tx,
    });
    return rows.length > 0;
  }

  /** The unit if it lies in the jurisdiction of `jurisdictionUnitId`, else null (answered 404 by callers). */
  async findInJurisdiction(tx: Transaction | undefined, jurisdictionUnitId: string, id: string): Promise<UnitRow | null> {
    const rows = await this.sequelize.query<UnitRow>(
      `SELECT ${COLUMNS} FROM units u WHERE u.id = :id AND ${JURISDICTION_SQL}`,
      { replacements: { id, jurisdictionUnitId }, type: QueryTypes.SELECT, transaction: tx },
    );
    return rows[0] ?? null;
  }

  /**
   * A page of the jurisdiction's units, ordered by name then id. Issue 11: for a jurisdiction in the
   * upper levels (the province, a city, a county, a county's department), the confirmed part is read
   * in order from the `(path[k], name, id)` index of its level (migration 0013) — `path[k] = unit` is
   * `path @> [unit]` for a unit at depth k — and merged with the units it created and nobody confirmed
   * yet; deeper jurisdictions are small and take the general form.
   */
  async list(tx: Transaction | undefined, jurisdictionUnitId: string, f: UnitFilter): Promise<UnitRow[]> {
    const where: string[] = [];
    const replacements: Record<string, unknown> = { jurisdictionUnitId, limit: f.limit + 1 };
    if (f.parentId) {
      where.push(`(u.parent_unit_id = :parentId OR (u.created_by_unit_id = :parentId AND u.affiliation = 'unconfirmed'))`);
      replacements.parentId = f.parentId;
    }
    if (f.createdById) (where.push('u.created_by_unit_id = :createdById'), (replacements.createdById = f.createdById));
    if (f.kind) (where.push('u.kind = :kind'), (replacements.kind = f.kind));
    if (f.category) (where.push('u.category = :category'), (replacements.category = f.category));
    if (f.status) (where.push('u.status = :status'), (replacements.status = f.status));
    if (f.q) {
      where.push(`(u.name LIKE :q ESCAPE '\\' OR u.uscc LIKE :q ESCAPE '\\')`);
      replacements.q = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    }
    const cursor = decodeCursor(f.next, ['text', 'uuid']);
    if (cursor) (where.push('(u.name, u.id) > (:cName, CAST(:cId AS uuid))'), Object.assign(replacements, { cName: cursor[0], cId: cursor[1] }));
    const depth = f.parentId ? 0 : ((await this.pathOf(tx, jurisdictionUnitId))?.length ?? 0);
    const query = (sql: string) => this.sequelize.query<UnitRow>(sql, { replacements, type: QueryTypes.SELECT, transaction: tx });
    if (depth < 1 || depth > INDEXED_LEVELS) {
      return query(`SELECT ${COLUMNS} FROM units u WHERE ${[JURISDICTION_SQL, ...where].join(' AND ')} ORDER BY u.name, u.id LIMIT :limit`);
    }
    const branch = (own: string) => `(SELECT ${COLUMNS} FROM units u WHERE ${[own, ...where].join(' AND ')} ORDER BY u.name, u.id LIMIT :limit)`;
    return query(
      `SELECT * FROM (${branch(`u.path[${depth}] = CAST(:jurisdictionUnitId AS uuid)`)}
         UNION ALL ${branch(`u.created_by_unit_id = :jurisdictionUnitId AND u.affiliation = 'unconfirmed'`)}) s
       ORDER BY s.name, s.id LIMIT :limit`,
    );
  }

  /**
   * Issue 8 (R13) — active units of the given kinds anywhere in the province that a unit may choose
   * as its upper unit, never itself or a unit below it (a cycle). `name` is the name pattern of
   * {@link nameSearch}; `code` a prefix of the code. Ordered by how well the name matches (exact,
   * prefix, contiguous, the characters in order), then shorter names, name, id; keyset-paged on that.
   */
  lookupUpper(f: UpperUnitQuery): Promise<Array<UnitRow & { rank: number; len: number }>> {
    const where = [`u.status = 'active'`, `u.kind IN (:kinds)`, `NOT (u.path @> ARRAY[CAST(:self AS uuid)])`];
    const replacements: Record<string, unknown> = { kinds: f.kinds, self: f.selfId, limit: f.limit + 1, exact: '', prefix: '', contiguous: '' };
    if (f.levels) (where.push(`(u.level IS NULL OR u.level IN (:levels))`), (replacements.levels = f.levels));
    if (f.area) (where.push(`u.admin_division LIKE :area`), (replacements.area = `${f.area}%`));
    if (f.name) {
      where.push(`(u.name LIKE :pattern ESCAPE '\\' OR u.uscc LIKE :codePrefix ESCAPE '\\')`);
      Object.assign(replacements, f.name, { codePrefix: `${escapeLike(f.name.exact.toUpperCase())}%` });
    }
    const rank = `CASE WHEN u.name = :exact OR u.uscc = upper(:exact) THEN 0 WHEN u.name LIKE :prefix ESCAPE '\\' THEN 1
      WHEN u.name LIKE :contiguous ESCAPE '\\' THEN 2 ELSE 3 END`;
    const cursor = decodeCursor(f.next, ['seq', 'seq', 'text', 'uuid']);
    const after = cursor ? `WHERE (s.rank, s.len, s.name, s.id) > (:cRank, :cLen, :cName, CAST(:cId AS uuid))` : '';
    if (cursor) Object.assign(replacements, { cRank: cursor[0], cLen: cursor[1], cName: cursor[2], cId: cursor[3] });
    return this.sequelize.query(
      `SELECT * FROM (SELECT ${COLUMNS}, ${f.name ? rank : '0'} AS rank, length(u.name) AS len FROM units u WHERE ${where.join(' AND ')}) s
       ${after} ORDER BY s.rank, s.len, s.name, s.id LIMIT :limit`,
      { replacements, type: QueryTypes.SELECT },
    );
  }

  /**
   * Issue 11 — one level of the tree: the confirmed children of each of `parentIds` (in that order)
   * within the jurisdiction of `jurisdictionUnitId` (R10: below a created, not yet affiliated unit lie
   * units that are not), by name then id, at most `perParent` of each and `cap` in all; `after` (name,
   * id) continues the children of a single parent. Each row says whether it has children of its own.
   * One query per level, each parent's children read in order from `(parent_unit_id, name, id)`; the
   * jurisdiction is checked on those rows ({@link jurisdictionFilterOf}), never through the path index.
   */
  children(
    tx: Transaction | undefined,
    jurisdictionUnitId: string,
    parentIds: string[],
    opts: { perParent: number; cap: number; after?: [string, string] | undefined },
  ): Promise<Array<UnitRow & { hasChildren: boolean }>> {
    const after = opts.after ? 'AND (u.name, u.id) > (:cName, CAST(:cId AS uuid))' : '';
    return this.sequelize.query(
      `SELECT c.* FROM unnest(CAST(:parents AS uuid[])) WITH ORDINALITY AS p(id, ord)
       CROSS JOIN LATERAL (
         SELECT ${COLUMNS}, p.ord,
           EXISTS (SELECT 1 FROM units k WHERE k.parent_unit_id = u.id AND CAST(:jurisdictionUnitId AS uuid) = ANY(k.path)) AS "hasChildren"
         FROM units u WHERE u.parent_unit_id = p.id AND ${jurisdictionFilterOf('jurisdictionUnitId')} ${after}
         ORDER BY u.name, u.id LIMIT :perParent) c
       ORDER BY c.ord, c.name, c.id LIMIT :cap`,
      {
        replacements: { parents: `{${parentIds.join(',')}}`, jurisdictionUnitId, perParent: opts.perParent, cap: opts.cap, cName: opts.after?.[0], cId: opts.after?.[1] },
        type: QueryTypes.SELECT,
        transaction: tx,
      },
    );
  }

  /** Issue 11 — whether the unit has confirmed children within the jurisdiction (R10). */
  async hasChildren(tx: Transaction | undefined, jurisdictionUnitId: string, id: string): Promise<boolean> {
    const rows = await this.sequelize.query(
      `SELECT 1 FROM units k WHERE k.parent_unit_id = :id AND CAST(:jurisdictionUnitId AS uuid) = ANY(k.path) LIMIT 1`,
      { replacements: { id, jurisdictionUnitId }, type: QueryTypes.SELECT, transaction: tx },
    );
    return rows.length > 0;
  }

  /**
   * R2 — takes the parent's next derived-code serial. The row lock of the UPDATE makes concurrent
   * creations under one parent queue up, so no two get the same serial.
   */
  async takeDerivedSerial(tx: Transaction, parentId: string): Promise<number> {
    const rows = await this.sequelize.query<{ serial: number }>(
      `UPDATE units SET next_derived_serial = next_derived_serial + 1 WHERE id = :parentId
       RETURNING next_derived_serial - 1 AS serial`,
      { replacements: { parentId }, type: QueryTypes.SELECT, transaction: tx },
    );
    return rows[0]!.serial;
  }

  /**
   * R2 (issue 8, legacy import) — a derived code brought from the old platform holds its serial: the
   * parent's next serial moves past it, so a unit created later never gets the same code.
   */
  async reserveDerivedSerial(tx: Transaction, parentId: string, serial: number): Promise<void> {
    await this.sequelize.query('UPDATE units SET next_derived_serial = GREATEST(next_derived_serial, :next) WHERE id = :parentId', {
      replacements: { parentId, next: serial + 1 },
      transaction: tx,
    });
  }

  /** R5 — the province root (the one unit no unit created), if bootstrapped. */
  async findRoot(tx: Transaction | undefined): Promise<Unit | null> {
    return plain(await UnitModel.findOne({ where: { createdByUnitId: null }, transaction: tx }));
  }

  /**
   * R13 — serializes changes of the affiliation tree until the transaction ends. Two approvals that
   * each look acyclic on their own (A below B, B below A) would otherwise both commit from stale
   * paths and make a cycle; callers read the paths they check only after taking this lock.
   */
  async lockTree(tx: Transaction): Promise<void> {
    await this.sequelize.query('SELECT pg_advisory_xact_lock(:key)', { replacements: { key: TREE_LOCK_KEY }, transaction: tx });
  }

  /**
   * R13/R14 — confirms `unit` below `upper`: the unit's path and those of its whole confirmed
   * subtree are re-rooted at the upper unit's path.
   */
  async moveUnder(tx: Transaction, unit: UnitRow, upper: UnitRow): Promise<void> {
    await this.sequelize.query(
      `UPDATE units SET path = CAST(:upperPath AS uuid[]) || path[(:from) : cardinality(path)], updated_at = clock_timestamp(),
         parent_unit_id = CASE WHEN id = :id THEN CAST(:upperId AS uuid) ELSE parent_unit_id END,
         affiliation = CASE WHEN id = :id THEN 'confirmed' ELSE affiliation END
       WHERE path @> ARRAY[CAST(:id AS uuid)]`,
      {
        replacements: { upperPath: `{${upper.path.join(',')}}`, from: unit.path.length, id: unit.id, upperId: upper.id },
        transaction: tx,
      },
    );
  }
}
