import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { DatabaseOpenError, prepareDataDir, PRIVATE_FILE_MODE } from './sqlite-connection.js';

interface LockOwner {
  pid: number;
  host: string;
  started_at: string;
}

/** True when `pid` is a running Node.js process on this machine (not a recycled pid). */
export function isRunningNode(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return /node/i.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true; // no /proc (not Linux): trust the pid
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? (owner as LockOwner) : null;
  } catch {
    return null;
  }
}

/**
 * One server per database file: `serve` holds `<database>.server.lock` (pid, host, start time)
 * while it runs. A second server on the same file refuses to start and names the holder; a lock
 * left by a server that died is taken over. `mcp-memory mcp` stdio processes do not take it: they
 * share the file with the server as documented.
 */
export class ServerLock {
  private released = false;

  private constructor(readonly path: string) {}

  static acquire(databasePath: string): ServerLock {
    const path = `${databasePath}.server.lock`;
    prepareDataDir(databasePath);
    for (let attempt = 0; attempt < 2; attempt++) {
      let fd: number;
      try {
        fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
          throw new DatabaseOpenError(`Cannot create the server lock ${path}: ${(error as Error).message}`);
        const owner = readOwner(path);
        if (owner !== null && owner.host !== hostname()) {
          throw new DatabaseOpenError(
            `The database ${databasePath} is used by a server on another machine (${owner.host}, pid ${owner.pid}, since ${owner.started_at}); one server per file.`,
          );
        }
        if (owner !== null && owner.pid !== process.pid && isRunningNode(owner.pid)) {
          throw new DatabaseOpenError(
            `Another server (pid ${owner.pid}, started ${owner.started_at}) is already serving ${databasePath}. Stop it first, or give this server its own MCP_MEMORY_SQLITE_PATH. ` +
              '(mcp-memory mcp stdio processes may share the file with the server.)',
          );
        }
        rmSync(path, { force: true }); // left by a server that is gone
        continue;
      }
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), started_at: new Date().toISOString() } satisfies LockOwner));
      closeSync(fd);
      return new ServerLock(path);
    }
    throw new DatabaseOpenError(`Cannot take the server lock ${path}: another server is starting on the same file`);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    if (readOwner(this.path)?.pid === process.pid) rmSync(this.path, { force: true });
  }
}
