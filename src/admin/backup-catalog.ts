import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BackupNotFoundError, BackupVerificationError, InvalidInputError } from '../common/domain-errors.js';

/** What is stored beside each backup file (`<id>.json`), and what the API lists. */
export interface BackupManifest {
  backup_id: string;
  file: string;
  size_bytes: number;
  memories: number;
  created_at: string;
  duration_ms: number;
  verified: boolean;
  sha256: string;
  trigger: 'manual' | 'scheduled' | 'pre-restore' | 'pre-delete-space' | 'cli';
  embedding_model: string | null;
  schema_version: number;
  /** Set when the manifest cannot be read: this backup cannot be restored. */
  problem?: string;
}

/** The deployment guide's id form, plus a suffix when two backups land in one second. */
const BACKUP_ID = /^backup-\d{8}-\d{6}(?:-\d{1,4})?$/;

/** A partial file untouched this long belongs to a backup that was killed, not one in progress. */
const ABANDONED_AFTER_MS = 10 * 60_000;

/** What a backup in progress leaves in the directory: `<id>.<pid>.db.partial` (the writer's process id) and `<id>.json.tmp`. */
const WORK_FILE = /^(backup-[\d-]+)(?:\.(\d+))?\.(?:db\.partial|json\.tmp)$/;

/** Whether a process with this id runs (a signal-0 probe; EPERM means it runs as another user). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function assertBackupId(id: string): void {
  if (!BACKUP_ID.test(id)) {
    throw InvalidInputError.field('backup_id', 'backup_id must look like backup-YYYYMMDD-HHMMSS (optionally -N)');
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function timestampId(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `backup-${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}-${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
}

/** The fields a manifest must have, so one bad file never breaks listing, status or pruning. */
function parseManifest(text: string, id: string): BackupManifest {
  const value = JSON.parse(text) as Partial<BackupManifest> | null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
  if (value.backup_id !== id) throw new Error(`its backup_id is ${JSON.stringify(value.backup_id)}`);
  for (const field of ['created_at', 'sha256'] as const) {
    if (typeof value[field] !== 'string') throw new Error(`${field} is missing`);
  }
  if (typeof value.memories !== 'number') throw new Error('memories is missing');
  return value as BackupManifest;
}

/** The backup directory: `<id>.db` files with `<id>.json` manifests. Ids never reach a path unchecked. */
export class BackupCatalog {
  constructor(readonly dir: string) {}

  /** A fresh id for `now` (UTC), suffixed when that second is taken. */
  reserveId(now: Date): string {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const base = timestampId(now);
    for (let n = 1; ; n++) {
      const id = n === 1 ? base : `${base}-${n}`;
      if (!existsSync(this.fileOf(id)) && !existsSync(this.manifestOf(id)) && !this.inProgress(id)) return id;
    }
  }

  fileOf(id: string): string {
    assertBackupId(id);
    return join(this.dir, `${id}.db`);
  }

  /**
   * Where this process writes a backup until it has verified (renamed to fileOf(id) then). The
   * name carries the process id, so a file left by a process that is gone is known at once.
   */
  partialFileOf(id: string): string {
    assertBackupId(id);
    return join(this.dir, `${id}.${process.pid}.db.partial`);
  }

  /** Whether any process is writing a backup with this id. */
  private inProgress(id: string): boolean {
    return readdirSync(this.dir).some((name) => WORK_FILE.exec(name)?.[1] === id);
  }

  private manifestOf(id: string): string {
    assertBackupId(id);
    return join(this.dir, `${id}.json`);
  }

  /** Moves the verified file into place and writes its manifest last, atomically. */
  save(manifest: BackupManifest): void {
    renameSync(this.partialFileOf(manifest.backup_id), this.fileOf(manifest.backup_id));
    const target = this.manifestOf(manifest.backup_id);
    writeFileSync(`${target}.tmp`, JSON.stringify(manifest, null, 2), { mode: 0o600 });
    renameSync(`${target}.tmp`, target);
  }

  get(id: string): BackupManifest {
    const path = this.manifestOf(id);
    if (!existsSync(path) || !existsSync(this.fileOf(id))) throw new BackupNotFoundError(id);
    try {
      return parseManifest(readFileSync(path, 'utf8'), id);
    } catch (error) {
      throw new BackupVerificationError(`Backup ${id} cannot be used: its manifest ${path} is unreadable (${(error as Error).message})`);
    }
  }

  /** Newest first. A backup whose manifest cannot be read is listed with its problem, not hidden. */
  list(): BackupManifest[] {
    if (!existsSync(this.dir) || !statSync(this.dir).isDirectory()) return [];
    return readdirSync(this.dir)
      .map((name) => /^(.+)\.json$/.exec(name)?.[1])
      .filter((id): id is string => id !== undefined && BACKUP_ID.test(id) && existsSync(join(this.dir, `${id}.db`)))
      .map((id) => this.entry(id))
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.backup_id.localeCompare(a.backup_id));
  }

  private entry(id: string): BackupManifest {
    try {
      return this.get(id);
    } catch (error) {
      const file = this.fileOf(id);
      const stat = statSync(file);
      return {
        backup_id: id,
        file,
        size_bytes: stat.size,
        memories: 0,
        created_at: stat.mtime.toISOString(),
        duration_ms: 0,
        verified: false,
        sha256: '',
        trigger: 'manual',
        embedding_model: null,
        schema_version: 0,
        problem: (error as Error).message,
      };
    }
  }

  remove(id: string): void {
    const path = this.manifestOf(id);
    if (!existsSync(path) || !existsSync(this.fileOf(id))) throw new BackupNotFoundError(id);
    rmSync(path, { force: true });
    rmSync(this.fileOf(id), { force: true });
  }

  /** Removes the file of a backup that did not complete. */
  discard(id: string): void {
    rmSync(this.partialFileOf(id), { force: true });
  }

  /**
   * Keeps the newest `keep` backups; never removes the last verified one, nor any id in
   * `inUse` (e.g. the backup a restore is reading). Returns the ids removed.
   */
  prune(keep: number, inUse: readonly string[] = []): string[] {
    const all = this.list();
    const newestVerified = all.find((m) => m.verified);
    const doomed = all
      .slice(keep)
      .filter((m) => !inUse.includes(m.backup_id))
      .filter((m) => m !== newestVerified || all.slice(0, keep).some((k) => k.verified));
    for (const manifest of doomed) this.remove(manifest.backup_id);
    return doomed.map((m) => m.backup_id);
  }

  /**
   * Deletes what killed backups left behind: partial files of processes that are gone (at once),
   * and partial and manifest temp files nobody has written for a while. Call before this process
   * starts a backup of its own (at start-up).
   */
  removeAbandoned(now = Date.now()): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const removed: string[] = [];
    for (const name of names) {
      const work = WORK_FILE.exec(name);
      if (work === null) continue;
      const path = join(this.dir, name);
      const writer = work[2] === undefined ? null : Number(work[2]);
      try {
        // This process's own id at start-up is an earlier process's (a container's server is often pid 1 every time).
        const writerGone = writer !== null && (writer === process.pid || !processRuns(writer));
        if (!writerGone && now - statSync(path).mtimeMs < ABANDONED_AFTER_MS) continue;
        rmSync(path, { force: true });
        removed.push(name);
      } catch {
        // Gone meanwhile.
      }
    }
    return removed;
  }
}
