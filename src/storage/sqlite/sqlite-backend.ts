import type { EventLog } from '../change-log.js';
import type { SqlRunner } from '../oauth-store.js';
import type { StorageBackend } from '../storage-backend.js';
import { SqliteChangeFeed } from './sqlite-change-feed.js';
import { SqliteDatabase, type SqliteDatabaseOptions } from './sqlite-database.js';
import { SqliteDatabaseBackups } from './sqlite-database-backups.js';
import { SqliteEventLog } from './sqlite-event-log.js';
import { SqliteMemoryStore } from './sqlite-memory-store.js';
import { SqliteReembedStaging } from './sqlite-reembed-staging.js';
import { SqliteStatus } from './sqlite-status.js';
import { SqliteTextSearch } from './sqlite-text-search.js';
import { type AnnSettings, SqliteVectorSearch } from './sqlite-vector-search.js';

export interface SqliteBackendOptions extends SqliteDatabaseOptions {
  /** Retention of the change log (defaults: 10,000 changes, 16 MiB of payload). */
  changeLog?: { maxRows: number; maxBytes: number };
  /** The approximate-nearest-neighbour index beside the file (default off: servers turn it on). */
  ann?: AnnSettings;
  /** Test-only: named step at which a restore kills the process. */
  faultPoint?: string | null;
  /** Matches the keyword index ranks by BM25 in one search (default POSTINGS_BUDGET; tests and benchmarks vary it). */
  keywordPostingsBudget?: number;
}

/** better-sqlite3 + sqlite-vec on one file: every storage role, each in a file of its own, on one connection. */
export class SqliteBackend implements StorageBackend {
  readonly database: SqliteDatabase;
  readonly changes: SqliteChangeFeed;
  readonly store: SqliteMemoryStore;
  readonly vectors: SqliteVectorSearch;
  readonly text: SqliteTextSearch;
  readonly status: SqliteStatus;
  readonly reembed: SqliteReembedStaging;
  readonly backups: SqliteDatabaseBackups;
  readonly sideTables: SqlRunner;

  private constructor(options: SqliteBackendOptions) {
    this.database = SqliteDatabase.open(options);
    this.changes = new SqliteChangeFeed(this.database, options.changeLog);
    this.store = new SqliteMemoryStore(this.database, this.changes);
    this.vectors = new SqliteVectorSearch(this.database, this.changes, options.ann);
    this.text = new SqliteTextSearch(this.database, this.changes, options.keywordPostingsBudget);
    this.status = new SqliteStatus(this.database, this.vectors);
    this.reembed = new SqliteReembedStaging(this.database);
    this.backups = new SqliteDatabaseBackups(this.database, options.faultPoint ?? null);
    this.sideTables = this.database.sqlRunner();
  }

  /** Opens the file (creating, checking and migrating it) with every role on it. */
  static open(options: SqliteBackendOptions): SqliteBackend {
    return new SqliteBackend(options);
  }

  get path(): string {
    return this.database.path;
  }

  openEventLog(): Promise<EventLog> {
    return SqliteEventLog.open(this.changes);
  }

  async close(): Promise<void> {
    await this.vectors.close();
    this.text.close();
    await this.database.close();
  }
}
