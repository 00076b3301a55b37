import type { EventLog } from './change-log.js';
import type { DatabaseBackups } from './database-backups.js';
import type { SqlRunner } from './oauth-store.js';
import type { MemoryStore, ReembedStaging, StorageStatus, TextSearch, VectorSearch } from './roles.js';

/** The opened backend (storage.module.ts provides each role from it; the CLI and tests use it whole). */
export const STORAGE_BACKEND = Symbol('STORAGE_BACKEND');

/** One database, every role on it. sqlite/sqlite-backend.ts and postgres/postgres-backend.ts each open one. */
export interface StorageBackend {
  readonly store: MemoryStore;
  readonly vectors: VectorSearch;
  readonly text: TextSearch;
  readonly status: StorageStatus;
  readonly reembed: ReembedStaging;
  /** Backups of the database file (SQLite); null where the database keeps its own (PostgreSQL: pg_dump, PITR). */
  readonly backups: DatabaseBackups | null;
  /** For the other stores in this database (OAuth): its reads and transactions, with this backend's locking and retries. */
  readonly sideTables: SqlRunner;
  /** The change feed as the events module follows it (every process's writes, in order). */
  openEventLog(): Promise<EventLog>;
  close(): Promise<void>;
}
