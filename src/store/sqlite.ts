import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { FabwatchError } from '../core/errors.js';
import { stateDirPathProblem } from '../config/state-dir.js';

/**
 * The only file that imports better-sqlite3 (a native module), and only when a database is
 * opened, so simulated mode and tests that need no database never load it. Shared by the MQTT
 * outbox and the history store: keep it generic.
 */
export type Database = BetterSqlite3.Database;
export type Statement<P extends unknown[] = unknown[], R = unknown> = BetterSqlite3.Statement<P, R>;

export interface OpenOptions {
  /** 'full' fsyncs the WAL on every commit (a committed transaction survives power loss);
   * 'normal' fsyncs only at checkpoints (faster; the last commits may roll back on power loss,
   * never on a process crash). Default 'full'. */
  synchronous?: 'full' | 'normal';
  /** Milliseconds to wait on a lock held by another connection. Default 5000. */
  busyTimeoutMs?: number;
}

type DatabaseConstructor = new (path: string, options?: BetterSqlite3.Options) => Database;
let ctor: DatabaseConstructor | undefined;

function loadDriver(): DatabaseConstructor {
  if (!ctor) {
    try {
      ctor = createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;
    } catch (err) {
      throw new FabwatchError('NATIVE_MODULE_MISSING', `better-sqlite3 cannot be loaded: ${(err as Error).message}`, { module: 'better-sqlite3' }, { cause: err });
    }
  }
  return ctor;
}

/**
 * Open (creating the directory and file if needed) a SQLite database in WAL mode. Errors from
 * SQLite keep their `code` (SQLITE_NOTADB, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN...), so
 * callers can tell a corrupt file from a full disk.
 */
export function openDatabase(path: string, opts: OpenOptions = {}): Database {
  const Driver = loadDriver();
  if (path !== ':memory:') {
    const pseudo = stateDirPathProblem(dirname(path));
    if (pseudo) throw new FabwatchError('SQLITE_CANTOPEN', pseudo, { path });
    mkdirSync(dirname(path), { recursive: true });
  }
  const db = new Driver(path);
  try {
    // The first statement reads the header: a file that is not a database fails here.
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${(opts.synchronous ?? 'full').toUpperCase()}`);
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    // Keep the WAL file from growing without bound after a large backlog drains.
    db.pragma('journal_size_limit = 67108864');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
