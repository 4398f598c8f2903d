import { describe, expect, it } from 'vitest';
import { decodeCursor } from '../../platform/pagination.ts';
import type { UnitRepository, UnitRow } from './unit-repository.ts';
import { loadTree } from './unit-tree.ts';

/**
 * Issue 11 item 3 — the tree a level at a time, against an in-memory tree with the repository's
 * contract (children of each parent by name, at most `perParent` each and `cap` in all, `after`
 * continuing one parent's children). Nothing is cut silently: per-node limit and node cap.
 */
type Row = UnitRow & { hasChildren: boolean };
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function world(shape: Record<string, number>) {
  // shape: parent name → number of children, children named `${parent}.${i}` (zero-padded: name order = index order)
  const rows = new Map<string, UnitRow>();
  const kids = new Map<string, string[]>();
  let n = 0;
  const add = (name: string, parent: string | null) => {
    const id = uuid(n++);
    rows.set(name, { id, name, parentUnitId: parent ? rows.get(parent)!.id : null, path: [], kind: 'employer', createdAt: new Date(0) } as unknown as UnitRow);
    if (parent) kids.set(parent, [...(kids.get(parent) ?? []), name]);
  };
  add('root', null);
  for (const [parent, count] of Object.entries(shape)) for (let i = 0; i < count; i++) add(`${parent}.${String(i).padStart(3, '0')}`, parent);
  const byId = new Map([...rows.values()].map((r) => [r.id, r]));
  const calls: Array<{ parents: number; perParent: number; cap: number }> = [];
  const repo: Pick<UnitRepository, 'children' | 'hasChildren'> = {
    async hasChildren(_tx, _j, id) {
      return (kids.get(byId.get(id)!.name)?.length ?? 0) > 0;
    },
    async children(_tx, _j, parentIds, opts) {
      calls.push({ parents: parentIds.length, perParent: opts.perParent, cap: opts.cap });
      const out: Row[] = [];
      for (const pid of parentIds) {
        const names = (kids.get(byId.get(pid)!.name) ?? []).filter((k) => !opts.after || k > opts.after[0]);
        out.push(...names.slice(0, opts.perParent).map((k) => ({ ...rows.get(k)!, hasChildren: (kids.get(k)?.length ?? 0) > 0 })));
      }
      return out.slice(0, opts.cap);
    },
  };
  return { repo, root: rows.get('root')!, calls };
}

const names = (n: { children: Array<{ name: string }> }) => n.children.map((c) => c.name);

describe('issue 11: GET /units/{id}/tree assembly', () => {
  it('a complete small tree: nothing truncated, hasChildren on every node, the level below the depth not loaded', async () => {
    const w = world({ root: 2, 'root.000': 2, 'root.000.000': 1 });
    const tree = await loadTree(w.repo, 'j', w.root, { depth: 2, limit: 50 });
    expect(names(tree)).toEqual(['root.000', 'root.001']);
    expect(names(tree.children[0]!)).toEqual(['root.000.000', 'root.000.001']);
    expect(tree.children[0]!.children[0]).toMatchObject({ hasChildren: true, children: [], truncated: false });
    expect(tree.children[1]).toMatchObject({ hasChildren: false, truncated: false });
    expect(tree).toMatchObject({ incomplete: false, truncated: false });
    expect(w.calls).toHaveLength(2); // one query per level
  });

  it('per-node limit: a node with more children than the limit is truncated with a cursor that continues them', async () => {
    const w = world({ root: 7 });
    const first = await loadTree(w.repo, 'j', w.root, { depth: 1, limit: 3 });
    expect(names(first)).toEqual(['root.000', 'root.001', 'root.002']);
    expect(first).toMatchObject({ truncated: true, incomplete: true });
    expect(decodeCursor(first.next, ['text', 'uuid'])).toEqual(['root.002', first.children[2]!.id]);
    const second = await loadTree(w.repo, 'j', w.root, { depth: 1, limit: 3, next: first.next });
    expect(names(second)).toEqual(['root.003', 'root.004', 'root.005']);
    const third = await loadTree(w.repo, 'j', w.root, { depth: 1, limit: 3, next: second.next });
    expect(names(third)).toEqual(['root.006']);
    expect(third).toMatchObject({ truncated: false, incomplete: false });
    expect(third.next).toBeUndefined();
  });

  it('node cap: the node where the cap falls is cut with a cursor, the nodes after it say truncated without children, the root says incomplete', async () => {
    // 3 children, each with 4: 3 + 12 nodes, capped at 8.
    const w = world({ root: 3, 'root.000': 4, 'root.001': 4, 'root.002': 4 });
    const tree = await loadTree(w.repo, 'j', w.root, { depth: 2, limit: 10 }, 8);
    const [a, b, c] = tree.children;
    expect(names(a!)).toHaveLength(4);
    expect(a!.truncated).toBe(false);
    expect(names(b!)).toEqual(['root.001.000']); // 3 + 4 + 1 = 8
    expect(b).toMatchObject({ truncated: true, next: expect.any(String) });
    expect(c).toMatchObject({ children: [], hasChildren: true, truncated: true });
    expect(c!.next).toBeUndefined();
    expect(tree.incomplete).toBe(true);
    // Never more than the cap, however deep the request.
    const deep = await loadTree(w.repo, 'j', w.root, { depth: 5, limit: 10 }, 8);
    const count = (n: { children: unknown[] }): number => n.children.reduce<number>((s, k) => s + 1 + count(k as { children: unknown[] }), 0);
    expect(count(deep)).toBe(8);
  });

  it('depth 0: the root alone, saying whether it has children', async () => {
    const w = world({ root: 2 });
    expect(await loadTree(w.repo, 'j', w.root, { depth: 0, limit: 10 })).toMatchObject({ children: [], hasChildren: true, truncated: false, incomplete: false });
    expect(w.calls).toHaveLength(0);
  });
});
