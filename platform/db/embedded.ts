import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { AppError } from '../errors.ts';
import { PGLITE_START_PARAMS } from './pglite-settings.ts';

/** A PGlite database served over the PostgreSQL wire protocol on a loopback port. */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** Connections the in-process server multiplexes onto PGlite (which runs one statement at a time). */
const MAX_CONNECTIONS = 32;

/**
 * Starts PGlite on `dataDir` (or in memory when `dataDir` is `memory://`) and serves it on
 * 127.0.0.1 at a free port. The data folder belongs to one process: a lock file holding the owner's
 * pid makes a second process (e.g. `npm run bootstrap` while the server runs) fail with a clear
 * error instead of corrupting the store.
 */
export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const inMemory = dataDir === 'memory://';
  const releaseLock = inMemory ? () => {} : acquireDataDirLock(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create(inMemory ? undefined : path.join(dataDir, 'pg'), { startParams: [...PGLITE_START_PARAMS] });
  } catch (err) {
    releaseLock();
    throw err;
  }
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: MAX_CONNECTIONS });
  await server.start();
  const conn = server.getServerConn(); // "host:port"
  return {
    url: `postgres://postgres@${conn}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
      releaseLock();
    },
  };
}

function acquireDataDirLock(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, 'tongmen.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      const release = () => {
        try {
          if (fs.readFileSync(lockPath, 'utf8') === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(fs.readFileSync(lockPath, 'utf8'));
      // Our own pid means this process has it open already: a second PGlite on it would corrupt it.
      if (owner && (owner === process.pid || isAlive(owner))) {
        throw new AppError(
          409,
          'database.embedded_in_use',
          `The embedded database in ${dataDir} is in use by another Tongmen process (pid ${owner}). ` +
            'Stop it first, or point DATABASE_URL at a PostgreSQL server to run several processes.',
        );
      }
      fs.unlinkSync(lockPath); // stale lock of a process that died
    }
  }
  throw new AppError(409, 'database.embedded_in_use', `Could not lock the embedded database in ${dataDir}.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
