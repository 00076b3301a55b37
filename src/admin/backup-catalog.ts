import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BackupNotFoundError, InvalidInputError } from '../common/domain-errors.js';

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
  trigger: 'manual' | 'scheduled' | 'pre-restore' | 'cli';
  embedding_model: string | null;
  schema_version: number;
}

/** The deployment guide's id form, plus a suffix when two backups land in one second. */
const BACKUP_ID = /^backup-\d{8}-\d{6}(?:-\d{1,4})?$/;

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

/** The backup directory: `<id>.db` files with `<id>.json` manifests. Ids never reach a path unchecked. */
export class BackupCatalog {
  constructor(readonly dir: string) {}

  /** A fresh id for `now` (UTC), suffixed when that second is taken. */
  reserveId(now: Date): string {
    mkdirSync(this.dir, { recursive: true });
    const base = timestampId(now);
    for (let n = 1; ; n++) {
      const id = n === 1 ? base : `${base}-${n}`;
      if (!existsSync(this.fileOf(id)) && !existsSync(this.manifestOf(id))) return id;
    }
  }

  fileOf(id: string): string {
    assertBackupId(id);
    return join(this.dir, `${id}.db`);
  }

  private manifestOf(id: string): string {
    assertBackupId(id);
    return join(this.dir, `${id}.json`);
  }

  /** Written last, atomically: a backup without a manifest is unfinished and never listed. */
  save(manifest: BackupManifest): void {
    const target = this.manifestOf(manifest.backup_id);
    writeFileSync(`${target}.tmp`, JSON.stringify(manifest, null, 2));
    renameSync(`${target}.tmp`, target);
  }

  get(id: string): BackupManifest {
    const path = this.manifestOf(id);
    if (!existsSync(path) || !existsSync(this.fileOf(id))) throw new BackupNotFoundError(id);
    return JSON.parse(readFileSync(path, 'utf8')) as BackupManifest;
  }

  /** Newest first. */
  list(): BackupManifest[] {
    if (!existsSync(this.dir) || !statSync(this.dir).isDirectory()) return [];
    return readdirSync(this.dir)
      .map((name) => /^(.+)\.json$/.exec(name)?.[1])
      .filter((id): id is string => id !== undefined && BACKUP_ID.test(id) && existsSync(join(this.dir, `${id}.db`)))
      .map((id) => JSON.parse(readFileSync(join(this.dir, `${id}.json`), 'utf8')) as BackupManifest)
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.backup_id.localeCompare(a.backup_id));
  }

  remove(id: string): void {
    this.get(id);
    rmSync(this.manifestOf(id), { force: true });
    rmSync(this.fileOf(id), { force: true });
  }

  /** Removes a half-written backup (no manifest yet). */
  discard(id: string): void {
    rmSync(this.fileOf(id), { force: true });
  }

  /**
   * Keeps the newest `keep` backups; never removes the last verified one.
   * Returns the ids removed.
   */
  prune(keep: number): string[] {
    const all = this.list();
    const newestVerified = all.find((m) => m.verified);
    const doomed = all.slice(keep).filter((m) => m !== newestVerified || all.slice(0, keep).some((k) => k.verified));
    for (const manifest of doomed) this.remove(manifest.backup_id);
    return doomed.map((m) => m.backup_id);
  }
}
