import { existsSync } from 'node:fs';
import { BackupCatalog } from '../admin/backup-catalog.js';
import { makeVerifiedBackup, verifyStoredBackup } from '../admin/verified-backup.js';
import type { AppConfig } from '../config/app-config.js';
import { inspectDatabaseFile, onlineBackupOfFile, restoreDatabaseFile } from '../storage/sqlite/sqlite-backup.js';

export const BACKUP_USAGE = `Usage: mcp-memory backup <create|list|verify ID|restore ID>

  create       back up MCP_MEMORY_SQLITE_PATH into MCP_BACKUP_DIR (safe while the server runs)
  list         list backups, newest first
  verify ID    check a backup's checksum and integrity
  restore ID   restore a backup: through the running server's API when it answers on
               MCP_HTTP_HOST:MCP_HTTP_PORT (in place, no restart), else directly on the file`;

const inspect = async (file: string) => inspectDatabaseFile(file);

/** Prints "copying NN%" on stderr at most twice a second, for long backups. */
function progressLine(): (copied: number, total: number) => void {
  let last = 0;
  return (copied, total) => {
    const now = Date.now();
    if (now - last < 500 || total === 0) return;
    last = now;
    process.stderr.write(`copying ${Math.floor((100 * copied) / total)}% (${copied}/${total} pages)\n`);
  };
}

async function restoreThroughServer(config: AppConfig, backupId: string): Promise<boolean> {
  const host = ['0.0.0.0', '::'].includes(config.http.host) ? '127.0.0.1' : config.http.host;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}/api`;
  try {
    await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) });
  } catch {
    return false;
  }
  const key = config.auth.apiKeys[0];
  const response = await fetch(`${base}/admin/restore`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ backup_id: backupId }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`the server refused the restore (${response.status}): ${String(body.detail)}`);
  console.log(`Restored ${backupId} through the running server at ${base}; safety backup ${String(body.safety_backup_id)}`);
  return true;
}

/** `mcp-memory backup ...`: returns the process exit code. */
export async function runBackupCommand(args: string[], config: AppConfig): Promise<number> {
  const catalog = new BackupCatalog(config.backups.dir);
  const [command, id] = args;
  const database = config.storage.sqlitePath;
  switch (command) {
    case 'create': {
      if (!existsSync(database)) throw new Error(`no database at ${database}`);
      const manifest = await makeVerifiedBackup(catalog, 'cli', (dest) => onlineBackupOfFile(database, dest, progressLine()), inspect);
      const pruned = catalog.prune(config.backups.retention);
      catalog.removeAbandoned();
      console.log(`Created ${manifest.backup_id}: ${manifest.memories} memories, ${manifest.size_bytes} bytes, verified, sha256 ${manifest.sha256}`);
      if (pruned.length > 0) console.log(`Removed by retention (${config.backups.retention}): ${pruned.join(', ')}`);
      return 0;
    }
    case 'list': {
      const backups = catalog.list();
      if (backups.length === 0) console.log(`No backups in ${catalog.dir}`);
      for (const b of backups) console.log(`${b.backup_id}  ${b.created_at}  ${String(b.memories).padStart(8)} memories  ${String(b.size_bytes).padStart(12)} bytes  ${b.trigger}`);
      return 0;
    }
    case 'verify': {
      if (!id) break;
      const manifest = await verifyStoredBackup(catalog, id, inspect);
      console.log(`${id} is intact: checksum matches, integrity ok, ${manifest.memories} memories`);
      return 0;
    }
    case 'restore': {
      if (!id) break;
      const manifest = await verifyStoredBackup(catalog, id, inspect);
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
  }
  console.error(BACKUP_USAGE);
  return 2;
}
