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

/**
 * A node of `GET /units/{id}/tree` (issue 11): its children as far as loaded, whether it has any,
 * and — when the children shown are not all of them — `truncated` with, if some were shown, the
 * `next` cursor that continues them (`GET /units/{node}/tree?next=`).
 */
export interface UnitTreeNode extends UnitView {
  children: UnitTreeNode[];
  hasChildren: boolean;
  truncated: boolean;
  next?: string;
}

export const treeNode = (u: UnitRow, hasChildren: boolean): UnitTreeNode => ({ ...unitView(u), children: [], hasChildren, truncated: false });
