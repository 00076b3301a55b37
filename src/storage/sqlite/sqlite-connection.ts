import Database from 'better-sqlite3';
import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, openSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import * as sqliteVec from 'sqlite-vec';
import type { SqlitePragma } from '../../config/sqlite-pragmas.js';
import { checkStorageLocation } from './shared-storage-check.js';

/** A database file that cannot be opened; the message names the file and what to do. */
export class DatabaseOpenError extends Error {}

/** Lock waits inside SQLite stay short so one wait never stalls the event loop for long. */
const DEFAULT_BUSY_TIMEOUT_MS = 250;

/** Files the service creates are for its own user only. */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

export type IntegrityCheck = 'quick' | 'full' | 'off';

export interface SqliteOpenOptions {
  pragmas: readonly SqlitePragma[];
  /** Allow a cloud-sync folder or network filesystem (rollback journal instead of WAL). */
  allowSharedStorage: boolean;
  /** What to check before the file is used: quick_check (default), integrity_check, nothing. */
  integrityCheck: IntegrityCheck;
  warn: (message: string) => void;
}

const RECOVERY_STEPS =
  'Restore a verified backup (mcp-memory backup list, then mcp-memory backup restore <id>), or point MCP_MEMORY_SQLITE_PATH at another file; ' +
  'the damaged file has not been modified.';

/**
 * Creates the database's folder (0700) if needed and checks that this process may write there. A
 * folder it may not write (typically a Docker bind mount owned by root, while the image runs as
 * `node`) is refused up front with the command that fixes it, not with a bare EACCES later.
 */
export function prepareDataDir(databasePath: string): void {
  const dir = dirname(databasePath);
  try {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw error;
    const { username, uid, gid } = userInfo();
    // The folder that refused: the data folder itself, or the nearest existing one it was to be made in.
    let blocked = dir;
    while (!existsSync(blocked) && dirname(blocked) !== blocked) blocked = dirname(blocked);
    const what = blocked === dir ? `The data folder ${dir}` : `The data folder ${dir} cannot be made: ${blocked}`;
    throw new DatabaseOpenError(
      code === 'EROFS'
        ? `${what} is on a read-only filesystem; point MCP_MEMORY_SQLITE_PATH (or --data-dir) at a writable one.`
        : `${what} is not writable by this process (user ${username}, uid ${uid}, gid ${gid}). ` +
            `Give it to this user: sudo chown -R ${uid}:${gid} ${blocked}. In Docker, run that on the host folder of the bind mount, ` +
            'or use a named volume (-v memory-data:/app/data), which the image prepares for its user.',
    );
  }
}

/** Creates the directory (0700) and an empty database file (0600) so SQLite's WAL files inherit the mode. */
function createPrivately(path: string): void {
  prepareDataDir(path);
  if (!existsSync(path)) closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
}

function journalModeFor(path: string, options: SqliteOpenOptions): 'WAL' | 'DELETE' {
  const problem = checkStorageLocation(path);
  if (problem === null) return 'WAL';
  const where = problem.kind === 'cloud-sync' ? `a ${problem.what} folder` : `a network filesystem (${problem.what})`;
  if (!options.allowSharedStorage) {
    throw new DatabaseOpenError(
      `The database ${path} is in ${where}. SQLite's WAL mode cannot work there: ${
        problem.kind === 'cloud-sync'
          ? 'the sync client copies half-written files between machines'
          : 'there is no shared memory or reliable locking across machines'
      }, and the file can be corrupted. Keep the database on a local disk and let other machines use the central server ` +
        '(mcp-memory serve, then the REST API, /mcp or mcp-memory bridge). To run here anyway (one machine at a time), set ' +
        'MCP_MEMORY_ALLOW_NETWORK_FS=true: the server then uses a rollback journal instead of WAL.',
    );
  }
  options.warn(
    `The database ${path} is in ${where}; MCP_MEMORY_ALLOW_NETWORK_FS=true: using a rollback journal instead of WAL. Only one machine may use this file at a time.`,
  );
  return 'DELETE';
}

/**
 * What SQLite's checks report besides "ok": quick_check, or integrity_check plus the keyword
 * index's own check (FTS5 'integrity-check': the index matches the memories). The connection must
 * be writable for the FTS check, which writes nothing.
 */
