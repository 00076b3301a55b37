import type { ChangePayload } from '../change-log.js';
import type { BackupInspection, DatabaseBackups } from '../database-backups.js';
import { StorageUnavailableError } from '../../common/domain-errors.js';
import { inspectDatabaseFile, onlineBackup } from './sqlite-backup.js';
import { makePrivate } from './sqlite-connection.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { runSqliteJob } from './sqlite-jobs.js';

/** Backups of the live SQLite file (the server owns the connection), restores and integrity checks, for the admin module. */
export class SqliteDatabaseBackups implements DatabaseBackups {
  constructor(
    private readonly db: SqliteDatabase,
    /** Test-only: named step at which a restore kills the process. */
    private readonly faultPoint: string | null = null,
  ) {}

  async backupTo(destination: string): Promise<void> {
    await onlineBackup(this.db.connection(), destination);
    makePrivate(destination);
  }

  async inspect(file: string): Promise<BackupInspection> {
    return inspectDatabaseFile(file);
  }

  withOperationsPaused<T>(work: () => Promise<T>): Promise<T> {
    return this.db.withOperationsPaused(work);
  }

  /**
   * Restores the memories of a backup file into this database in ONE transaction, run on a worker
   * thread with its own connection: the file itself is never swapped, so a crash at any moment
   * leaves either the old or the restored data (SQLite's own journal), every other process on the
   * file sees the change like any other write, and the change log keeps increasing. Call while
   * paused. The restored data is integrity-checked afterwards.
   */
  async restoreFrom(file: string, change: ChangePayload): Promise<void> {
    this.db.followReplacedFile();
    const { problems } = await runSqliteJob({
      kind: 'restore',
      path: this.db.path,
      source: file,
      dimension: this.db.embeddingDimension,
      busyBudgetMs: this.db.busyBudgetMs,
      change: { kind: 'backup_restored', payload: JSON.stringify(change) },
      faultPoint: this.faultPoint,
    });
    if (problems.length > 0) {
      const failure = `the restored database failed its integrity check: ${problems.slice(0, 3).join('; ')}`;
      this.db.recordWriteFailure(failure);
      throw new StorageUnavailableError(failure);
    }
  }

  /** PRAGMA integrity_check (full) or quick_check, on a worker thread: "ok" or the problems found. */
  async checkIntegrity(full: boolean): Promise<string[]> {
    const result = await runSqliteJob({ kind: 'integrity', path: this.db.path, full });
    return result.problems;
  }
}
