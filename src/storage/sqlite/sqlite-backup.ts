import Database from 'better-sqlite3';
import { copyFileSync, existsSync } from 'node:fs';
import * as sqliteVec from 'sqlite-vec';
import type { BackupInspection } from '../database-backups.js';
import { integrityProblems, makePrivate } from './sqlite-connection.js';
import { runSqliteJob } from './sqlite-jobs.js';

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
    makePrivate(destination);
  } finally {
    source.close();
  }
}

export function inspectDatabaseFile(path: string): BackupInspection {
  let db: Database.Database | null = null;
  try {
    // Writable for the keyword index's check (nothing is written; the checksum is unchanged).
    db = new Database(path, { fileMustExist: true });
    sqliteVec.load(db);
    const problems = integrityProblems(db, true);
    const integrity = problems.length === 0 ? 'ok' : problems.join('; ');
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
    // The memories' own vectors: each passage (schema 10 on) has one more beside its memory's.
    const passages = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'memory_passages'").get()
      ? (db.prepare('SELECT COUNT(*) FROM memory_passages').pluck().get() as number)
      : 0;
    return {
      integrity,
      memories: counts.memories,
      vectors: counts.vectors - passages,
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
 * Restores the memories of `backupFile` into the database file at `path` without a server (the
 * CLI's path): the same single-transaction restore the server runs, so other processes on the
 * file see it like any write, and a crash leaves the old or the new data. A missing database is
 * created as a private copy of the backup.
 */
export async function restoreDatabaseFile(path: string, backupFile: string, change: Record<string, unknown>): Promise<void> {
  if (!existsSync(path)) {
    copyFileSync(backupFile, path);
    makePrivate(path);
    return;
  }
  const live = inspectDatabaseFile(path);
  const backup = inspectDatabaseFile(backupFile);
  if (live.embeddingModel !== null && backup.embeddingModel !== null && live.embeddingModel !== backup.embeddingModel) {
    throw new Error(`the backup was made with embedding model "${backup.embeddingModel}", the database uses "${live.embeddingModel}"`);
  }
  const { problems } = await runSqliteJob({
    kind: 'restore',
    path,
    source: backupFile,
    dimension: live.embeddingDimension ?? backup.embeddingDimension ?? 0,
    busyBudgetMs: 30_000,
    change: { kind: 'backup_restored', payload: JSON.stringify(change) },
    faultPoint: null,
  });
  if (problems.length > 0) throw new Error(`the restored database failed its integrity check: ${problems.slice(0, 3).join('; ')}`);
}
