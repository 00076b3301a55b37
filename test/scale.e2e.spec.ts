import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fillWithSyntheticMemories, selectivityTags, SYNTHETIC_TAGS } from '../bench/synthetic-data.js';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '../src/embeddings/embedding-provider.js';
import { SqliteBackend } from '../src/storage/sqlite/sqlite-backend.js';
import { STORAGE_BACKEND, type StorageBackend } from '../src/storage/storage-backend.js';
import { ApiClient } from './helpers/http.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/** 100,000 memories by default (the size the scale goals name); MCP_TEST_SCALE_N for a quick run. */
const N = Number(process.env.MCP_TEST_SCALE_N ?? 100_000);
const KEY = 'scale-key';

const quantile = (values: number[], q: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

describe(`a ${N.toLocaleString('en-US')}-memory database under concurrent searches`, () => {
  let server: TestServer;
  let api: ApiClient;
  let sentences: string[];

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: KEY, MCP_QUERY_CACHE_SIZE: '0', LOG_LEVEL: 'warn' } });
    api = new ApiClient(server.url, KEY);
    const embeddings = server.app.get<EmbeddingProvider>(EMBEDDING_PROVIDER, { strict: false });
    const backend = server.app.get<StorageBackend>(STORAGE_BACKEND, { strict: false });
    // Real sentences, embedded once by the real model; the rest is generated around them.
    const corpus = JSON.parse(readFileSync('bench/quality/corpus.json', 'utf8')) as { memories: { content: string }[] };
    sentences = corpus.memories.slice(0, 400).map((m) => m.content);
    const vectors: Float32Array[] = [];
    for (let i = 0; i < sentences.length; i += 32) vectors.push(...(await embeddings.embed(sentences.slice(i, i + 32))));
    assert.equal(await fillWithSyntheticMemories(backend.store, { count: N, sentences, vectors }), N);
  });

  after(async () => {
    await server?.cleanup();
  });

  it('finds the right cluster first, and a 1% tag filter returns only tagged memories', async () => {
    const found = await api.post('/api/search', { query: sentences[3], n_results: 5, mode: 'semantic' });
    assert.equal(found.status, 200);
    assert.ok(found.body.results[0].memory.content.startsWith(sentences[3]), found.body.results[0].memory.content);
    const rare = await api.post('/api/search', { query: sentences[3], n_results: 10, mode: 'semantic', tags: [SYNTHETIC_TAGS.rare] });
    assert.equal(rare.body.results.length, 10);
    assert.ok(rare.body.results.every((r: { memory: { tags: string[] } }) => r.memory.tags.includes(SYNTHETIC_TAGS.rare)));
    const page = await api.get(`/api/memories?tag=${SYNTHETIC_TAGS.common}&page_size=5`);
    let common = 0;
    for (let i = 0; i < N; i++) if (selectivityTags(i).includes(SYNTHETIC_TAGS.common)) common += 1;
    assert.equal(page.body.total, common);
  });

  it('keeps /api/health under 50 ms while 8 clients search (searches run off the event loop)', async () => {
    let searching = true;
    let searches = 0;
    const clients = Array.from({ length: 8 }, async (_, c) => {
      for (let i = 0; searching; i++) {
        // Distinct queries: every search runs the model and a full vector scan.
        const res = await api.post('/api/search', { query: `${sentences[(c * 13 + i) % sentences.length]} ${c}-${i}`, n_results: 10, mode: 'semantic' });
        assert.equal(res.status, 200);
        searches += 1;
      }
    });
    const health: number[] = [];
    try {
      // Probe until enough searches have completed under the probes (a condition, not a duration).
      while (searches < 24 || health.length < 40) {
        const started = performance.now();
        const res = await fetch(`${server.url}/api/health`);
        await res.arrayBuffer();
        assert.equal(res.status, 200);
        health.push(performance.now() - started);
      }
    } finally {
      searching = false;
      await Promise.all(clients);
    }
    const p50 = quantile(health, 0.5);
    const p90 = quantile(health, 0.9);
    const summary = `health p50 ${p50.toFixed(1)} ms, p90 ${p90.toFixed(1)} ms, max ${Math.max(...health).toFixed(1)} ms over ${health.length} probes during ${searches} searches`;
    console.log(`# ${summary}`);
    assert.ok(p50 < 50 && p90 < 50, summary);
  });

  it('builds the vector index in the background, then answers through it with recall@10 >= 0.98 against exact search', async () => {
    // The build started with the first search; wait for it (a condition, with no fixed time).
    const backend = server.app.get<SqliteBackend>(STORAGE_BACKEND, { strict: false });
    for (;;) {
      await api.post('/api/search', { query: sentences[0], n_results: 1, mode: 'semantic' });
      const health = await api.get('/api/health/detailed');
      if (health.body.vector_index.state === 'ready') break;
      assert.equal(health.body.vector_index.last_error, null);
      await backend.vectors.vectorIndexSettled();
    }
    const health = await api.get('/api/health/detailed');
    assert.equal(health.body.vector_index.indexed + health.body.vector_index.pending, N);
    // Exact answers from a second connection on the same file with the index off.
    const exact = SqliteBackend.open({
      path: server.dbPath,
      pragmas: [],
      busyBudgetMs: 10_000,
      embeddingModel: 'use-lite',
      embeddingDimension: 512,
      readWorkers: 1,
    });
    const embeddings = server.app.get<EmbeddingProvider>(EMBEDDING_PROVIDER, { strict: false });
    try {
      let found = 0;
      for (let q = 0; q < 30; q++) {
        const [vector] = await embeddings.embed([`${sentences[(q * 11) % sentences.length]} again ${q}`]);
        const truth = (await exact.vectors.searchByVector(vector!, {}, 10)).map((h) => h.memory.contentHash);
        const got = (await backend.vectors.searchByVector(vector!, {}, 10)).map((h) => h.memory.contentHash);
        found += got.filter((h) => truth.includes(h)).length;
      }
      const recall = found / 300;
      console.log(`# recall@10 through the index at ${N}: ${recall.toFixed(3)}`);
      assert.ok(recall >= 0.98, `recall@10 ${recall}`);
    } finally {
      await exact.close();
    }
  });
});
