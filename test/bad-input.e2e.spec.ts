import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_BACKENDS } from './helpers/postgres.js';
import { ApiClient, type JsonResponse } from './helpers/http.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

function assertFieldError(res: JsonResponse, field: string, status = 400): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(typeof res.body.detail, 'string');
  assert.ok(Array.isArray(res.body.errors), JSON.stringify(res.body));
  assert.ok(
    res.body.errors.some((e: { field: string }) => e.field === field),
    `expected an error naming ${field}: ${JSON.stringify(res.body)}`,
  );
}

for (const backend of TEST_BACKENDS)
  describe(`bad input on ${backend} gets a clear 4xx naming the field, and writes nothing`, () => {
    let server: TestServer;
    let api: ApiClient;

    before(async () => {
      server = await startTestServer({ backend, env: { MCP_API_KEY: 'k', MCP_MEMORY_MAX_CONTENT_BYTES: '1000' } });
      api = new ApiClient(server.url, 'k');
    });

    after(async () => {
      await server.cleanup();
    });

    async function total(): Promise<number> {
      return (await api.get('/api/health')).body.statistics.total_memories;
    }

    it('rejects missing, empty, blank and non-string content', async () => {
      assertFieldError(await api.post('/api/memories', {}), 'content');
      assertFieldError(await api.post('/api/memories', { content: '' }), 'content');
      assertFieldError(await api.post('/api/memories', { content: '   \n\t' }), 'content');
      assertFieldError(await api.post('/api/memories', { content: 42 }), 'content');
      assertFieldError(await api.post('/api/memories', { content: ['a'] }), 'content');
      assertFieldError(await api.post('/api/memories', { content: null }), 'content');
      assert.equal(await total(), 0);
    });

    it('rejects content over MCP_MEMORY_MAX_CONTENT_BYTES, counting UTF-8 bytes', async () => {
      assertFieldError(await api.post('/api/memories', { content: 'a'.repeat(1001) }), 'content');
      assertFieldError(await api.post('/api/memories', { content: 'é'.repeat(501) }), 'content');
      assert.equal((await api.post('/api/memories', { content: 'a'.repeat(1000) })).status, 200);
      assert.equal(await total(), 1);
    });

    it('answers 413 for a body larger than the server accepts', async () => {
      const res = await api.request('/api/memories', {
        method: 'POST',
        rawBody: JSON.stringify({ content: 'b'.repeat(3 * 1024 * 1024) }),
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.status, 413);
      assert.match(res.body.detail, /too large/);
    });

    it('rejects bad tags: too many, too long, not strings, not a list', async () => {
      assertFieldError(await api.post('/api/memories', { content: 'tags 1', tags: Array.from({ length: 101 }, (_, i) => `t${i}`) }), 'tags');
      assertFieldError(await api.post('/api/memories', { content: 'tags 2', tags: ['x'.repeat(201)] }), 'tags');
      assertFieldError(await api.post('/api/memories', { content: 'tags 3', tags: [1, 2] }), 'tags');
      assertFieldError(await api.post('/api/memories', { content: 'tags 4', tags: 'a,b' }), 'tags');
      assert.equal((await api.post('/api/memories', { content: 'tags ok', tags: Array.from({ length: 100 }, (_, i) => `t${i}`) })).status, 200);
    });

    it('rejects metadata that is not an object, or too large', async () => {
      for (const metadata of [[1, 2], 'text', 5, true]) {
        assertFieldError(await api.post('/api/memories', { content: `meta ${String(metadata)}`, metadata }), 'metadata');
      }
      assertFieldError(await api.post('/api/memories', { content: 'big meta', metadata: { blob: 'm'.repeat(70_000) } }), 'metadata');
    });

    it('ignores fields it does not know (as upstream does), but still refuses wrong types and ranges', async () => {
      const unknown = await api.post('/api/memories', { content: 'unknown fields are dropped', colour: 'red', future_field: { x: 1 } });
      assert.equal(unknown.status, 200);
      assert.equal((unknown.body.memory as Record<string, unknown>).colour, undefined);
      assert.deepEqual(unknown.body.memory.metadata, {});
      const compat = await api.post('/api/search', { query: 'x', time_filter: null, quality_boost: 0.3, similarity_threshold: null, newer_option: true });
      assert.equal(compat.status, 200);
      // Upstream's REST search takes quality_boost as a boolean; both shapes are accepted and ignored.
      for (const quality_boost of [true, false, 0, 1]) assert.equal((await api.post('/api/search', { query: 'x', quality_boost })).status, 200);
      assertFieldError(await api.post('/api/search', { query: 'x', quality_boost: 2 }), 'quality_boost');
      assertFieldError(await api.post('/api/search', { query: 'x', quality_boost: 'yes' }), 'quality_boost');
      assertFieldError(await api.post('/api/memories', { content: 'typed', tags: 'not-a-list', colour: 'red' }), 'tags');
      assertFieldError(await api.post('/api/search', { query: 'x', n_results: 'five' }), 'n_results');
      assertFieldError(await api.post('/api/search', { query: 'x', n_results: 1000 }), 'n_results');
      assert.equal((await api.get('/api/memories?page=1&unknown_param=1')).status, 200);
    });

    it('rejects malformed JSON, a non-object body and a wrong content type', async () => {
      const malformed = await api.request('/api/memories', { method: 'POST', rawBody: '{"content": "x"', headers: { 'content-type': 'application/json' } });
      assert.equal(malformed.status, 400);
      assert.match(malformed.body.detail, /JSON/);
      assertFieldError(await api.post('/api/memories', ['content']), 'body');
      assertFieldError(await api.post('/api/memories', 'just a string'), 'body');
      const xml = await api.request('/api/memories', { method: 'POST', rawBody: '<content>x</content>', headers: { 'content-type': 'application/xml' } });
      assert.equal(xml.status, 415);
      assert.match(xml.body.detail, /Content-Type/);
      const text = await api.request('/api/memories', { method: 'POST', rawBody: 'plain text', headers: { 'content-type': 'text/plain' } });
      assert.equal(text.status, 415);
      const empty = await api.request('/api/memories', { method: 'POST', headers: { 'content-type': 'application/json' } });
      assertFieldError(empty, 'body');
      const proto = await api.request('/api/memories', {
        method: 'POST',
        rawBody: '{"content":"p","__proto__":{"admin":true}}',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(proto.status, 400);
    });

    it('rejects page and page_size out of range or not numbers', async () => {
      assertFieldError(await api.get('/api/memories?page=0'), 'page');
      assertFieldError(await api.get('/api/memories?page=-1'), 'page');
      assertFieldError(await api.get('/api/memories?page=abc'), 'page');
      assertFieldError(await api.get('/api/memories?page=1.5'), 'page');
      assertFieldError(await api.get('/api/memories?page_size=0'), 'page_size');
      assertFieldError(await api.get('/api/memories?page_size=101'), 'page_size');
      assertFieldError(await api.get('/api/memories?tag_match=some'), 'tag_match');
    });

    it('rejects bad search parameters', async () => {
      assertFieldError(await api.post('/api/search', {}), 'query');
      assertFieldError(await api.post('/api/search', { query: '' }), 'query');
      assertFieldError(await api.post('/api/search', { query: 'x', n_results: 0 }), 'n_results');
      assertFieldError(await api.post('/api/search', { query: 'x', n_results: 101 }), 'n_results');
      assertFieldError(await api.post('/api/search', { query: 'x', n_results: '5' }), 'n_results');
      assertFieldError(await api.post('/api/search', { query: 'x', similarity_threshold: 1.5 }), 'similarity_threshold');
      assertFieldError(await api.post('/api/search', { query: 'x', similarity_threshold: -0.1 }), 'similarity_threshold');
      assertFieldError(await api.get('/api/search'), 'q');
      assertFieldError(await api.get('/api/search?q=x&n_results=1000'), 'n_results');
      assertFieldError(await api.post('/api/search/by-tag', { tags: [] }), 'tags');
      assertFieldError(await api.post('/api/search/by-tag', { tags: ['a'], match_all: 'yes' }), 'match_all');
      assertFieldError(await api.post('/api/search/by-time', { query: 'whenever-ish' }), 'query');
      assertFieldError(await api.get('/api/memories/not-a-hash'), 'content_hash');
      assertFieldError(await api.get('/api/search/similar/xyz'), 'content_hash');
      assertFieldError(await api.post('/api/memories', { content: 'agent' }, { headers: { 'x-agent-id': 'x'.repeat(101) } }), 'X-Agent-ID');
    });

    it('never answered any of this with a 5xx, and wrote only the valid memories', async () => {
      const errors = server.logs.filter((l) => typeof l.status === 'number' && (l.status as number) >= 500);
      assert.deepEqual(errors, []);
      // Two valid stores earlier in this file, and the one whose only oddity was unknown fields.
      assert.equal(await total(), 3);
    });
  });

describe('hostile bodies', () => {
  it('a deeply nested body is a 400 naming the body, not a crash', async () => {
    const server = await startTestServer();
    try {
      const deep = `{"content": ${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`;
      const res = await new ApiClient(server.url).request('/api/memories', { method: 'POST', rawBody: deep, headers: { 'content-type': 'application/json' } });
      assertFieldError(res, 'body');
      assert.match(res.body.detail, /deeper than 32/);
      const nestedArray = `${'['.repeat(5000)}${']'.repeat(5000)}`;
      const arr = await new ApiClient(server.url).request('/api/search', {
        method: 'POST',
        rawBody: nestedArray,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(arr.status, 400);
    } finally {
      await server.cleanup();
    }
  });
});
