import { PGlite } from '@electric-sql/pglite';

/**
 * How every embedded PGlite starts (issue 11, memory): PGlite's own start parameters, plus 32 MB of
 * shared buffers instead of PostgreSQL's 128 MB — they live in the WebAssembly memory of the
 * server's own process (the embedded default runs two: Tongmen's and the demo subsystems'). One
 * PGlite opening an existing data folder measured 277 → 181 MB resident, and inserting 200,000 rows
 * was no slower: PGlite's files are ordinary files, cached by the operating system anyway. Passed
 * at start, not as `postgresqlconf` (PGlite would write that over postgresql.conf whole, timezone
 * and locale settings included).
 */
export const PGLITE_START_PARAMS: readonly string[] = [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'];
