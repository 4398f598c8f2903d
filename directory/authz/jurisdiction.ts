/**
 * R10 — the units of the jurisdiction of the unit named by the replacement `:<param>`: that unit,
 * every unit below it by confirmed affiliation (a unit's `path` holds its confirmed ancestors, root
 * first, and itself), plus units it created that are not yet affiliated. `u` is the alias of the
 * units table in the caller's query.
 */
export const jurisdictionOf = (param: string) => `(u.path @> ARRAY[CAST(:${param} AS uuid)]
  OR (u.created_by_unit_id = :${param} AND u.affiliation = 'unconfirmed'))`;

/**
 * R10 — an administrator's jurisdiction: the units of `:jurisdictionUnitId`'s jurisdiction
 * ({@link jurisdictionOf}). Repositories embed it; `UnitRepository.inJurisdiction` asks it about one unit.
 */
export const JURISDICTION_SQL = jurisdictionOf('jurisdictionUnitId');
