import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORAGE_BACKEND, type StorageBackend } from '../src/storage/storage-backend.js';
import { ApiClient } from './helpers/http.js';
import { callTool, textOf } from './helpers/mcp-client.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

describe('health endpoints', () => {
  let server: TestServer;
  let api: ApiClient;

  before(async () => {
    server = await startTestServer({
      env: { MCP_API_KEY: 'k', MCP_MEMORY_SQLITE_PRAGMAS: 'cache_size=-8000,temp_store=MEMORY,synchronous=NORMAL' },
    });
    api = new ApiClient(server.url, 'k');
    await api.post('/api/memories', { content: 'health check memory', tags: ['h1', 'h2'] });
  });

  after(async () => {
    await server.cleanup();
  });

  it('reports counts to a keyed caller', async () => {
    const res = await api.get('/api/health');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.statistics, { total_memories: 1, total_tags: 2 });
  });

  it("answers the guide's troubleshooting line at /health too (public, as /api/health)", async () => {
    const res = await api.withKey(null).get('/health');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'healthy');
  });

  it("answers upstream's /api/memory-stats, /api/clear-caches (the search caches empty, searches still right) and /api/types", async () => {
    await api.post('/api/search', { query: 'health check', mode: 'semantic' });
    await api.post('/api/search', { query: 'health check memory', mode: 'keyword' });
    const stats = (await api.get('/api/memory-stats')).body;
    assert.ok(stats.process_memory_mb > 10 && stats.system_memory_total_gb > 0, JSON.stringify(stats));
    assert.ok(stats.system_memory_percent >= 0 && stats.system_memory_percent <= 100);
    assert.ok(stats.embedding_cache_count >= 1);
    assert.equal(stats.cache_stats.query_cache.size, stats.embedding_cache_count);
    const cleared = await api.post('/api/clear-caches', undefined);
    assert.equal(cleared.status, 200);
    assert.ok(cleared.body.success && cleared.body.embeddings_cleared >= 1 && cleared.body.results_cleared >= 1, JSON.stringify(cleared.body));
    assert.ok(cleared.body.memory_freed_estimate_mb >= 0);
    assert.equal((await api.get('/api/memory-stats')).body.embedding_cache_count, 0);
    const again = await api.post('/api/search', { query: 'health check memory', mode: 'keyword' });
    assert.equal(again.body.results[0].memory.content, 'health check memory');
    await api.post('/api/memories', { content: 'a typed memory', memory_type: 'runbook-step' });
    const types = (await api.get('/api/types')).body as string[];
    assert.ok(types.includes('observation') && types.includes('runbook-step'));
    assert.deepEqual(types, [...types].sort());
    assert.equal((await api.withKey(null).get('/api/memory-stats')).status, 401);
  });

  it('details database and WAL size, model, dimension and the pragmas in force', async () => {
    const res = await api.get('/api/health/detailed');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'healthy');
    assert.equal(res.body.database_path, server.dbPath);
    assert.ok(res.body.database_size_bytes > 0);
    assert.equal(typeof res.body.wal_size_bytes, 'number');
    assert.equal(res.body.embedding_model, 'use-lite');
    assert.equal(res.body.embedding_dimension, 512);
    assert.equal(res.body.pragmas.journal_mode, 'wal');
    assert.equal(res.body.pragmas.cache_size, -8000);
    assert.equal(res.body.pragmas.temp_store, 2);
    assert.equal(res.body.pragmas.synchronous, 1);
    assert.equal(res.body.pragmas.foreign_keys, 1);
    // Upstream's objects, which its clients read (the Claude Code hooks' status line shows storage.backend).
    assert.deepEqual(
      [res.body.storage.backend, res.body.storage.status, res.body.storage.accessible, res.body.storage.database_path, res.body.storage.embedding_model],
      ['sqlite-vec', 'connected', true, server.dbPath, 'use-lite'],
    );
    assert.equal(res.body.storage.total_memories, res.body.statistics.total_memories);
    assert.ok(res.body.storage.database_size_mb > 0);
    // Six memories can sit in a WAL while the file stays at 4 KB: sizes count both.
    assert.ok(res.body.wal_size_bytes > 0, 'recent writes are in the WAL');
    assert.equal(res.body.storage.database_size_mb, Math.round(((res.body.database_size_bytes + res.body.wal_size_bytes) / 1024 ** 2) * 100) / 100);
    const overview = await api.get('/api/stats/overview');
    assert.equal(overview.body.database_size.at(-1).bytes, res.body.database_size_bytes + res.body.wal_size_bytes, 'the Overview counts the WAL too');
    assert.ok(res.body.system.cpu_count > 0 && res.body.system.memory_total_gb > 0 && res.body.system.disk_total_gb > 0);
    assert.ok(res.body.system.disk_percent >= 0 && res.body.system.disk_percent <= 100);
    assert.equal(res.body.system.node_version, process.versions.node);
    assert.match(res.body.performance.uptime_formatted, /^\d+\.\d (seconds|minutes|hours|days)$/);
    const sync = await api.get('/api/health/sync-status');
    assert.deepEqual([sync.status, sync.body.sync_supported, sync.body.status.finished, sync.body.status.progress_percentage], [200, false, true, 100]);
    assert.equal((await api.withKey(null).get('/api/health/sync-status')).status, 401);
  });

  it('answers 503 unhealthy when the database is unusable, and keeps serving; the MCP health tool says the same', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: 'Bearer k' } } });
    const client = new Client({ name: 'health-tests', version: '1.0.0' });
    await client.connect(transport);
    const backend = server.app.get<StorageBackend>(STORAGE_BACKEND, { strict: false });
    await backend.close();
    const res = await api.get('/api/health');
    assert.equal(res.status, 503);
    assert.equal(res.body.status, 'unhealthy');
    assert.equal(res.body.detail, 'Database unavailable');
    assert.match(res.body.error, /closed/);
    const detailed = await api.get('/api/health/detailed');
    assert.deepEqual([detailed.status, detailed.body], [503, res.body]);
    // One error policy: the tool reports what the REST route reports, as a tool error.
    const tool = await callTool(client, 'memory_health');
    await client.close();
    assert.equal(tool.isError, true);
    assert.equal(textOf(tool), `Error: ${res.body.detail}: ${res.body.error}`);
    const store = await api.post('/api/memories', { content: 'cannot be written now' });
    assert.equal(store.status, 503);
    assert.match(store.body.detail, /unavailable/);
  });
});
