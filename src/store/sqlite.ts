import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { FabwatchError, ErrorCode } from '../core/errors.js';

export type Database = BetterSqlite3.Database;

/**
 * The one place that loads better-sqlite3 (a native module), lazily: a gateway with history
 * disabled never loads it. WAL mode, NORMAL sync: a power cut loses at most the last transaction.
 */
export function openDatabase(path: string): Database {
  let Ctor: typeof BetterSqlite3;
  try {
    Ctor = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  } catch (err) {
    throw new FabwatchError(ErrorCode.NATIVE_MODULE_MISSING, `better-sqlite3 cannot be loaded: ${(err as Error).message}`, { module: 'better-sqlite3' }, { cause: err });
  }
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Ctor(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}
