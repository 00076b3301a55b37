import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import * as sqliteVec from 'sqlite-vec';
import type { SqlitePragma } from '../../config/sqlite-pragmas.js';

/** A database file that cannot be opened; the message names the file and what to do. */
export class DatabaseOpenError extends Error {}

/** Lock waits inside SQLite stay short so one wait never stalls the event loop for long. */
const DEFAULT_BUSY_TIMEOUT_MS = 250;

export function openSqliteDatabase(path: string, pragmas: readonly SqlitePragma[]): Database.Database {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new DatabaseOpenError(`Cannot create the directory for ${path}: ${(error as Error).message}`);
  }
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (error) {
    throw new DatabaseOpenError(`Cannot open database file ${path}: ${(error as Error).message}`);
  }
  try {
    sqliteVec.load(db);
    db.pragma(`busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`);
    // journal_mode is persistent and must be WAL for concurrent readers and several processes.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (String(mode).toLowerCase() !== 'wal') {
      throw new Error(`the file refused WAL journal mode (got ${String(mode)})`);
    }
    db.pragma('foreign_keys = ON');
    // synchronous stays FULL (SQLite's default): an acknowledged write survives power loss too.
    db.pragma('synchronous = FULL');
    // Values are validated by parseSqlitePragmas against a fixed grammar per pragma name.
    for (const { name, value } of pragmas) db.pragma(`${name} = ${value}`);
    return db;
  } catch (error) {
    db.close();
    throw new DatabaseOpenError(
      `Cannot use database file ${path}: ${(error as Error).message}. ` +
        'If the file is damaged, restore it from a backup or point MCP_MEMORY_SQLITE_PATH at another file; ' +
        'it has not been modified.',
    );
  }
}
