import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { DomainError, StorageBusyError, StorageUnavailableError } from '../../common/domain-errors.js';
import { defaultReadWorkers } from '../../config/app-config.js';
import type { SqlitePragma } from '../../config/sqlite-pragmas.js';
import { ROLLED_BACK, type SqlRunner } from '../oauth-store.js';
import { type IntegrityCheck, LOCAL_READ_MAX_FILE_BYTES, openSqliteDatabase, readPragmas } from './sqlite-connection.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';
import { translateSqliteError, withBusyRetry } from './sqlite-errors.js';
import { applyMigrations, ensureDatabaseId, ensureEmbeddingSpace, rechunkVectorTable, VECTOR_CHUNK_SIZE } from './sqlite-migrations.js';
import { removeStaleRestoreSources } from './sqlite-jobs.js';
import { SqliteReadPool } from './sqlite-read-pool.js';
import { executeRead, preparedStatement, type ReadStatement } from './sqlite-read.protocol.js';

export interface SqliteDatabaseOptions {
  path: string;
  pragmas: readonly SqlitePragma[];
  busyBudgetMs: number;
  embeddingModel: string;
  embeddingDimension: number;
  /** A cloud-sync folder or network filesystem is refused unless this is set. */
  allowSharedStorage?: boolean;
  /** Checked when the file is opened (default quick_check). */
  integrityCheck?: IntegrityCheck;
  /** Worker threads that run searches and scans off the event loop (default: the cores, 1 to 4). */
  readWorkers?: number;
  warn?: (message: string) => void;
  log?: (message: string) => void;
}

interface FileIdentity {
  dev: number;
  ino: number;
}

