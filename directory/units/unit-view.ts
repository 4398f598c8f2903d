import type { UnitRow } from './unit-repository.ts';

/** The unit's API representation. */
export const unitView = (u: UnitRow) => ({
  id: u.id,
  kind: u.kind,
  level: u.level,
  category: u.category,
  name: u.name,
  uscc: u.uscc,
  derived: u.derived,
  usccOverride: u.usccOverride,
  adminDivision: u.adminDivision,
  responsibilities: u.responsibilities,
  createdByUnitId: u.createdByUnitId,
  parentUnitId: u.parentUnitId,
  affiliation: u.affiliation,
  path: u.path,
  status: u.status,
  createdAt: new Date(u.createdAt).toISOString(),
});

export type UnitView = ReturnType<typeof unitView>;

export interface UnitTreeNode extends UnitView {
  children: UnitTreeNode[];
}

/** Nests a subtree listing (ordered by depth) under its root. */
export function nest(root: UnitRow, rows: UnitRow[]): UnitTreeNode {
  const nodes = new Map([root, ...rows].map((r) => [r.id, { ...unitView(r), children: [] as UnitTreeNode[] }]));
  for (const r of rows) {
    const parent = r.parentUnitId ? nodes.get(r.parentUnitId) : undefined;
    if (parent && r.id !== root.id) parent.children.push(nodes.get(r.id)!);
  }
  return nodes.get(root.id)!;
}
