import type { EventLog } from '../change-log.js';
import type { SqlRunner } from '../oauth-store.js';
import type { StorageBackend } from '../storage-backend.js';
import { PostgresDatabase, type PostgresDatabaseOptions } from './postgres-database.js';
import { PostgresEventLog } from './postgres-event-log.js';
import { PostgresMemoryStore } from './postgres-memory-store.js';
import { PostgresReembedStaging } from './postgres-reembed-staging.js';
import { PostgresTextSearch, PostgresVectorSearch } from './postgres-search.js';
import { PostgresStatus } from './postgres-status.js';

/** PostgreSQL + pgvector: every storage role on one database, for several stateless replicas. */
export class PostgresBackend implements StorageBackend {
  readonly store: PostgresMemoryStore;
  readonly vectors: PostgresVectorSearch;
  readonly text: PostgresTextSearch;
  readonly status: PostgresStatus;
  readonly reembed: PostgresReembedStaging;
  /** PostgreSQL's backups belong to PostgreSQL (pg_dump, point-in-time recovery): none here. */
  readonly backups = null;
  readonly sideTables: SqlRunner;

  private constructor(
    readonly database: PostgresDatabase,
    keywordPostingsBudget?: number,
  ) {
    this.store = new PostgresMemoryStore(database);
    this.vectors = new PostgresVectorSearch(database);
    this.text = new PostgresTextSearch(database, keywordPostingsBudget);
    this.status = new PostgresStatus(database);
    this.reembed = new PostgresReembedStaging(database);
    this.sideTables = database.sqlRunner();
  }

  /** Connects (migrating the schema, checking the model) with every role on the database. */
  static async open(options: PostgresDatabaseOptions & { keywordPostingsBudget?: number }): Promise<PostgresBackend> {
    return new PostgresBackend(await PostgresDatabase.open(options), options.keywordPostingsBudget);
  }

  openEventLog(): Promise<EventLog> {
    return PostgresEventLog.open(this.database.url);
  }

  close(): Promise<void> {
    return this.database.close();
  }
}
