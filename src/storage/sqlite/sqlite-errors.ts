import Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError, StorageBusyError, StorageFullError, StorageUnavailableError } from '../../common/domain-errors.js';

function sqliteCode(error: unknown): string | null {
  return error instanceof Database.SqliteError ? error.code : null;
}

export function isBusyError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== null && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** Maps driver errors to domain errors, so no caller ever sees "database is locked". */
export function translateSqliteError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  const code = sqliteCode(error);
  if (code === null) {
    if (error instanceof TypeError && /database connection is not open/.test(error.message)) {
      return new StorageUnavailableError('the database is closed');
    }
    return error;
  }
  if (isBusyError(error)) return new StorageBusyError();
  if (code === 'SQLITE_FULL') return new StorageFullError();
  if (/^SQLITE_(IOERR|CORRUPT|NOTADB|READONLY|CANTOPEN|PERM|NOMEM)/.test(code)) {
    return new StorageUnavailableError(`${code}: ${(error as Error).message}`);
  }
  return error;
}

/**
 * Runs a synchronous SQLite operation, retrying with jittered backoff while another process holds
 * the lock. The short busy_timeout keeps each attempt from blocking the event loop for long; this
 * loop gives the overall, bounded patience.
 */
export async function withBusyRetry<T>(operation: () => T, budgetMs: number, pause: () => Promise<void> | null = () => null): Promise<T> {
  const deadline = Date.now() + budgetMs;
  let delayMs = 5;
  for (;;) {
    // Checked before every attempt, so an operation that was waiting for a lock cannot slip in
    // while a restore owns the database.
    for (let paused = pause(); paused !== null; paused = pause()) await paused;
    try {
      return operation();
    } catch (error) {
      if (!isBusyError(error) || Date.now() >= deadline) throw translateSqliteError(error);
      await sleep(delayMs + Math.random() * delayMs);
      delayMs = Math.min(delayMs * 2, 200);
    }
  }
}
