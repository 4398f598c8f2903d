import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { PGLITE_START_PARAMS } from '../../platform/db/pglite-settings.ts';

/**
 * A subsystem's own SQL store. A subsystem never reads Tongmen's tables: it keeps its data in a
 * schema of its own (`sub_<name>`), created by the subsystem itself at start — in the PostgreSQL
 * server its `databaseUrl` names (which may be the same server as Tongmen's, never the same
 * tables), or else in its own embedded PGlite (`dataDir`, or in memory).
 */
export interface SubsystemStore {
  /** The schema all of this subsystem's tables live in (`sub_title`, …). */
  readonly schema: string;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** A connection to run SQL on: a pool to a PostgreSQL server, or an embedded PGlite. */
export interface SqlRunner {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** Where a subsystem's data lives: `runner` (shared, closed by its owner), else `databaseUrl`, else PGlite in `dataDir` (or memory). */
export interface StoreLocation {
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  runner?: SqlRunner | undefined;
}

export async function openSqlRunner(where: Omit<StoreLocation, 'runner'>): Promise<SqlRunner> {
  if (where.databaseUrl) {
    const pool = new pg.Pool({ connectionString: where.databaseUrl, max: 4 });
    return {
      query: async <T>(sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows as T[],
      close: () => pool.end(),
    };
  }
  if (where.dataDir) fs.mkdirSync(where.dataDir, { recursive: true });
  const db = await PGlite.create(where.dataDir, { startParams: [...PGLITE_START_PARAMS] });
  return {
    query: async <T>(sql: string, params: unknown[] = []) => (await db.query<T>(sql, params)).rows,
    close: () => db.close(),
  };
}

export async function openSubsystemStore(name: string, where: StoreLocation): Promise<SubsystemStore> {
  const schema = `sub_${name.replace(/[^a-z0-9]/g, '_')}`;
  const runner = where.runner ?? (await openSqlRunner(where));
  const store: SubsystemStore = {
    schema,
    query: (sql, params) => runner.query(sql, params),
    // A shared runner belongs to whoever opened it.
    close: () => (where.runner ? Promise.resolve() : runner.close()),
  };
  await store.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  return store;
}