function identityOf(path: string): FileIdentity | null {
  try {
    const stat = statSync(path);
    return { dev: stat.dev, ino: stat.ino };
  } catch {
    return null;
  }
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * One SQLite file as every role uses it: the connection (checked, migrated, its model verified),
 * statements prepared once per connection, read workers, busy retries, the pause a restore takes,
 * and following the file when another process puts a new one at the path. Holds no query of its own.
 */
export class SqliteDatabase {
  private db!: Database.Database;
  /** Whether small reads run on this connection (readSmall): the file was small enough when it opened. */
  private localReads = false;
  /** Statements prepared on this connection by SQL text; emptied when it is replaced. */
  private readonly prepared = new Map<string, Database.Statement>();
  private identity: FileIdentity | null = null;
  /** Set while a restore owns the database: every other operation waits for it. */
  private pause: Promise<void> | null = null;
  private writeFailure: string | null = null;
  private pool: SqliteReadPool | null = null;
  /** WAL mode: checkpoints run on a thread of their own (the connection's automatic ones are off). */
  private checkpointer: SqliteCheckpointer | null = null;
  private readonly reconnected: (() => void)[] = [];
  private id = '';

  private constructor(private options: SqliteDatabaseOptions) {
    this.connect();
  }

  static open(options: SqliteDatabaseOptions): SqliteDatabase {
    return new SqliteDatabase(options);
  }

  get path(): string {
    return this.options.path;
  }

  get busyBudgetMs(): number {
    return this.options.busyBudgetMs;
  }

  get embeddingModel(): string {
    return this.options.embeddingModel;
  }

  get embeddingDimension(): number {
    return this.options.embeddingDimension;
  }

  /** The file's own id (service_meta), kept across restores: tells an index which file it was built from. */
  get databaseId(): string {
    return this.id;
  }

  warn(message: string): void {
    this.options.warn?.(message);
  }

  log(message: string): void {
    this.options.log?.(message);
  }

  /** Called after the connection was replaced (another file at the path, another model): caches of the old one go. */
  onReconnect(listener: () => void): void {
    this.reconnected.push(listener);
  }

  /** Opens the file (checked, migrated, model verified). */
  private connect(): void {
    removeStaleRestoreSources(this.options.path);
    const db = openSqliteDatabase(this.options.path, {
      pragmas: this.options.pragmas,
      allowSharedStorage: this.options.allowSharedStorage ?? false,
      integrityCheck: this.options.integrityCheck ?? 'quick',
      warn: this.options.warn ?? (() => undefined),
    });
    try {
      applyMigrations(db, this.options.path);
      ensureEmbeddingSpace(db, this.options.path, this.options.embeddingModel, this.options.embeddingDimension);
      this.rechunkOnce(db);
      this.id = ensureDatabaseId(db);
    } catch (error) {
      db.close();
      throw error;
    }
    this.db = db;
    this.localReads = fileSize(this.options.path) <= LOCAL_READ_MAX_FILE_BYTES;
    if (this.checkpointer === null && String(db.pragma('journal_mode', { simple: true })).toUpperCase() === 'WAL') {
      this.checkpointer = new SqliteCheckpointer(this.options.path, (message) => this.warn(message));
    }
    this.prepared.clear();
    this.identity = identityOf(this.options.path);
    if (this.pool) this.pool.reopen();
    else {
      this.pool = new SqliteReadPool(
        {
          path: this.options.path,
          busyTimeoutMs: Math.min(this.options.busyBudgetMs, 5000),
          pragmas: readPragmas(this.options.pragmas),
        },
        this.options.readWorkers ?? defaultReadWorkers(),
      );
    }
    for (const listener of this.reconnected) listener();
  }

  /** An older file's vector table is rebuilt with small chunks, once; a failure (e.g. no room for the copy) leaves it as it was. */
  private rechunkOnce(db: Database.Database): void {
    const started = performance.now();
    try {
      if (rechunkVectorTable(db, this.options.embeddingDimension)) {
        this.log(
          `Rebuilt the vector table with chunks of ${VECTOR_CHUNK_SIZE} vectors (faster lookups) in ${Math.round(performance.now() - started)} ms; once per file`,
        );
      }
    } catch (error) {
      this.warn(`The vector table keeps its layout (rebuilding it failed: ${(error as Error).message}); searches stay correct, lookups slower`);
    }
  }

  /** Closes the connection and opens the file again as another model's (after a re-embed switched it). */
  reopenAs(embeddingModel: string, embeddingDimension: number): void {
    this.options = { ...this.options, embeddingModel, embeddingDimension };
    this.db.close();
    this.connect();
  }

  /** The statement for `sql` on the current connection, prepared once. Use inside run() or write(). */
  statement(sql: string, pluck = false): Database.Statement {
    const statement = preparedStatement(this.db, this.prepared, sql);
    // pluck() is only for statements that return rows (better-sqlite3 throws otherwise).
    return statement.reader ? statement.pluck(pluck) : statement;
  }

  /** Runs SQL that takes no parameters (DDL) on the current connection. Use inside write(). */
  exec(sql: string): void {
    this.db.exec(sql);
  }

  /** PRAGMA `name` on the current connection, as a single value. Use inside run(). */
  pragma(name: string): unknown {
    return this.db.pragma(name, { simple: true });
  }

  /**
   * Runs read statements on a read worker (one snapshot for all of them), after any restore in
   * progress and on the file that is the database now.
   */
  async read(statements: ReadStatement[]): Promise<unknown[]> {
    for (let paused = this.pause; paused !== null; paused = this.pause) await paused;
    if (this.db.open) this.followReplacedFile();
    return this.pool!.read(statements);
  }

  /**
   * A small read (re-scoring an index search's candidates) on this connection while the file is
   * small enough (LOCAL_READ_MAX_FILE_BYTES), on a read worker otherwise.
   */
  async readSmall(statements: ReadStatement[]): Promise<unknown[]> {
    if (!this.localReads || this.pause !== null || !this.db.open) return this.read(statements);
    this.followReplacedFile();
    try {
      return this.db.transaction(() => statements.map((statement) => executeRead(this.db, this.prepared, statement)))();
    } catch (error) {
      throw translateSqliteError(error);
    }
  }

  /**
   * Another process (or an operator) may have put a different file at the path: every operation
   * first checks the file's identity and reopens when it changed, so nothing is written to, or
   * read from, a file that is no longer the database.
   */
  followReplacedFile(): void {
    const current = identityOf(this.options.path);
    if (current === null || this.identity === null || (current.dev === this.identity.dev && current.ino === this.identity.ino)) return;
    this.warn(`The database file ${this.options.path} was replaced by another process; reopening it`);
    this.db.close();
    this.connect();
  }

  /** A synchronous operation on this connection, retried while another process holds the lock, after any restore. */
  run<T>(operation: () => T): Promise<T> {
    return withBusyRetry(
      () => {
        this.followReplacedFile();
        return operation();
      },
      this.options.busyBudgetMs,
      () => this.pause,
    );
  }

  /**
   * A write transaction. Writes take the lock up front (IMMEDIATE) so they never deadlock
   * upgrading a read lock. A write that fails for a reason other than contention is remembered
   * for health reporting. Synced unless said otherwise: acknowledged once its commit is on disk.
   */
  async write<T>(operation: () => T, durability: 'synced' | 'unsynced' = 'synced'): Promise<T> {
    try {
      // Outside WAL mode an unsynced commit could damage the file on a power cut: every commit is synced there.
      const synced = durability === 'synced' || this.checkpointer === null;
      const result = await this.run(() => (synced ? this.db.transaction(operation).immediate() : this.unsynced(operation)));
      this.writeFailure = null;
      this.checkpointer?.afterWrite();
      return result;
    } catch (error) {
      if (error instanceof DomainError && !(error instanceof StorageBusyError)) this.writeFailure = error.message;
      throw error;
    }
  }

  /**
   * A transaction whose commit does not wait for the disk (synchronous NORMAL; in WAL mode the file
   * stays consistent): on a power cut it may be lost, never half-applied; the next synced commit or
   * checkpoint makes it durable. Only for bookkeeping the server can lose (access counts), so
   * that its frequent commits do not hold the event loop for a disk sync each.
   */
  private unsynced<T>(operation: () => T): T {
    const configured = this.db.pragma('synchronous', { simple: true }) as number;
    this.db.pragma('synchronous = NORMAL');
    try {
      return this.db.transaction(operation).immediate();
    } finally {
      this.db.pragma(`synchronous = ${configured}`);
    }
  }

  /** Why the last write failed (other than contention), or null when writes work. */
  lastWriteFailure(): string | null {
    return this.writeFailure;
  }

  /** Reports a failure found outside write() (a restored file that fails its check). */
  recordWriteFailure(message: string): void {
    this.writeFailure = message;
  }

  /**
   * Another process may have moved the file to another model (mcp-memory reembed): this one's
   * vectors would then be of the wrong model, so its writes and searches stop with the remedy.
   * Use inside run() or write().
   */
  assertModelUnchanged(): void {
    const stored = this.statement("SELECT value FROM service_meta WHERE key = 'embedding_model'", true).get() as string | undefined;
    if (stored !== undefined && stored !== this.options.embeddingModel) {
      throw new StorageUnavailableError(
        `The database was moved to embedding model "${stored}" by a re-embed; restart this process with MCP_EMBEDDING_MODEL=${stored}`,
      );
    }
  }

  /** Runs `work` while every other operation on this database waits (they resume afterwards). */
  async withOperationsPaused<T>(work: () => Promise<T>): Promise<T> {
    while (this.pause) await this.pause;
    let resume!: () => void;
    this.pause = new Promise((resolve) => (resume = resolve));
    try {
      return await work();
    } finally {
      this.pause = null;
      resume();
    }
  }

  /** The live connection, for SQLite's online backup API. */
  connection(): Database.Database {
    return this.db;
  }

  /** PRAGMA data_version: changes when another connection (another process) commits. */
  dataVersion(): number {
    this.followReplacedFile();
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** For the other stores on this file (OAuth): SqlRunner with this connection's locking, busy retries and file-following. */
  sqlRunner(): SqlRunner {
    return {
      query: (sql, params) => this.run(() => this.statement(sql).all(...params) as Record<string, unknown>[]),
      transaction: async (statements) => {
        try {
          return await this.write(() => {
            for (const { sql, params, mustChange } of statements) {
              if (this.statement(sql).run(...params).changes === 0 && mustChange) throw ROLLED_BACK;
            }
            return true;
          });
        } catch (error) {
          if (error === ROLLED_BACK) return false;
          throw error;
        }
      },
    };
  }

  async close(): Promise<void> {
    await this.pool?.close();
    await this.checkpointer?.close();
    if (!this.db.open) return;
    try {
      // Folds the WAL back into the main file so the database is one self-contained file at rest.
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
    }
  }
}
