import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/** Why a database location cannot hold a WAL-mode SQLite file safely; null when it can. */
export interface StorageLocationProblem {
  kind: 'cloud-sync' | 'network-filesystem';
  /** What was recognized: "Dropbox", "nfs4 mount at /mnt/share", ... */
  what: string;
}

/** Folder names that sync services create, matched against each component of the path. */
const SYNC_FOLDER_NAMES: [RegExp, string][] = [
  [/^dropbox( \(.+\))?$/i, 'Dropbox'],
  [/^onedrive( - .+)?$/i, 'OneDrive'],
  [/^google ?drive$|^my drive$/i, 'Google Drive'],
  [/^googledrive-\d+$/i, 'Google Drive'],
  [/^icloud ?drive$|^mobile documents$|^com~apple~clouddocs$/i, 'iCloud Drive'],
  [/^nextcloud$/i, 'Nextcloud'],
  [/^owncloud$/i, 'ownCloud'],
];

/** Marker files a sync client leaves in the root of the folder it syncs. */
const SYNC_MARKERS: [string | RegExp, string][] = [
  ['.dropbox', 'Dropbox'],
  ['.dropbox.cache', 'Dropbox'],
  ['.stfolder', 'Syncthing'],
  [/^\.sync_[0-9a-f]+\.db$|^\._sync_[0-9a-f]+\.db$|^\.owncloudsync\.log$/i, 'Nextcloud/ownCloud'],
  ['.tmp.drivedownload', 'Google Drive'],
];

/** Filesystem types on which SQLite's WAL mode (shared memory, byte-range locks) cannot work. */
const NETWORK_FS =
  /^(nfs|nfs4|cifs|smb|smb2|smb3|smbfs|afs|ncpfs|9p|ceph|glusterfs|lustre|gpfs|davfs|webdav|fuse\.(sshfs|rclone|s3fs|gcsfuse|goofys|davfs2|glusterfs|cephfs|juicefs|mountpoint-s3|smbnetfs|curlftpfs|onedriver|google-drive-ocamlfuse))$/i;

export interface MountEntry {
  mountPoint: string;
  fsType: string;
}

/** Parses /proc/self/mountinfo (Linux): mount point is field 5; the fs type follows " - ". */
export function parseMountInfo(text: string): MountEntry[] {
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (left === undefined || right === undefined) continue;
    const mountPoint = left.split(' ')[4];
    const fsType = right.split(' ')[0];
    if (mountPoint && fsType) entries.push({ mountPoint: unescape(mountPoint), fsType });
  }
  return entries;
}

/** The mount holding `path`: the longest mount point that is a prefix of it. */
export function mountOf(path: string, mounts: readonly MountEntry[]): MountEntry | null {
  let best: MountEntry | null = null;
  for (const mount of mounts) {
    const prefix = mount.mountPoint.endsWith(sep) ? mount.mountPoint : `${mount.mountPoint}${sep}`;
    const inside = path === mount.mountPoint || path.startsWith(prefix) || mount.mountPoint === sep;
    if (inside && (best === null || mount.mountPoint.length > best.mountPoint.length)) best = mount;
  }
  return best;
}

function syncFolderOf(path: string): string | null {
  const parts = path.split(sep).filter((p) => p !== '');
  for (const part of parts) {
    for (const [pattern, name] of SYNC_FOLDER_NAMES) if (pattern.test(part)) return name;
  }
  // Marker files in the database's folder or any folder above it.
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    let names: string[] | null = null;
    for (const [marker, name] of SYNC_MARKERS) {
      if (typeof marker === 'string') {
        if (existsSync(join(dir, marker))) return name;
      } else {
        names ??= listDir(dir);
        if (names.some((entry) => marker.test(entry))) return name;
      }
    }
    if (dirname(dir) === dir) break;
  }
  return null;
}

/**
 * Checks where a database file lives. The deployment guide warns that SQLite in WAL mode must not
 * sit in a cloud-sync folder (the sync client copies half-written files between machines) or on a
 * network filesystem (no shared memory or reliable locks across machines).
 */
export function checkStorageLocation(path: string, mountInfo: string | null = readMountInfo()): StorageLocationProblem | null {
  const absolute = resolve(path);
  const sync = syncFolderOf(absolute);
  if (sync !== null) return { kind: 'cloud-sync', what: sync };
  if (mountInfo !== null) {
    const mount = mountOf(absolute, parseMountInfo(mountInfo));
    if (mount !== null && NETWORK_FS.test(mount.fsType)) return { kind: 'network-filesystem', what: `${mount.fsType} mount at ${mount.mountPoint}` };
  }
  return null;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readMountInfo(): string | null {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return null;
  }
}
