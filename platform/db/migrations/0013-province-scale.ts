import type { MigrationContext } from '../migration-context.ts';

/**
 * Issue 11 — the admin API at province scale (100k units, 1M accounts), each index for a query
 * measured slow there (docs/performance.md, "Admin API at province scale"):
 * - `GET /units` ordered by name: the jurisdiction of a unit at depth k (the root is 1) is every unit
 *   whose `path[k]` is that unit (a unit's path holds its ancestors root first, so an ancestor can
 *   only sit at its own depth). An index on `(path[k], name, id)` per upper level serves the first
 *   page of the province, a city, a county and a county's departments by walking the index in order,
 *   instead of scanning and sorting the whole jurisdiction; deeper jurisdictions are small.
 * - the tree (a level at a time, children of each node by name, paged) and `GET /units?parentId=`:
 *   `(parent_unit_id, name, id)`, which replaces the plain parent index.
 * - `GET /accounts?unitId=` ordered by `(created_at, id)`: `(unit_id, created_at, id)`.
 */
export async function up({ context: q }: MigrationContext): Promise<void> {
  await q(`
    CREATE INDEX units_level1_name_idx ON units ((path[1]), name, id);
    CREATE INDEX units_level2_name_idx ON units ((path[2]), name, id);
    CREATE INDEX units_level3_name_idx ON units ((path[3]), name, id);
    CREATE INDEX units_level4_name_idx ON units ((path[4]), name, id);
    CREATE INDEX units_parent_name_idx ON units (parent_unit_id, name, id);
    DROP INDEX units_parent_idx;
    CREATE INDEX accounts_unit_created_idx ON accounts (unit_id, created_at, id);
  `);
}

export async function down({ context: q }: MigrationContext): Promise<void> {
  await q(`
    CREATE INDEX units_parent_idx ON units (parent_unit_id);
    DROP INDEX units_level1_name_idx, units_level2_name_idx, units_level3_name_idx, units_level4_name_idx,
      units_parent_name_idx, accounts_unit_created_idx;
  `);
}
