import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { spawnCli } from './helpers/cli-process.js';
import { callTool, connectStdio, textOf } from './helpers/mcp-client.js';
import { ApiClient } from './helpers/http.js';
import { TEST_BACKENDS } from './helpers/postgres.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const KEY = 'reembed-test-key';
const NEW_MODEL = 'fixtures/minilm-arch-random';
const MODELS = { MCP_MEMORY_MODELS_DIR: resolve('../shared/models') };

const note = (i: number): string => `Reembed note ${i}: the ${['deploy', 'budget', 'hiring', 'oncall'][i % 4]} topic, item ${i * 7}`;

for (const backend of TEST_BACKENDS)
  describe(`re-embed into another model on ${backend}, under load`, () => {
    let server: TestServer;
    // Closed here too, so a failed assertion does not leave the process (and the test file) running.
    let stale: Awaited<ReturnType<typeof connectStdio>> | null = null;
    after(async () => {
      await stale?.close();
      await server?.cleanup();
    });

    it('moves every memory to the new model while searches and stores go on, none failing, then serves with it', async () => {
      // With the vector index on: it is rebuilt for the new model's vectors (exact search serves meanwhile).
      server = await startTestServer({ backend, env: { MCP_API_KEY: KEY, MCP_MEMORY_ANN: 'on', ...MODELS } });
      const api = new ApiClient(server.url, KEY);
      for (let i = 0; i < 120; i++) assert.equal((await api.post('/api/memories', { content: note(i), tags: ['before'] })).status, 200);

      // Another process on the same file, still on the old model: after the switch it must stop, saying why.
      stale = backend === 'sqlite_vec' ? await connectStdio('mcp', { MCP_MEMORY_SQLITE_PATH: server.dbPath, ...MODELS }) : null;
      const failures: string[] = [];
      const storedDuring: string[] = [];
      let switched = false;
      let afterSwitch = 0;
      const load = async (worker: number): Promise<void> => {
        for (let i = 0; !switched || afterSwitch < 20; i++) {
          const res =
            worker === 0
              ? await api.post('/api/memories', { content: `Stored while re-embedding, number ${i}`, tags: ['during'] })
              : await api.post('/api/search', { query: note(i % 120), n_results: 5, mode: worker === 1 ? 'semantic' : 'hybrid' });
          if (res.status !== 200) failures.push(`${worker}: ${res.status} ${JSON.stringify(res.body)}`);
          else if (worker === 0) storedDuring.push(res.body.content_hash);
          if (switched) afterSwitch += 1;
        }
      };
      const running = [0, 1, 2].map(load);
      const reembed = await api.post('/api/admin/reembed', { model: NEW_MODEL });
      switched = true;
      await Promise.all(running);
      assert.equal(reembed.status, 200, JSON.stringify(reembed.body));
      assert.deepEqual(failures, []);
      const total = (await api.get('/api/health')).body.statistics.total_memories;
      assert.deepEqual(
        { ...reembed.body, seconds: 0, embedded: 0, memories: 0 },
        { from_model: 'use-lite', from_dimension: 512, model: NEW_MODEL, dimension: 384, memories: 0, seconds: 0, embedded: 0 },
      );
      assert.ok(reembed.body.memories > 120 && reembed.body.memories <= total, 'memories stored meanwhile were moved too');
      assert.ok(reembed.body.embedded >= reembed.body.memories);
      assert.ok(storedDuring.length > 0);

      const detailed = (await api.get('/api/health/detailed')).body;
      assert.equal(JSON.stringify(detailed).includes(NEW_MODEL), true, 'health names the new model');
      // Every memory, old and stored meanwhile, is found by its own text with the new model's vectors.
      const listed = await api.get('/api/memories?tag=during&page_size=100');
      for (const memory of [...listed.body.memories.slice(0, 3), { content: note(7) }, { content: note(119) }]) {
        const hit = await api.post('/api/search', { query: memory.content, n_results: 1, mode: 'semantic' });
        assert.equal(hit.body.results[0].memory.content, memory.content);
        assert.ok(hit.body.results[0].similarity_score > 0.99);
      }
      assert.equal((await api.post('/api/memories', { content: 'Stored with the new model' })).status, 200);

      const again = await api.post('/api/admin/reembed', { model: NEW_MODEL });
      assert.equal(again.status, 400);
      assert.match(again.body.detail, /already uses/);
      const unknown = await api.post('/api/admin/reembed', { model: 'no/such-model' });
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.detail, /cannot load model no\/such-model/);

      if (stale !== null) {
        const refused = await callTool(stale, 'memory_store', { content: 'Written by a process still on the old model' });
        assert.equal(refused.isError, true);
        assert.match(textOf(refused), /moved to embedding model "fixtures\/minilm-arch-random".*MCP_EMBEDDING_MODEL=fixtures\/minilm-arch-random/);
        const search = await callTool(stale, 'memory_search', { query: note(3), mode: 'semantic' });
        assert.equal(search.isError, true);
        await stale.close();
        stale = null;
      }
      if (backend === 'sqlite_vec') {
        // The file remembers its new model: a restart with the old one says how to move it back.
        await server.stop();
        await assert.rejects(
          startTestServer({ dir: server.dir, env: { MCP_API_KEY: KEY, ...MODELS } }),
          /MCP_EMBEDDING_MODEL=fixtures\/minilm-arch-random mcp-memory reembed --model use-lite/,
        );
      }
    });
  });

describe('re-embed on the command line, on the file (no server), interrupted and resumed', () => {
  it('a killed run keeps its vectors; the next one embeds only the rest and switches', async () => {
    const server = await startTestServer({ env: { MCP_API_KEY: KEY } });
    try {
      const api = new ApiClient(server.url, KEY);
      const lines = Array.from({ length: 400 }, (_, i) => JSON.stringify({ content: note(i) })).join('\n');
      const imported = await api.request('/api/admin/import/jsonl', { method: 'POST', rawBody: lines, headers: { 'content-type': 'application/x-ndjson' } });
      assert.equal(imported.body.imported, 400);
      await server.stop();
      const env = { MCP_MEMORY_SQLITE_PATH: server.dbPath, LOG_LEVEL: 'warn', MCP_HTTP_PORT: '1', ...MODELS };
      const first = spawnCli(['reembed', '--model', NEW_MODEL], env);
      await first.output('stderr', /re-embedded ([1-9]\d*)\/400 memories/, 180_000);
      first.child.kill('SIGKILL');
      await first.exited();
      const second = spawnCli(['reembed', '--model', NEW_MODEL, '--json'], env);
      assert.equal(await second.exited(), 0, second.stderr());
      const report = JSON.parse(second.stdout()) as { embedded: number; memories: number; model: string };
      assert.equal(report.memories, 400);
      assert.equal(report.model, NEW_MODEL);
      assert.ok(report.embedded < 400, `the killed run's vectors were kept: ${report.embedded} embedded again`);
      const restarted = await startTestServer({ dir: server.dir, env: { MCP_API_KEY: KEY, MCP_EMBEDDING_MODEL: NEW_MODEL, ...MODELS } });
      try {
        const hit = await new ApiClient(restarted.url, KEY).post('/api/search', { query: note(123), n_results: 1, mode: 'semantic' });
        assert.equal(hit.body.results[0].memory.content, note(123));
      } finally {
        await restarted.stop();
      }
    } finally {
      await server.cleanup();
    }
  });
});