export function integrityProblems(db: Database.Database, full: boolean): string[] {
  const rows = db.pragma(full ? 'integrity_check(100)' : 'quick_check(100)') as Record<string, string>[];
  const problems = rows.map((row) => String(Object.values(row)[0])).filter((v) => v !== 'ok');
  const hasKeywordIndex = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'memory_fts'").get() !== undefined;
  if (full && problems.length === 0 && hasKeywordIndex) {
    try {
      db.prepare("INSERT INTO memory_fts (memory_fts, rank) VALUES ('integrity-check', 1)").run();
    } catch (error) {
      problems.push(`keyword index: ${(error as Error).message} (rebuild it with mcp-memory or restore a backup)`);
    }
  }
  return problems;
}

function checkIntegrity(db: Database.Database, path: string, check: IntegrityCheck): void {
  if (check === 'off') return;
  const problems = integrityProblems(db, check === 'full');
  if (problems.length > 0) {
    throw new DatabaseOpenError(
      `The database file ${path} is damaged (${check === 'full' ? 'integrity_check' : 'quick_check'}: ${problems.slice(0, 3).join('; ')}). ${RECOVERY_STEPS}`,
    );
  }
}

export function openSqliteDatabase(path: string, options: SqliteOpenOptions): Database.Database {
  const journalMode = journalModeFor(path, options);
  try {
    createPrivately(path);
  } catch (error) {
    throw new DatabaseOpenError(`Cannot create the database file ${path}: ${(error as Error).message}`);
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
    // journal_mode is persistent: WAL for concurrent readers and several processes.
    const mode = db.pragma(`journal_mode = ${journalMode}`, { simple: true });
    if (String(mode).toUpperCase() !== journalMode) {
      throw new Error(`the file refused ${journalMode} journal mode (got ${String(mode)})`);
    }
    db.pragma('foreign_keys = ON');
    // synchronous stays FULL (SQLite's default): an acknowledged write survives power loss too.
    db.pragma('synchronous = FULL');
    // Checked before the read pragmas, with SQLite's small default cache: a check reads the whole
    // file, which would otherwise stay in this connection's page cache for the life of the process.
    checkIntegrity(db, path, options.integrityCheck);
    // Checkpoints run on a thread of their own (SqliteCheckpointer), not inside a commit on the event loop.
    if (journalMode === 'WAL') db.pragma('wal_autocheckpoint = 0');
    // Values are validated by parseSqlitePragmas against a fixed grammar per pragma name; the
    // server's read defaults come first, so the operator's own values win.
    for (const { name, value } of readPragmas(options.pragmas)) db.pragma(`${name} = ${value}`);
    for (const { name, value } of options.pragmas) db.pragma(`${name} = ${value}`);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof DatabaseOpenError) throw error;
    throw new DatabaseOpenError(`Cannot use database file ${path}: ${(error as Error).message}. ${RECOVERY_STEPS}`);
  }
}

/**
 * What a long-running server reads with: a 64 MiB page cache per connection instead of SQLite's
 * 2 MiB, and no memory map. Searches touch vectors all over the file, so a map's resident part
 * grows towards the whole vector table, and each connection's map counts those pages again in the
 * process's RSS; a bounded page cache in front of the kernel's measured as fast for the server's
 * reads (figures: docs/benchmarks.md, "Behind the code's constants"). MCP_MEMORY_SQLITE_PRAGMAS
 * overrides either (e.g. `mmap_size`), on every connection.
 */
const PAGE_CACHE: SqlitePragma = { name: 'cache_size', value: '-65536' };

/**
 * Files up to this size are read on the server's own connection for small reads (re-scoring an
 * index search's candidates): they sit in the kernel's page cache, and a read worker's round trip
 * costs more than the read. A larger file's pages may have to come from the disk: those reads
 * stay on the workers, off the event loop.
 */
export const LOCAL_READ_MAX_FILE_BYTES = 536_870_912;

/** The pragmas that shape reads (the server's defaults, then the operator's), on every connection, the read workers' too. */
export function readPragmas(configured: readonly SqlitePragma[]): SqlitePragma[] {
  const chosen = new Map([[PAGE_CACHE.name, PAGE_CACHE]]);
  for (const p of configured) if (['cache_size', 'mmap_size', 'temp_store'].includes(p.name)) chosen.set(p.name, p);
  return [...chosen.values()];
}

/** Makes a file the service wrote private (0600), e.g. a backup written by SQLite's backup API. */
export function makePrivate(path: string): void {
  chmodSync(path, PRIVATE_FILE_MODE);
}
