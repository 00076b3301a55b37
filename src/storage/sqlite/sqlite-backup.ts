import Database from 'better-sqlite3';
import { renameSync, rmSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import * as sqliteVec from 'sqlite-vec';
import type { BackupInspection } from '../database-backups.js';

/** Pages copied per step: large steps finish quickly, the event loop still breathes between them. */
const PAGES_PER_STEP = 1024;

export type BackupProgress = (copiedPages: number, totalPages: number) => void;

/**
 * SQLite's online backup API from an open connection: consistent even while it keeps writing.
 * The copy is switched out of WAL mode so it is one self-contained file.
 */
export async function onlineBackup(source: Database.Database, destination: string, progress?: BackupProgress): Promise<void> {
  await source.backup(destination, {
    progress: ({ totalPages, remainingPages }) => {
      progress?.(totalPages - remainingPages, totalPages);
      return PAGES_PER_STEP;
    },
  });
  const copy = new Database(destination);
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

/** Online backup of a database file from a new connection (CLI use while the server runs). */
export async function onlineBackupOfFile(sourcePath: string, destination: string, progress?: BackupProgress): Promise<void> {
  const source = new Database(sourcePath, { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    await onlineBackup(source, destination, progress);
  } finally {
    source.close();
  }
}

export function inspectDatabaseFile(path: string): BackupInspection {
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    sqliteVec.load(db);
    const integrity = String(db.pragma('integrity_check', { simple: true }));
    const schemaVersion = Number(db.pragma('user_version', { simple: true }));
    const meta = new Map(
      (db.prepare("SELECT key, value FROM service_meta WHERE key IN ('embedding_model', 'embedding_dimension')").all() as { key: string; value: string }[]).map(
        (r) => [r.key, r.value],
      ),
    );
    const counts = db.prepare('SELECT (SELECT COUNT(*) FROM memories) AS memories, (SELECT COUNT(*) FROM memory_embeddings) AS vectors').get() as {
      memories: number;
      vectors: number;
    };
    return {
      integrity,
      memories: counts.memories,
      vectors: counts.vectors,
      embeddingModel: meta.get('embedding_model') ?? null,
      embeddingDimension: meta.has('embedding_dimension') ? Number(meta.get('embedding_dimension')) : null,
      schemaVersion,
    };
  } catch (error) {
    return { integrity: `unreadable: ${(error as Error).message}`, memories: 0, vectors: 0, embeddingModel: null, embeddingDimension: null, schemaVersion: 0 };
  } finally {
    db?.close();
  }
}

/**
 * Puts a copy of `file` in place of the database at `path` (no process may have it open):
 * copied beside it first, then renamed over it atomically, stale WAL files removed.
 */
export async function installDatabaseFile(path: string, file: string): Promise<void> {
  const staged = `${path}.restoring`;
  await copyFile(file, staged);
  removeSidecars(path);
  renameSync(staged, path);
}

/** Deletes a database file's WAL and shared-memory files (only safe while no connection is open). */
export function removeSidecars(path: string): void {
  for (const suffix of ['-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}
