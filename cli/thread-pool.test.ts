import { describe, expect, it } from 'vitest';
import { threadPoolSize } from './thread-pool.ts';

describe('libuv thread pool of a node (issue 11, memory)', () => {
  it('has as many threads as cores, at least 2 and at most 4', () => {
    expect(threadPoolSize(1)).toBe(2);
    expect(threadPoolSize(2)).toBe(2);
    expect(threadPoolSize(3)).toBe(3);
    expect(threadPoolSize(64)).toBe(4);
  });
});
