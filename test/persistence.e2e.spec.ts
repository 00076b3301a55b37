import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { databaseFacts } from './helpers/database-facts.js';
import { ApiClient } from './helpers/http.js';
import { makeTempDir, startTestServer } from './helpers/test-server.js';

describe('persistence across restarts', () => {
  it('keeps every memory, tag and vector after the server is closed and reopened on the same file', async () => {
    const dir = makeTempDir();
    try {
      const first = await startTestServer({ dir, env: { MCP_API_KEY: 'k' } });
      const api1 = new ApiClient(first.url, 'k');
      const stored = await api1.post('/api/memories', { content: 'Survives a restart: the wifi password is on the fridge', tags: ['restart'] });
      await api1.post('/api/memories', { content: 'A second memory for the restart test', tags: ['restart', 'second'] });
      await first.stop();

      const second = await startTestServer({ dir, env: { MCP_API_KEY: 'k' } });
      try {
        const api2 = new ApiClient(second.url, 'k');
        const got = await api2.get(`/api/memories/${stored.body.content_hash}`);
        assert.equal(got.status, 200);
        assert.deepEqual(got.body, stored.body.memory);
        const listed = await api2.get('/api/memories?tag=restart');
        assert.equal(listed.body.total, 2);
        const search = await api2.post('/api/search', { query: 'where can I find the wireless network password?', n_results: 1 });
        assert.equal(search.body.results[0].memory.content_hash, stored.body.content_hash);
        const dup = await api2.post('/api/memories', { content: 'Survives a restart: the wifi password is on the fridge' });
        assert.equal(dup.body.success, false);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start with a different embedding model than the file was built with, naming both', async () => {
    const dir = makeTempDir();
    try {
      const first = await startTestServer({ dir });
      await new ApiClient(first.url).post('/api/memories', { content: 'built with use-lite' });
      await first.stop();
      await assert.rejects(
        startTestServer({
          dir,
          env: { MCP_EMBEDDING_MODEL: 'fixtures/minilm-arch-random', MCP_MEMORY_MODELS_DIR: resolve('../shared/models') },
        }),
        (error: Error) => {
          assert.match(error.message, /"use-lite" \(512-d\)/);
          assert.match(error.message, /"fixtures\/minilm-arch-random" \(384-d\)/);
          assert.match(error.message, /MCP_EMBEDDING_MODEL=use-lite mcp-memory reembed --model fixtures\/minilm-arch-random/, 'says which command moves it');
          return true;
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('concurrent writers', () => {
  it('20 clients x 50 memories: all 1000 stored, none lost, no error', async () => {
    const server = await startTestServer({ env: { MCP_API_KEY: 'k' } });
    try {
      const api = new ApiClient(server.url, 'k');
      const failures: string[] = [];
      const hashes = new Set<string>();
      await Promise.all(
        Array.from({ length: 20 }, async (_, writer) => {
          for (let i = 0; i < 50; i++) {
            const res = await api.post('/api/memories', {
              content: `writer ${writer} memory ${i}: note about topic ${(writer * 50 + i) % 37}`,
              tags: [`writer-${writer}`],
            });
            if (res.status !== 200 || res.body.success !== true) failures.push(`${res.status} ${JSON.stringify(res.body)}`);
            else hashes.add(res.body.content_hash);
          }
        }),
      );
      assert.deepEqual(failures, []);
      assert.equal(hashes.size, 1000);
      const listed = await api.get('/api/memories?page_size=1');
      assert.equal(listed.body.total, 1000);
      assert.equal((await api.get('/api/memories?tag=writer-7')).body.total, 50);
      await server.stop();

      const facts = databaseFacts(server.dbPath);
      assert.equal(facts.integrity, 'ok');
      assert.deepEqual([facts.memories, facts.vectors, facts.joined], [1000, 1000, 1000]);
    } finally {
      await server.cleanup();
    }
  });

  it('two identical stores at once: one is stored, the other is told it is a duplicate', async () => {
    const server = await startTestServer();
    try {
      const api = new ApiClient(server.url);
      const results = await Promise.all(Array.from({ length: 8 }, () => api.post('/api/memories', { content: 'Racing identical content' })));
      assert.ok(results.every((r) => r.status === 200));
      assert.equal(results.filter((r) => r.body.success === true).length, 1);
      assert.equal(results.filter((r) => r.body.message === 'Duplicate content detected').length, 7);
    } finally {
      await server.cleanup();
    }
  });
});
