import { lstatSync, statSync } from 'node:fs';
import { BackupFailedError, BackupVerificationError } from '../common/domain-errors.js';
import type { BackupInspection } from '../storage/database-backups.js';
import { type BackupCatalog, type BackupManifest, sha256File } from './backup-catalog.js';

type Inspect = (file: string) => Promise<BackupInspection>;

function problemOf(inspection: BackupInspection): string | null {
  if (inspection.integrity !== 'ok') return `integrity check: ${inspection.integrity}`;
  if (inspection.vectors !== inspection.memories) return `${inspection.memories} memories but ${inspection.vectors} vectors`;
  return null;
}

/**
 * Copies the database into the catalog with `copy`, verifies the copy (integrity, a vector for
 * every memory, memory count read back), checksums it and writes its manifest. A copy that does
 * not verify is deleted and reported as BackupFailedError.
 */
export async function makeVerifiedBackup(
  catalog: BackupCatalog,
  trigger: BackupManifest['trigger'],
  copy: (destination: string) => Promise<void>,
  inspect: Inspect,
): Promise<BackupManifest> {
  const started = performance.now();
  const createdAt = new Date();
  let backupId: string;
  try {
    backupId = catalog.reserveId(createdAt);
  } catch (error) {
    throw new BackupFailedError(`Backup failed: cannot use the backup directory ${catalog.dir}: ${(error as Error).message}`);
  }
  const file = catalog.partialFileOf(backupId);
  try {
    await copy(file);
    const inspection = await inspect(file);
    const problem = problemOf(inspection);
    if (problem !== null) throw new BackupFailedError(`Backup ${backupId} did not verify: ${problem}`);
    const manifest: BackupManifest = {
      backup_id: backupId,
      file: catalog.fileOf(backupId),
      size_bytes: statSync(file).size,
      memories: inspection.memories,
      created_at: createdAt.toISOString(),
      duration_ms: Math.round(performance.now() - started),
      verified: true,
      sha256: await sha256File(file),
      trigger,
      embedding_model: inspection.embeddingModel,
      schema_version: inspection.schemaVersion,
    };
    catalog.save(manifest);
    return manifest;
  } catch (error) {
    catalog.discard(backupId);
    throw error instanceof BackupFailedError ? error : new BackupFailedError(`Backup failed: ${(error as Error).message}`);
  }
}

/**
 * A backup file this service made is a plain file of its own: a link (to the live database, or
 * anywhere else) put in its place is refused before anything reads it.
 */
function assertOwnFile(backupId: string, file: string, liveDatabase: string | null): void {
  const stat = lstatSync(file);
  if (stat.isSymbolicLink()) {
    throw new BackupVerificationError(`Backup ${backupId} cannot be used: its file ${file} is a symbolic link, not a backup this service made`);
  }
  const live = liveDatabase === null ? null : statSync(liveDatabase, { throwIfNoEntry: false });
  if (live && live.dev === stat.dev && live.ino === stat.ino) {
    throw new BackupVerificationError(`Backup ${backupId} cannot be used: its file ${file} is the live database itself (a hard link to it)`);
  }
}

/** Re-checks a stored backup: a file of its own, its checksum against its manifest, then integrity and vectors. */
export async function verifyStoredBackup(catalog: BackupCatalog, backupId: string, inspect: Inspect, liveDatabase: string | null): Promise<BackupManifest> {
  const manifest = catalog.get(backupId);
  const file = catalog.fileOf(backupId);
  assertOwnFile(backupId, file, liveDatabase);
  if ((await sha256File(file)) !== manifest.sha256) {
    throw new BackupVerificationError(`Backup ${backupId} is damaged: its checksum does not match the manifest`);
  }
  const problem = problemOf(await inspect(file));
  if (problem !== null) throw new BackupVerificationError(`Backup ${backupId} failed verification: ${problem}`);
  return manifest;
}
