import { describe, expect, it } from 'vitest';
import { GroupWriter } from './group-writer.ts';

/** Issue 11: group commit — concurrent writes share one statement, each caller settles with its batch. */
describe('GroupWriter', () => {
  const recorder = (fail?: (items: string[]) => boolean) => {
    const batches: string[][] = [];
    let release: (() => void) | undefined;
    const gate = { hold: false };
    const writer = new GroupWriter<string>(
      async (items) => {
        batches.push(items);
        if (gate.hold) await new Promise<void>((r) => (release = r));
        if (fail?.(items)) throw new Error('database down');
      },
      (item) => item.split('=')[0]!,
      3,
    );
    return { writer, batches, gate, release: () => release?.() };
  };

  it('writes a lone item at once, in a batch of its own', async () => {
    const { writer, batches } = recorder();
    await writer.add('a=1');
    expect(batches).toEqual([['a=1']]);
  });

  it('gathers the items that arrive while a batch is in flight into the next one, at most maxBatch at a time', async () => {
    const { writer, batches, gate, release } = recorder();
    gate.hold = true;
    const first = writer.add('a=1');
    await new Promise((r) => setImmediate(r)); // the first batch is in flight, held
    const later = ['b=1', 'c=1', 'd=1', 'e=1'].map((x) => writer.add(x));
    gate.hold = false;
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([['a=1'], ['b=1', 'c=1', 'd=1'], ['e=1']]);
  });

  it('writes one item per key in a batch, the last one winning, and settles every caller', async () => {
    const { writer, batches } = recorder();
    const all = [writer.add('a=1'), writer.add('b=1'), writer.add('a=2')];
    await Promise.all(all);
    expect(batches).toEqual([['a=2', 'b=1']]);
  });

  it('fails every caller of a failed batch, and goes on with the next batch', async () => {
    const { writer, batches } = recorder((items) => items.includes('a=1'));
    const failed = [writer.add('a=1'), writer.add('b=1')];
    await expect(failed[0]).rejects.toThrow('database down');
    await expect(failed[1]).rejects.toThrow('database down');
    await writer.add('c=1');
    expect(batches).toEqual([['a=1', 'b=1'], ['c=1']]);
  });
});
