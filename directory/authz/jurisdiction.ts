/**
 * R10 — the units of the jurisdiction of the unit named by the replacement `:<param>`: that unit,
 * every unit below it by confirmed affiliation (a unit's `path` holds its confirmed ancestors, root
 * first, and itself), plus units it created that are not yet affiliated. `u` is the alias of the
 * units table in the caller's query.
 */
export const jurisdictionOf = (param: string) => `(u.path @> ARRAY[CAST(:${param} AS uuid)]
  OR (u.created_by_unit_id = :${param} AND u.affiliation = 'unconfirmed'))`;

/**
 * {@link jurisdictionOf} for a query that finds its rows through another index (children by parent):
 * the same predicate, written so that PostgreSQL checks it on those rows instead of intersecting with
 * the `path` GIN index — whose selectivity it cannot know: for the province every unit matches, and a
 * bitmap of 100,000 entries per lookup made a tree level take 380 ms instead of 1 ms (issue 11).
 */
export const jurisdictionFilterOf = (param: string, alias = 'u') => `(CAST(:${param} AS uuid) = ANY(${alias}.path)
  OR (${alias}.created_by_unit_id = :${param} AND ${alias}.affiliation = 'unconfirmed'))`;

/**
 * R10 — an administrator's jurisdiction: the units of `:jurisdictionUnitId`'s jurisdiction
 * ({@link jurisdictionOf}). Repositories embed it; `UnitRepository.inJurisdiction` asks it about one unit.
 */
export const JURISDICTION_SQL = jurisdictionOf('jurisdictionUnitId');
