import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { spawnCli } from './helpers/cli-process.js';
import { databaseFacts } from './helpers/database-facts.js';
import { callTool, connectStdio, textOf } from './helpers/mcp-client.js';
import { ApiClient } from './helpers/http.js';
import { SseReader } from './helpers/sse-reader.js';
import { waitUntil } from './helpers/wait.js';
import { makeTempDir, startTestServer, type TestServer } from './helpers/test-server.js';

const KEY = 'backup-key';

describe('backups (real server, real files)', () => {
  let server: TestServer;
  let api: ApiClient;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: KEY, MCP_BACKUP_RETENTION: '50' } });
    api = new ApiClient(server.url, KEY);
  });

  after(async () => {
    await server.cleanup();
  });

  it('takes a verified, checksummed backup while 10 writers keep storing', async () => {
    let stop = false;
    let acked = 0;
    const writers = Array.from({ length: 10 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const res = await api.post('/api/memories', { content: `writer ${w} during backup ${i}` });
        assert.equal(res.status, 200);
        acked += 1;
      }
    });
    // The backup starts while the writers are in full flow: after each has been acknowledged a few times.
    await waitUntil(() => acked >= 30, { timeoutMs: 60_000, what: '30 acknowledged writes' });
    const ackedBefore = acked;
    const res = await api.post('/api/admin/backup', undefined);
    stop = true;
    await Promise.all(writers);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const backup = res.body;
    assert.equal(backup.success, true);
    assert.match(backup.backup_id, /^backup-\d{8}-\d{6}(-\d+)?$/);
    assert.equal(backup.verified, true);
    assert.match(backup.sha256, /^[0-9a-f]{64}$/);
    assert.ok(backup.memories >= ackedBefore, `${backup.memories} < ${ackedBefore}`);
    assert.ok(backup.memories <= acked);
    assert.equal(typeof backup.duration_ms, 'number');
    assert.equal(backup.size_bytes, statSync(backup.file).size);
    const copy = databaseFacts(backup.file);
    assert.equal(copy.integrity, 'ok');
    assert.equal(copy.memories, backup.memories);
    assert.equal(copy.vectors, backup.memories);
    assert.ok(!readdirSync(server.dir + '/backups').some((f) => f.endsWith('-wal')), 'the backup must be one self-contained file');
  });

  it('lists backups newest first, with the upstream aliases answering the same', async () => {
    await api.post('/api/backup/now', undefined);
    const list = await api.get('/api/admin/backups');
    assert.equal(list.status, 200);
    assert.equal(list.body.total, list.body.backups.length);
    assert.ok(list.body.total >= 2);
    const times = list.body.backups.map((b: { created_at: string }) => b.created_at);
    assert.deepEqual(times, [...times].sort().reverse());
    for (const b of list.body.backups) assert.equal(b.verified, true);
    assert.deepEqual((await api.get('/api/backup/list')).body, list.body);
    const status = await api.get('/api/admin/backups/status');
    assert.equal(status.body.schedule, null);
    assert.equal(status.body.last_success.backup_id, list.body.backups[0].backup_id);
    assert.equal(status.body.last_failure, null);
    assert.deepEqual((await api.get('/api/backup/status')).body, status.body);
    // upstream's field names, beside ours.
    const upstreamList = (await api.get('/api/backup/list')).body;
    assert.equal(upstreamList.total_count, upstreamList.backups.length);
    assert.equal(
      upstreamList.total_size_bytes,
      upstreamList.backups.reduce((sum: number, b: { size_bytes: number }) => sum + b.size_bytes, 0),
    );
    for (const b of upstreamList.backups) {
      assert.equal(b.filename, `${b.backup_id}.db`);
      assert.equal(b.age_days, 0);
      assert.equal(typeof b.duration_seconds, 'number');
    }
    const upstreamStatus = (await api.get('/api/backup/status')).body;
    assert.equal(upstreamStatus.enabled, false);
    assert.equal(upstreamStatus.interval, 'disabled');
    assert.equal(upstreamStatus.backup_count, upstreamList.total_count);
    assert.equal(upstreamStatus.max_count, 50);
    assert.ok(Math.abs(upstreamStatus.last_backup_time - Date.parse(upstreamList.backups[0].created_at) / 1000) < 0.01);
    assert.ok(upstreamStatus.time_since_last_seconds >= 0);
    assert.equal(upstreamStatus.scheduler_running, false);
    assert.deepEqual([upstreamStatus.retention_days, upstreamStatus.backup_directory], [null, upstreamStatus.backup_dir]);
    const now = (await api.post('/api/backup/now', undefined)).body;
    assert.equal(now.success, true);
    assert.match(now.filename, /^backup-\d{8}-\d{6}(-\d+)?\.db$/);
    assert.equal(typeof now.duration_seconds, 'number');
  });

  it('restores in place: A present, B gone, search works, later writes kept, SSE told to reload', async () => {
    const stream = await SseReader.open(`${server.url}/api/events/stream?api_key=${KEY}`);
    try {
      const a = await api.post('/api/memories', { content: 'Restore test A: the office plants are watered on Tuesdays' });
      const backup = (await api.post('/api/admin/backup', undefined)).body;
      const b = await api.post('/api/memories', { content: 'Restore test B: written after the backup' });

      let stop = false;
      let restoreAnsweredAt = Infinity;
      let acked = 0;
      const ackedAfterRestore: string[] = [];
      const writers = Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          const res = await api.post('/api/memories', { content: `written around the restore ${w}-${i}` });
          assert.equal(res.status, 200, JSON.stringify(res.body));
          acked += 1;
          if (performance.now() > restoreAnsweredAt) ackedAfterRestore.push(res.body.content_hash);
        }
      });
      await waitUntil(() => acked >= 4, { timeoutMs: 60_000, what: '4 acknowledged writes' });
      const restored = await api.post('/api/admin/restore', { backup_id: backup.backup_id });
      restoreAnsweredAt = performance.now();
      await waitUntil(() => ackedAfterRestore.length >= 4, { timeoutMs: 60_000, what: '4 writes acknowledged after the restore' });
      stop = true;
      await Promise.all(writers);

      assert.equal(restored.status, 200, JSON.stringify(restored.body));
      assert.equal(restored.body.success, true);
      assert.match(restored.body.safety_backup_id, /^backup-/);
      assert.equal((await api.get(`/api/memories/${a.body.content_hash}`)).status, 200);
      assert.equal((await api.get(`/api/memories/${b.body.content_hash}`)).status, 404);
      const search = await api.post('/api/search', { query: 'when do the plants get water?', n_results: 1 });
      assert.equal(search.body.results[0].memory.content_hash, a.body.content_hash);
      assert.ok(ackedAfterRestore.length > 0);
      for (const hash of ackedAfterRestore) assert.equal((await api.get(`/api/memories/${hash}`)).status, 200, `lost ${hash}`);
      await stream.waitFor((r) => r.events.some((m) => m.data.type === 'backup_restored'));
      const event = stream.events.find((m) => m.data.type === 'backup_restored')!;
      assert.equal(event.data.backup_id, backup.backup_id);
      assert.ok(stream.events.some((m) => m.data.type === 'backup_completed' && m.data.backup_id === backup.backup_id));
      const health = await api.get('/api/health');
      assert.equal(health.body.status, 'healthy');
    } finally {
      stream.close();
    }
  });

  it("a restore keeps what each memory was: its space, its expiry, the version it replaced, a long one's passages", async () => {
    const team = await api.post('/api/memories', { content: 'Restore keeps spaces: the team wiki moved to the new host', space: 'team', ttl_seconds: 86_400 });
    assert.equal(team.status, 200, JSON.stringify(team.body));
    const first = await api.post('/api/memories', { content: 'Restore keeps versions: the standup is at 9:30' });
    const second = await api.put(`/api/memories/${first.body.content_hash}`, { content: 'Restore keeps versions: the standup is at 10:00', versioned: true });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const diary = Array.from({ length: 40 }, (_, i) => `Day ${i + 1} of the sailing log: the wind came from the west and we reefed the mainsail.`);
    const fact = 'The spare key to the boat cabin hangs behind the galley door.';
    const long = await api.post('/api/memories', { content: [...diary.slice(0, 30), fact, ...diary.slice(30)].join(' ') });
    const made = await api.post('/api/admin/backup', undefined);
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const backup = made.body;
    const deleted = await api.delete(`/api/memories/${long.body.content_hash}`);
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    const restored = await api.post('/api/admin/restore', { backup_id: backup.backup_id });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));

    const restoredTeam = (await api.get(`/api/memories/${team.body.content_hash}?space=team`)).body;
    assert.equal(restoredTeam.space, 'team');
    assert.notEqual(restoredTeam.expires_at, null);
    const old = (await api.get(`/api/memories/${first.body.content_hash}?include_superseded=true`)).body;
    assert.notEqual(old.superseded_by ?? null, null, JSON.stringify(old));
    const found = await api.post('/api/search', { query: 'where is the cabin key kept?', n_results: 1, mode: 'semantic' });
    assert.equal(found.body.results[0].memory.content_hash, long.body.content_hash);
    assert.equal(found.body.results[0].matched_passage, fact);
  });

  it('refuses a corrupt backup with 422 and changes nothing', async () => {
    await api.post('/api/memories', { content: 'live data that must survive a bad restore' });
    const backup = (await api.post('/api/admin/backup', undefined)).body;
    const before = (await api.get('/api/health')).body.statistics.total_memories;
    truncateSync(backup.file, Math.floor(backup.size_bytes / 2));
    const res = await api.post('/api/admin/restore', { backup_id: backup.backup_id });
    assert.equal(res.status, 422);
    assert.match(res.body.detail, /damaged|verification/);
    assert.equal((await api.get('/api/health')).body.statistics.total_memories, before);
    assert.equal((await api.post('/api/memories', { content: 'still writable after the refused restore' })).status, 200);
  });

  it('a backup the restore cannot use (newer schema) fails with 422 and leaves the service exactly as before', async () => {
    const live = await api.post('/api/memories', { content: 'live data kept when a restore fails inside' });
    const backup = (await api.post('/api/admin/backup', undefined)).body;
    // A backup from a newer server: valid file, matching checksum, schema this server cannot read.
    const db = new Database(backup.file);
    db.pragma('user_version = 99');
    db.close();
    const manifestPath = backup.file.replace(/\.db$/, '.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    manifest.sha256 = createHash('sha256').update(readFileSync(backup.file)).digest('hex');
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const before = (await api.get('/api/health')).body.statistics.total_memories;
    const res = await api.post('/api/admin/restore', { backup_id: backup.backup_id });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.match(res.body.detail, /newer than this server/);
    const health = (await api.get('/api/health')).body;
    assert.equal(health.status, 'healthy');
    assert.equal(health.statistics.total_memories, before);
    assert.equal((await api.get(`/api/memories/${live.body.content_hash}`)).status, 200);
    assert.equal((await api.get('/api/memories?page_size=5')).status, 200);
    assert.equal((await api.post('/api/search', { query: 'live data' })).status, 200);
    assert.equal((await api.post('/api/memories', { content: 'writable after the failed restore' })).status, 200);
  });

  it('deletes backups; unknown ids are 404, malformed ones (path traversal) 400', async () => {
    const backup = (await api.post('/api/admin/backup', undefined)).body;
    const deleted = await api.delete(`/api/admin/backups/${backup.backup_id}`);
    assert.deepEqual(deleted.body, { success: true, backup_id: backup.backup_id });
    assert.equal((await api.delete(`/api/admin/backups/${backup.backup_id}`)).status, 404);
    assert.equal((await api.post('/api/admin/restore', { backup_id: 'backup-20000101-000000' })).status, 404);
    for (const bad of ['../../etc/passwd', 'backup-20261125-150600/../../x', '..%2F..%2Fetc%2Fpasswd']) {
      const res = await api.post('/api/admin/restore', { backup_id: bad });
      assert.equal(res.status, 400, bad);
      assert.equal(res.body.errors[0].field, 'backup_id');
    }
    assert.equal((await api.delete('/api/admin/backups/..%2F..%2Fetc%2Fpasswd')).status, 400);
  });

  it('requires the key on every admin route', async () => {
    const anonymous = new ApiClient(server.url);
    for (const [method, path] of [
      ['POST', '/api/admin/backup'],
      ['GET', '/api/admin/backups'],
      ['GET', '/api/admin/backups/status'],
      ['POST', '/api/admin/restore'],
      ['DELETE', '/api/admin/backups/backup-20000101-000000'],
      ['POST', '/api/backup/now'],
      ['GET', '/api/backup/list'],
      ['GET', '/api/backup/status'],
    ] as const) {
      assert.equal((await anonymous.request(path, { method })).status, 401, `${method} ${path}`);
      assert.equal((await anonymous.request(path, { method, apiKey: 'wrong' })).status, 403, `${method} ${path}`);
    }
  });
});

