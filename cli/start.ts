import os from 'node:os';
import { threadPoolSize } from './thread-pool.ts';

/**
 * `npm start` (the process every node runs; node:cluster workers run it again): what must be
 * settled before any other module loads, then the server itself (`cli/serve.ts`). `npm start`
 * runs the compiled build of this file (`dist/start.js`, scripts/build-server.ts); the tests run
 * it as TypeScript.
 *
 * libuv's thread pool reads UV_THREADPOOL_SIZE once, when it starts, and the packages the server
 * loads may start it: set before them. Its default of 4 threads held 4 × 19 MiB of argon2id memory
 * on a node with 2 cores to run them (docs/performance.md, "Memory"). An operator's own
 * UV_THREADPOOL_SIZE is kept.
 */
process.env.UV_THREADPOOL_SIZE ??= String(threadPoolSize(os.availableParallelism()));

await import('./serve.ts');
