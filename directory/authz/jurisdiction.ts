import type { Sequelize, Transaction } from 'sequelize';

/**
 * R10 — an administrator's jurisdiction is its unit, every unit below it by confirmed affiliation
 * (the unit's `path` holds its confirmed ancestors, root first), plus units it created that are not
 * yet affiliated. This SQL predicate selects the units of `:jurisdictionUnitId`'s jurisdiction; `u`
 * is the alias of the units table in the caller's query.
 */
export const JURISDICTION_SQL = `(u.path @> ARRAY[CAST(:jurisdictionUnitId AS uuid)]
  OR (u.created_by_unit_id = :jurisdictionUnitId AND u.affiliation = 'unconfirmed'))`;

/** True when `unitId` lies in the jurisdiction of `actorUnitId` (R10). */
export async function isInJurisdiction(
  sequelize: Sequelize,
  actorUnitId: string,
  unitId: string,
  transaction?: Transaction,
): Promise<boolean> {
  const [rows] = await sequelize.query(`SELECT 1 FROM units u WHERE u.id = :unitId AND ${JURISDICTION_SQL}`, {
    replacements: { unitId, jurisdictionUnitId: actorUnitId },
    transaction,
  });
  return rows.length > 0;
}