describe('scheduled backups', () => {
  it('fire on a short cron schedule and are pruned to the retention count', async () => {
    const server = await startTestServer({ env: { MCP_API_KEY: KEY, MCP_BACKUP_SCHEDULE: '*/1 * * * * *', MCP_BACKUP_RETENTION: '2' } });
    try {
      const api = new ApiClient(server.url, KEY);
      await api.post('/api/memories', { content: 'scheduled backup content' });
      const status = await api.get('/api/admin/backups/status');
      assert.equal(status.body.schedule, '*/1 * * * * *');
      assert.ok(Date.parse(status.body.next_run) > Date.now() - 1000);
      assert.equal(status.body.retention, 2);
      // Three scheduled backups have run once the newest is the third distinct success.
      const successes = new Set<string>();
      await waitUntil(
        async () => {
          const now = (await api.get('/api/admin/backups/status')).body.last_success;
          if (now) successes.add(now.backup_id);
          return successes.size >= 3;
        },
        { timeoutMs: 60_000, what: 'three scheduled backups' },
      );
      const list = await api.get('/api/admin/backups');
      assert.equal(list.body.total, 2);
      assert.ok(list.body.backups.every((b: { trigger: string; verified: boolean }) => b.trigger === 'scheduled' && b.verified));
    } finally {
      await server.cleanup();
    }
  });

  it('records a failed scheduled backup in the status and keeps serving', async () => {
    const dir = makeTempDir();
    const notADirectory = `${dir}/not-a-directory`;
    writeFileSync(notADirectory, 'a file where the backup directory should be');
    const server = await startTestServer({ dir, env: { MCP_API_KEY: KEY, MCP_BACKUP_SCHEDULE: '*/1 * * * * *', MCP_BACKUP_DIR: notADirectory } });
    try {
      const api = new ApiClient(server.url, KEY);
      await waitUntil(async () => (await api.get('/api/admin/backups/status')).body.last_failure !== null, {
        timeoutMs: 60_000,
        what: 'the failed backup in the status',
      });
      const status = await api.get('/api/admin/backups/status');
      assert.ok(status.body.last_failure, JSON.stringify(status.body));
      assert.equal(typeof status.body.last_failure.error, 'string');
      assert.equal(status.body.last_success, null);
      assert.equal((await api.get('/api/health')).body.status, 'healthy');
      assert.ok(server.logs.some((l) => l.msg === 'Backup failed'));
      assert.equal((await api.post('/api/admin/backup', undefined)).status, 500);
    } finally {
      await server.cleanup();
    }
  });

  it('restoring the oldest backup works when retention would prune it: the backup in use is kept', async () => {
    const server = await startTestServer({ env: { MCP_API_KEY: KEY, MCP_BACKUP_RETENTION: '2' } });
    try {
      const api = new ApiClient(server.url, KEY);
      const first = await api.post('/api/memories', { content: 'in the oldest backup' });
      const oldest = (await api.post('/api/admin/backup', undefined)).body;
      await api.post('/api/memories', { content: 'only in the newer backup' });
      await api.post('/api/admin/backup', undefined);
      // The restore's safety backup makes three: retention 2 must not remove the one being restored.
      const restored = await api.post('/api/admin/restore', { backup_id: oldest.backup_id });
      assert.equal(restored.status, 200, JSON.stringify(restored.body));
      assert.ok((await api.get('/api/admin/backups')).body.backups.some((b: { backup_id: string }) => b.backup_id === oldest.backup_id));
      const health = (await api.get('/api/health')).body;
      assert.equal(health.status, 'healthy');
      assert.equal(health.statistics.total_memories, 1);
      assert.equal((await api.get('/api/memories')).status, 200);
      assert.equal((await api.post('/api/search', { query: 'oldest backup' })).body.results[0].memory.content_hash, first.body.content_hash);
      assert.equal((await api.post('/api/admin/restore', { backup_id: oldest.backup_id })).status, 200, 'it can be restored again');
    } finally {
      await server.cleanup();
    }
  });

  it('a stdio process on the file keeps working after an HTTP restore: its later writes land in the restored database', async () => {
    const server = await startTestServer({ env: { MCP_API_KEY: KEY } });
    const stdio = await connectStdio('mcp', { MCP_MEMORY_SQLITE_PATH: server.dbPath });
    try {
      const api = new ApiClient(server.url, KEY);
      await api.post('/api/memories', { content: 'before the backup' });
      const backup = (await api.post('/api/admin/backup', undefined)).body;
      await callTool(stdio, 'store_memory', { content: 'stdio write that the restore rolls back' });
      assert.equal((await api.post('/api/admin/restore', { backup_id: backup.backup_id })).status, 200);
      const after = await callTool(stdio, 'store_memory', { content: 'stdio write after the restore must be kept' });
      const hash = (after.structuredContent as { content_hash: string }).content_hash;
      assert.equal(after.isError, undefined);
      assert.equal((await api.get(`/api/memories/${hash}`)).status, 200, 'the server sees the stdio write');
      const recalled = await callTool(stdio, 'memory_list', { page_size: 10 });
      const contents = (JSON.parse(textOf(recalled)) as { memories: { content: string }[] }).memories.map((m) => m.content);
      assert.deepEqual(contents.sort(), ['before the backup', 'stdio write after the restore must be kept']);
      await server.stop();
      assert.ok(databaseFacts(server.dbPath).hashes.has(hash), 'the acknowledged stdio write is in the file');
    } finally {
      await stdio.close();
      await server.cleanup();
    }
  });

  it('rejects a bad schedule at start-up, naming the variable', async () => {
    await assert.rejects(startTestServer({ env: { MCP_BACKUP_SCHEDULE: 'every tuesday' } }), /MCP_BACKUP_SCHEDULE/);
  });
});

