import { existsSync } from 'node:fs';
import { BackupCatalog } from '../admin/backup-catalog.js';
import { makeVerifiedBackup, verifyStoredBackup } from '../admin/verified-backup.js';
import { formatTable } from './table.js';
import type { AppConfig } from '../config/app-config.js';
import { inspectDatabaseFile, onlineBackupOfFile, restoreDatabaseFile } from '../storage/sqlite/sqlite-backup.js';
import { progressReporter } from './progress.js';
import { postToRunningServer } from './running-server.js';

const inspect = async (file: string) => inspectDatabaseFile(file);

async function restoreThroughServer(config: AppConfig, backupId: string): Promise<boolean> {
  const answer = await postToRunningServer(config, '/admin/restore', { backup_id: backupId });
  if (answer === null) return false;
  console.log(`Restored ${backupId} through the running server at ${answer.base}; safety backup ${String(answer.body.safety_backup_id)}`);
  return true;
}

export interface OutputOptions {
  /** One JSON document on stdout instead of lines for people. */
  json: boolean;
}

const print = (json: boolean, data: unknown, text: () => string): void => console.log(json ? JSON.stringify(data) : text());

/** `mcp-memory backup create`: a verified online backup (safe while the server runs). */
export async function backupCreate(config: AppConfig, { json }: OutputOptions): Promise<number> {
  const catalog = new BackupCatalog(config.backups.dir);
  const database = config.storage.sqlitePath;
  if (!existsSync(database)) throw new Error(`no database at ${database}`);
  const manifest = await makeVerifiedBackup(catalog, 'cli', (dest) => onlineBackupOfFile(database, dest, progressReporter('copying', 'pages')), inspect);
  const pruned = catalog.prune(config.backups.retention);
  catalog.removeAbandoned();
  print(json, { ...manifest, removed_by_retention: pruned }, () =>
    [
      `Created ${manifest.backup_id}: ${manifest.memories} memories, ${manifest.size_bytes} bytes, verified, sha256 ${manifest.sha256}`,
      ...(pruned.length > 0 ? [`Removed by retention (${config.backups.retention}): ${pruned.join(', ')}`] : []),
    ].join('\n'),
  );
  return 0;
}

/** `mcp-memory backup list`: newest first. */
export function backupList(config: AppConfig, { json }: OutputOptions): number {
  const catalog = new BackupCatalog(config.backups.dir);
  const backups = catalog.list();
  print(json, { backups }, () =>
    backups.length === 0
      ? `No backups in ${catalog.dir}`
      : formatTable(
          ['id', 'created', 'memories', 'size', 'trigger'],
          backups.map((b) => [b.backup_id, b.created_at, String(b.memories), `${(b.size_bytes / 1_048_576).toFixed(1)} MB`, b.trigger]),
        ),
  );
  return 0;
}

/** `mcp-memory backup verify ID`: checksum and integrity; a damaged backup throws (exit 1). */
export async function backupVerify(config: AppConfig, id: string, { json }: OutputOptions): Promise<number> {
  const manifest = await verifyStoredBackup(new BackupCatalog(config.backups.dir), id, inspect, config.storage.sqlitePath);
  print(
    json,
    { backup_id: id, intact: true, memories: manifest.memories },
    () => `${id} is intact: checksum matches, integrity ok, ${manifest.memories} memories`,
  );
  return 0;
}

/**
 * `mcp-memory backup restore ID`: through the running server's API when it answers (in place, no
 * restart), else directly on the file after a safety backup.
 */
export async function backupRestore(config: AppConfig, id: string): Promise<number> {
  const catalog = new BackupCatalog(config.backups.dir);
  const database = config.storage.sqlitePath;
  const manifest = await verifyStoredBackup(catalog, id, inspect, database);
  if (await restoreThroughServer(config, id)) return 0;
  let safetyId: string | null = null;
  if (existsSync(database)) {
    const safety = await makeVerifiedBackup(catalog, 'pre-restore', (dest) => onlineBackupOfFile(database, dest), inspect);
    safetyId = safety.backup_id;
    console.log(`Safety backup of the current database: ${safety.backup_id}`);
  }
  await restoreDatabaseFile(database, catalog.fileOf(id), {
    timestamp: new Date().toISOString(),
    backup_id: id,
    safety_backup_id: safetyId,
    memories: manifest.memories,
    message: 'The database was restored from a backup; reload your data',
  });
  console.log(`Restored ${id} (${manifest.memories} memories) into ${database}`);
  return 0;
}
