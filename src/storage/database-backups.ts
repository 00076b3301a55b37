/**
 * Backup and restore of the database file, for the admin module. The SQLite backend provides
 * it (it owns the live connection); other backends (PostgreSQL) keep backups elsewhere.
 */
export const DATABASE_BACKUPS = Symbol('DATABASE_BACKUPS');

export interface BackupInspection {
  /** "ok", or what PRAGMA integrity_check / opening the file reported. */
  integrity: string;
  memories: number;
  /** The memories' own vectors (passages' are not counted). */
  vectors: number;
  embeddingModel: string | null;
  embeddingDimension: number | null;
  schemaVersion: number;
}

export interface DatabaseBackups {
  /** A consistent copy of the live database (SQLite online backup API), while clients keep writing. */
  backupTo(destination: string): Promise<void>;
  /** Opens a copy read-only and checks it. Never throws for a damaged file: integrity says why. */
  inspect(file: string): Promise<BackupInspection>;
  /** Runs `work` while every other database operation waits (they resume afterwards). */
  withOperationsPaused<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Replaces the memories of the live database with those of `file` in one transaction and
   * appends `change` to the change log in it; call while paused. Throws if the restored data does
   * not pass an integrity check afterwards.
   */
  restoreFrom(file: string, change: Record<string, unknown>): Promise<void>;
  /** integrity_check (full) or quick_check of the live database, off the event loop: the problems found. */
  checkIntegrity(full: boolean): Promise<string[]>;
}
