import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { isRunningNode } from './server-lock.js';
import { BackupVerificationError, StorageBusyError, StorageUnavailableError } from '../../common/domain-errors.js';

/** Long SQLite operations run on a worker thread with their own connection, off the event loop. */
export type SqliteJob =
  | {
      kind: 'restore';
      path: string;
      /** The backup file whose memories replace the database's. */
      source: string;
      dimension: number;
      busyBudgetMs: number;
      /** The change appended in the restore's transaction. */
      change: { kind: string; payload: string };
      faultPoint: string | null;
    }
  | { kind: 'integrity'; path: string; full: boolean }
  | {
      kind: 'switch-model';
      path: string;
      model: string;
      dimension: number;
      busyBudgetMs: number;
      /** The change appended in the switch's transaction. */
      change: { kind: string; payload: string };
    };

export interface SqliteJobResult {
  /** integrity_check / quick_check findings other than "ok" (empty when intact). */
  problems: string[];
  /** switch-model: memories still without a new vector (nothing was changed when > 0). */
  pending?: number;
  /** switch-model: memories moved to the new model's vectors. */
  moved?: number;
}

export type SqliteJobReply = { ok: true; result: SqliteJobResult } | { ok: false; message: string; code: string | null };

const WORKER = new URL('./sqlite-jobs.worker.js', import.meta.url);

/** Where a restore migrates an older backup: beside the database, named for the restoring process. */
export function restoreSourcePath(databasePath: string, pid: number): string {
  return `${databasePath}.restore-source-${pid}`;
}

/** Removes migrated copies left by restores whose process died (killed mid-restore). */
export function removeStaleRestoreSources(databasePath: string): void {
  const prefix = `${basename(databasePath)}.restore-source-`;
  let names: string[];
  try {
    names = readdirSync(dirname(databasePath));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isInteger(pid) && !isRunningNode(pid)) rmSync(join(dirname(databasePath), name), { force: true });
  }
}

export function runSqliteJob(job: SqliteJob): Promise<SqliteJobResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: job });
    let settled = false;
    worker.once('message', (reply: SqliteJobReply) => {
      settled = true;
      if (reply.ok) resolve(reply.result);
      else if (reply.code === 'BACKUP_UNUSABLE') reject(new BackupVerificationError(`The backup cannot be restored: ${reply.message}`));
      else if (reply.code !== null && /^SQLITE_(BUSY|LOCKED)/.test(reply.code)) reject(new StorageBusyError());
      else if (reply.code !== null && /^SQLITE_(IOERR|CORRUPT|NOTADB|READONLY|CANTOPEN|PERM|FULL)/.test(reply.code))
        reject(new StorageUnavailableError(reply.message));
      else reject(new Error(reply.message));
    });
    worker.once('error', (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the SQLite worker stopped with code ${code}`));
    });
  });
}