describe('mcp-memory backup (operator CLI)', () => {
  it('creates, lists and verifies while the server runs; restores through the server, then offline', async () => {
    const server = await startTestServer({ env: { MCP_API_KEY: KEY } });
    const env = { MCP_MEMORY_SQLITE_PATH: server.dbPath, MCP_API_KEY: KEY, MCP_HTTP_PORT: new URL(server.url).port };
    try {
      const api = new ApiClient(server.url, KEY);
      const kept = await api.post('/api/memories', { content: 'CLI backup: kept by the restore' });
      const created = spawnCli(['backup', 'create'], env);
      assert.equal(await created.exited(), 0, created.stderr());
      const id = /Created (backup-\S+):/.exec(created.stdout())![1]!;
      assert.match(created.stdout(), /1 memories, \d+ bytes, verified/);

      const listed = spawnCli(['backup', 'list'], env);
      assert.equal(await listed.exited(), 0);
      assert.match(listed.stdout(), /^id +created +memories +size +trigger\n/u, 'a header names the columns');
      assert.match(listed.stdout(), new RegExp(`^${id} +\\S+ +1 +\\d+\\.\\d MB +cli$`, 'mu'));
      const verified = spawnCli(['backup', 'verify', id], env);
      assert.equal(await verified.exited(), 0);
      assert.match(verified.stdout(), /intact/);

      const dropped = await api.post('/api/memories', { content: 'CLI backup: undone by the restore' });
      const online = spawnCli(['backup', 'restore', id], env);
      assert.equal(await online.exited(), 0, online.stderr());
      assert.match(online.stdout(), /through the running server/);
      assert.equal((await api.get(`/api/memories/${dropped.body.content_hash}`)).status, 404);
      assert.equal((await api.get(`/api/memories/${kept.body.content_hash}`)).status, 200);

      await api.post('/api/memories', { content: 'CLI backup: undone by the offline restore' });
      await server.stop();
      const offline = spawnCli(['backup', 'restore', id], env);
      assert.equal(await offline.exited(), 0, offline.stderr());
      assert.match(offline.stdout(), /Safety backup .*\n.*Restored/);
      const restored = databaseFacts(server.dbPath);
      assert.deepEqual([restored.integrity, restored.memories, restored.vectors], ['ok', 1, 1]);

      truncateSync(`${server.dir}/backups/${id}.db`, 1000);
      const broken = spawnCli(['backup', 'verify', id], env);
      assert.equal(await broken.exited(), 1);
      assert.match(broken.stderr(), /damaged/);
      const usage = spawnCli(['backup', 'explode'], env);
      assert.equal(await usage.exited(), 2);
    } finally {
      await server.cleanup();
    }
  });
});
