import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_BACKENDS } from './helpers/postgres.js';
import { ApiClient } from './helpers/http.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const CORPUS = [
  { content: 'The production database is backed up every night at 2am to the S3 bucket', tags: ['ops', 'backup'] },
  { content: 'Alice prefers dark mode and large fonts in the editor', tags: ['preferences'] },
  { content: 'Our quarterly sales grew by twelve percent compared with last year', tags: ['finance'] },
  { content: 'To deploy the web app, run the release pipeline and approve the staging step', tags: ['ops', 'deploy'] },
  { content: 'The office coffee machine is broken; use the one on the third floor', tags: ['office'] },
  { content: 'Bob is allergic to peanuts, so avoid them when ordering team lunch', tags: ['people', 'food'] },
  { content: 'The API rate limit is 100 requests per minute per key', tags: ['api'] },
  { content: 'Python 3.12 is the minimum supported version for the data pipeline', tags: ['python'] },
];

const PARAPHRASES: [string, number][] = [
  ['nightly backup schedule of the database', 0],
  ['which colour theme does Alice like?', 1],
  ['how much did revenue increase this quarter', 2],
  ['what are the steps to ship a new release of the website', 3],
  ['who has a nut allergy?', 5],
  ['how many calls can a client make to the API each minute', 6],
];

for (const backend of TEST_BACKENDS) describe(`search API on ${backend} (real model, real HTTP)`, () => {
  let server: TestServer;
  let api: ApiClient;
  const hashes: string[] = [];

  before(async () => {
    server = await startTestServer({ backend, env: { MCP_API_KEY: 'search-key' } });
    api = new ApiClient(server.url, 'search-key');
    for (const item of CORPUS) hashes.push((await api.post('/api/memories', item)).body.content_hash);
  });

  after(async () => {
    await server.cleanup();
  });

  for (const [query, expected] of PARAPHRASES) {
    it(`finds the right memory first for the paraphrase "${query}"`, async () => {
      const res = await api.post('/api/search', { query, n_results: 3 });
      assert.equal(res.status, 200);
      assert.equal(res.body.search_type, 'semantic');
      assert.equal(res.body.query, query);
      assert.equal(res.body.results[0].memory.content_hash, hashes[expected], JSON.stringify(res.body.results.map((r: { memory: { content: string } }) => r.memory.content)));
    });
  }

  it('returns scores in 0..1, best first, with n_results and total_found', async () => {
    const res = await api.post('/api/search', { query: 'backups of the database', n_results: 5, similarity_threshold: null, time_filter: null });
    assert.equal(res.status, 200);
    assert.equal(res.body.results.length, 5);
    assert.equal(res.body.total_found, 5);
    assert.equal(typeof res.body.processing_time_ms, 'number');
    const scores: number[] = res.body.results.map((r: { similarity_score: number }) => r.similarity_score);
    for (const s of scores) assert.ok(s >= 0 && s <= 1);
    for (let i = 1; i < scores.length; i++) assert.ok(scores[i - 1]! >= scores[i]!);
    assert.match(res.body.results[0].relevance_reason, /similarity/i);
  });

  it('drops results under similarity_threshold', async () => {
    const all = await api.post('/api/search', { query: 'when is the production database backed up?', n_results: 8 });
    const top = all.body.results[0].similarity_score as number;
    const res = await api.post('/api/search', { query: 'when is the production database backed up?', n_results: 8, similarity_threshold: top - 0.0001 });
    assert.equal(res.body.results.length, 1);
    assert.equal(res.body.results[0].memory.content_hash, hashes[0]);
  });

  it('restricts semantic search to tags', async () => {
    const res = await api.post('/api/search', { query: 'database backups', tags: ['Deploy'] });
    assert.deepEqual(res.body.results.map((r: { memory: { content_hash: string } }) => r.memory.content_hash), [hashes[3]]);
  });

  it('serves GET /api/search?q= with relevance_score', async () => {
    const res = await api.get(`/api/search?q=${encodeURIComponent('who has a nut allergy?')}&n_results=2`);
    assert.equal(res.status, 200);
    assert.equal(res.body.results.length, 2);
    assert.equal(res.body.results[0].memory.content_hash, hashes[5]);
    assert.equal(res.body.results[0].relevance_score, res.body.results[0].similarity_score);
  });

  it('searches by tag with any and all matching', async () => {
    const any = await api.post('/api/search/by-tag', { tags: ['backup', 'deploy'] });
    assert.equal(any.status, 200);
    assert.equal(any.body.search_type, 'tag');
    assert.deepEqual(new Set(any.body.results.map((r: { memory: { content_hash: string } }) => r.memory.content_hash)), new Set([hashes[0], hashes[3]]));
    const all = await api.post('/api/search/by-tag', { tags: ['ops', 'deploy'], match_all: true });
    assert.deepEqual(all.body.results.map((r: { memory: { content_hash: string } }) => r.memory.content_hash), [hashes[3]]);
    const commaString = await api.post('/api/search/by-tag', { tags: 'ops,backup', match_all: true });
    assert.deepEqual(commaString.body.results.map((r: { memory: { content_hash: string } }) => r.memory.content_hash), [hashes[0]]);
    const none = await api.post('/api/search/by-tag', { tags: ['no-such-tag'] });
    assert.deepEqual(none.body.results, []);
  });

  it('recalls by natural-language time, optionally ranked by meaning', async () => {
    const today = await api.post('/api/search/by-time', { query: 'today', n_results: 100 });
    assert.equal(today.status, 200);
    assert.equal(today.body.search_type, 'time');
    assert.equal(today.body.results.length, CORPUS.length);
    const ranked = await api.post('/api/search/by-time', { query: 'last 2 hours', semantic_query: 'coffee', n_results: 1 });
    assert.equal(ranked.body.results[0].memory.content_hash, hashes[4]);
    const yesterday = await api.post('/api/search/by-time', { query: 'yesterday' });
    assert.deepEqual(yesterday.body.results, []);
    const filtered = await api.post('/api/search', { query: 'coffee', time_filter: 'last week' });
    assert.deepEqual(filtered.body.results, []);
  });

  it('rejects an unparseable time phrase with 400 naming it', async () => {
    const res = await api.post('/api/search/by-time', { query: 'when pigs fly' });
    assert.equal(res.status, 400);
    assert.equal(res.body.errors[0].field, 'query');
    assert.match(res.body.detail, /when pigs fly/);
    const filter = await api.post('/api/search', { query: 'x', time_filter: 'blorp' });
    assert.equal(filter.status, 400);
    assert.equal(filter.body.errors[0].field, 'time_filter');
  });

  it('finds memories similar to a stored one, excluding itself', async () => {
    const res = await api.get(`/api/search/similar/${hashes[0]}?n_results=3`);
    assert.equal(res.status, 200);
    assert.equal(res.body.results.length, 3);
    assert.ok(!res.body.results.some((r: { memory: { content_hash: string } }) => r.memory.content_hash === hashes[0]));
    assert.equal((await api.get(`/api/search/similar/${'2'.repeat(64)}`)).status, 404);
  });
});
