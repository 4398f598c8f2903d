import { decodeCursor, encodeCursor } from '../../platform/pagination.ts';
import type { UnitRepository, UnitRow } from './unit-repository.ts';
import { treeNode, type UnitTreeNode } from './unit-view.ts';

/** Most nodes one answer holds below its root (a console's screenful many times over, never a province). */
export const TREE_MAX_NODES = 2000;

export interface TreeQuery {
  /** Levels below the root to load (0: the root alone). */
  depth: number;
  /** Children shown per node. */
  limit: number;
  /** Continues the root's children after a previous answer's `next`. */
  next?: string | undefined;
}

/**
 * Issue 11 — the confirmed tree below `root` (R14) as a console reads it: a level at a time (one
 * query each), at most `limit` children per node and {@link TREE_MAX_NODES} nodes in all. Nothing is
 * cut silently: a node whose children are not all shown says `truncated`, with a `next` cursor when
 * some were shown; the root's `incomplete` says whether any node of the answer is truncated.
 */
export async function loadTree(
  units: Pick<UnitRepository, 'children' | 'hasChildren'>,
  jurisdictionUnitId: string,
  root: UnitRow,
  q: TreeQuery,
  maxNodes = TREE_MAX_NODES,
): Promise<UnitTreeNode & { incomplete: boolean }> {
  const after = decodeCursor(q.next, ['text', 'uuid']) as [string, string] | undefined;
  const top = treeNode(root, await units.hasChildren(undefined, jurisdictionUnitId, root.id));
  let level: UnitTreeNode[] = [top];
  let budget = maxNodes;
  let incomplete = false;
  const cut = (node: UnitTreeNode, lastShown?: UnitTreeNode) => {
    node.truncated = true;
    incomplete = true;
    if (lastShown) node.next = encodeCursor([lastShown.name, lastShown.id]);
  };
  for (let depth = 1; depth <= q.depth && level.length; depth++) {
    const parents = level.filter((n) => n.hasChildren);
    if (!parents.length) break;
    if (budget <= 0) {
      for (const p of parents) cut(p);
      break;
    }
    const rows = await units.children(undefined, jurisdictionUnitId, parents.map((p) => p.id), {
      perParent: q.limit + 1,
      cap: budget + 1,
      after: depth === 1 ? after : undefined,
    });
    // Rows come by parent (in the parents' order), then name: past the cap, the parent of the first row
    // not kept is cut short, and the parents after it were not read at all.
    const capped = rows.length > budget;
    const capParent = capped ? rows[budget]!.parentUnitId : null;
    const byParent = new Map<string, Array<UnitRow & { hasChildren: boolean }>>();
    for (const r of capped ? rows.slice(0, budget) : rows) {
      const list = byParent.get(r.parentUnitId!);
      if (list) list.push(r);
      else byParent.set(r.parentUnitId!, [r]);
    }
    let state: 'read' | 'cut-here' | 'unread' = 'read';
    const shownLevel: UnitTreeNode[] = [];
    for (const parent of parents) {
      if (parent.id === capParent) state = 'cut-here';
      const kids = byParent.get(parent.id) ?? [];
      const shown = kids.slice(0, q.limit).map((r) => treeNode(r, r.hasChildren));
      parent.children = shown;
      shownLevel.push(...shown);
      if (state !== 'read' || kids.length > q.limit) cut(parent, shown[shown.length - 1]);
      if (state === 'cut-here') state = 'unread';
    }
    budget -= shownLevel.length;
    level = shownLevel;
  }
  return { ...top, incomplete };
}
