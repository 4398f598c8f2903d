/**
 * R10 — an administrator's jurisdiction is its unit, every unit below it by confirmed affiliation
 * (the unit's `path` holds its confirmed ancestors, root first), plus units it created that are not
 * yet affiliated. This SQL predicate selects the units of `:jurisdictionUnitId`'s jurisdiction; `u`
 * is the alias of the units table in the caller's query. Repositories embed it; `UnitRepository.inJurisdiction`
 * asks it about one unit.
 */
export const JURISDICTION_SQL = `(u.path @> ARRAY[CAST(:jurisdictionUnitId AS uuid)]
  OR (u.created_by_unit_id = :jurisdictionUnitId AND u.affiliation = 'unconfirmed'))`;
