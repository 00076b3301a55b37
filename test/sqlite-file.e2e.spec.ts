import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../src/config/app-config.js';
import { loadHttpsCredentials } from '../src/https/https-credentials.js';
import { checkStorageLocation } from '../src/storage/sqlite/shared-storage-check.js';
import { CLI_PATH, spawnCli } from './helpers/cli-process.js';
import { ApiClient } from './helpers/http.js';
import { callTool, connectStdio } from './helpers/mcp-client.js';
import { makeTempDir, startTestServer, type TestServer } from './helpers/test-server.js';

const KEY = 'sqlite-file-key';
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

describe('the SQLite file: one server, damage, shared storage, permissions', () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const server of servers) await server.cleanup();
  });

  it("a second server on the same file refuses to start and names the one holding it; a dead server's lock is taken over", async () => {
    const dir = makeTempDir();
    const path = join(dir, 'memory.db');
    const first = spawnCli(['serve'], { MCP_HTTP_PORT: '0', MCP_MEMORY_SQLITE_PATH: path });
    try {
      await first.listening();
      const second = spawnCli(['serve'], { MCP_HTTP_PORT: '0', MCP_MEMORY_SQLITE_PATH: path });
      assert.equal(await second.exited(), 1);
      assert.match(second.stderr(), new RegExp(`Another server \\(pid ${first.child.pid}`));
      assert.match(second.stderr(), /mcp-memory mcp stdio processes may share the file/);
      // stdio processes may share the file with the server.
      const stdio = await connectStdio('mcp', { MCP_MEMORY_SQLITE_PATH: path });
      assert.equal((await callTool(stdio, 'store_memory', { content: 'a stdio process shares the file' })).isError, undefined);
      await stdio.close();
    } finally {
      first.child.kill('SIGKILL');
      await first.exited();
    }
    assert.ok(existsSync(`${path}.server.lock`), 'a killed server leaves its lock behind');
    const third = spawnCli(['serve'], { MCP_HTTP_PORT: '0', MCP_MEMORY_SQLITE_PATH: path });
    await third.listening();
    third.child.kill('SIGTERM');
    assert.equal(await third.exited(), 0);
    assert.equal(existsSync(`${path}.server.lock`), false, 'a server removes its lock when it stops');
  });

  it('a damaged database refuses to start, names the file and the recovery, and is left untouched', async () => {
    const dir = makeTempDir();
    const server = await startTestServer({ dir, env: { MCP_API_KEY: KEY } });
    const api = new ApiClient(server.url, KEY);
    for (let i = 0; i < 40; i++) await api.post('/api/memories', { content: `memory number ${i} with some text to fill pages ${'x'.repeat(3000)}` });
    await server.stop();
    // Overwrite the middle of the file (b-tree pages), as a failing disk would.
    const size = statSync(server.dbPath).size;
    const fd = openSync(server.dbPath, 'r+');
    writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    const before = sha256(server.dbPath);
    const cli = spawnCli(['serve'], { MCP_HTTP_PORT: '0', MCP_MEMORY_SQLITE_PATH: server.dbPath });
    assert.equal(await cli.exited(), 1);
    assert.match(cli.stderr(), new RegExp(`${server.dbPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*damaged`));
    assert.match(cli.stderr(), /mcp-memory backup restore/);
    assert.equal(sha256(server.dbPath), before, 'the damaged file was modified');
    servers.push(server);
  });

  it('a database in a cloud-sync folder is refused with the alternative; MCP_MEMORY_ALLOW_NETWORK_FS=true runs it with a rollback journal', async () => {
    const dir = makeTempDir();
    for (const [folder, name] of [
      ['Dropbox', 'Dropbox'],
      ['OneDrive - Contoso', 'OneDrive'],
      ['Google Drive', 'Google Drive'],
    ]) {
      const path = join(dir, folder!, 'memory', 'memory.db');
      const cli = spawnCli(['serve'], { MCP_HTTP_PORT: '0', MCP_MEMORY_SQLITE_PATH: path });
      assert.equal(await cli.exited(), 1, folder);
      assert.match(cli.stderr(), new RegExp(`in a ${name} folder`));
      assert.match(cli.stderr(), /central server/);
      assert.match(cli.stderr(), /MCP_MEMORY_ALLOW_NETWORK_FS=true/);
      assert.equal(existsSync(path), false, 'nothing was created');
    }
    // Syncthing marks the root of a synced folder with .stfolder.
    mkdirSync(join(dir, 'synced', 'deep'), { recursive: true });
    writeFileSync(join(dir, 'synced', '.stfolder'), '');
    assert.equal(checkStorageLocation(join(dir, 'synced', 'deep', 'memory.db'))?.what, 'Syncthing');
    const allowed = await startTestServer({ dir: join(dir, 'Dropbox'), env: { MCP_API_KEY: KEY, MCP_MEMORY_ALLOW_NETWORK_FS: 'true' } });
    servers.push(allowed);
    const details = await new ApiClient(allowed.url, KEY).get('/api/health/detailed');
    assert.equal(details.body.pragmas.journal_mode, 'delete');
    assert.ok(allowed.logs.some((l) => /rollback journal instead of WAL/.test(String(l.msg))));
  });

  it('recognizes network filesystems from the mount table', () => {
    const mountinfo = [
      '22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda rw',
      '40 22 0:35 / /mnt/nas rw,relatime shared:2 - nfs4 nas:/export rw,vers=4.2',
      '41 22 0:36 / /mnt/win rw,relatime shared:3 - cifs //server/share rw',
      '42 22 0:37 / /home/me/remote rw,nosuid shared:4 - fuse.sshfs me@host:/srv rw',
      '43 22 0:38 / /home/me/local\\040disk rw shared:5 - ext4 /dev/vdb rw',
    ].join('\n');
    assert.equal(checkStorageLocation('/mnt/nas/memory/memory.db', mountinfo)?.kind, 'network-filesystem');
    assert.match(checkStorageLocation('/mnt/nas/memory.db', mountinfo)!.what, /nfs4 mount at \/mnt\/nas/);
    assert.equal(checkStorageLocation('/mnt/win/memory.db', mountinfo)?.kind, 'network-filesystem');
    assert.equal(checkStorageLocation('/home/me/remote/a/memory.db', mountinfo)?.kind, 'network-filesystem');
    assert.equal(checkStorageLocation('/home/me/local disk/memory.db', mountinfo), null);
    assert.equal(checkStorageLocation('/mnt/nasty/memory.db', mountinfo), null, 'a prefix of a mount point name is not that mount');
  });

  it('creates the database, WAL, backups and certificates for its own user only (0600 files, 0700 directories)', async () => {
    const previous = process.umask(0o022);
    try {
      const dir = makeTempDir();
      const data = join(dir, 'fresh', 'data');
      const server = await startTestServer({ dir: join(dir, 'fresh'), env: { MCP_API_KEY: KEY, MCP_MEMORY_SQLITE_PATH: join(data, 'memory.db') } });
      servers.push(server);
      const api = new ApiClient(server.url, KEY);
      await api.post('/api/memories', { content: 'permissions check' });
      assert.equal((await api.post('/api/admin/backup', {})).status, 200);
      // The generated HTTPS certificate and key, as `MCP_HTTPS_ENABLED=true` makes them.
      await loadHttpsCredentials(loadConfig({ MCP_HTTPS_ENABLED: 'true', MCP_MEMORY_SQLITE_PATH: join(data, 'memory.db') }));
      assert.equal(mode(data), '700');
      for (const file of ['memory.db', 'memory.db-wal', 'memory.db.server.lock']) assert.equal(mode(join(data, file)), '600', file);
      assert.equal(mode(join(data, 'backups')), '700');
      for (const file of readdirSync(join(data, 'backups'))) assert.equal(mode(join(data, 'backups', file)), '600', file);
      assert.equal(mode(join(data, 'certs')), '700');
      for (const file of readdirSync(join(data, 'certs'))) assert.equal(mode(join(data, 'certs', file)), '600', file);
    } finally {
      process.umask(previous);
    }
  });

  it('a data folder this user may not write (a root-owned bind mount) is refused with the command that fixes it', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to run the server as another user');
    // A folder owned by root that others may enter but not write, as a bind mount made by root is.
    const dir = makeTempDir();
    chmodSync(dir, 0o755);
    const [uid, gid] = ['-u', '-g'].map((flag) => spawnSync('id', [flag, 'nobody'], { encoding: 'utf8' }).stdout.trim());
    for (const [dataDir, blocked] of [
      [dir, dir],
      [join(dir, 'not-yet'), dir],
    ]) {
      const run = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, CLI_PATH, 'serve', '--port', '0', '--data-dir', dataDir!], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: dir, MCP_MDNS_ENABLED: 'false' },
        timeout: 120_000,
      });
      assert.equal(run.status, 1, run.stderr);
      assert.ok(run.stderr.includes(`is not writable by this process (user nobody, uid ${uid}, gid ${gid})`), run.stderr);
      assert.ok(run.stderr.includes(`sudo chown -R ${uid}:${gid} ${blocked}.`), run.stderr);
      assert.match(run.stderr, /named volume \(-v memory-data:\/app\/data\)/u);
    }
    assert.deepEqual(readdirSync(dir), [], 'nothing was written');
  });
});
