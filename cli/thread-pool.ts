/**
 * libuv's thread pool size for a node with `cores` cores (issue 11, memory): its threads run every
 * argon2id verification, 19 MiB each while it runs and kept by the thread's malloc arena afterwards,
 * so the pool's size bounds what parallel sign-ins hold. As many threads as cores — a verification
 * is pure CPU, more threads than cores only wait — but at least 2 (file and DNS work beside one
 * verification) and at most libuv's own default of 4.
 */
export function threadPoolSize(cores: number): number {
  return Math.min(4, Math.max(2, cores));
}
