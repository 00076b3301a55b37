import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callTool, textOf } from './helpers/mcp-client.js';
import { ApiClient } from './helpers/http.js';
import { POSTGRES_SKIP_REASON, TEST_BACKENDS, TEST_POSTGRES_URL } from './helpers/postgres.js';
import { SseReader } from './helpers/sse-reader.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { waitUntil } from './helpers/wait.js';

if (TEST_POSTGRES_URL === null) console.log(`# lifecycle on PostgreSQL skipped: ${POSTGRES_SKIP_REASON}`);

const KEY = 'lifecycle-key-0123456789abcdef';

for (const backend of TEST_BACKENDS) {
  describe(`memory lifecycle: versions and expiry (${backend})`, () => {
    let server: TestServer;
    let api: ApiClient;

    before(async () => {
      server = await startTestServer({ backend, env: { MCP_API_KEY: KEY, MCP_EXPIRY_PURGE_SECONDS: '1' } });
      api = new ApiClient(server.url, KEY);
    });
    after(async () => {
      await server.cleanup();
    });

    const contents = (body: { memories: { content: string }[] }): string[] => body.memories.map((m) => m.content).sort();

    it('a versioned PUT stores the next version; the old one is hidden from lists, searches and counts, and both are in the history', async () => {
      const first = await api.post('/api/memories', { content: 'The on-call rotation changes every Monday', tags: ['oncall'] });
      const v1 = first.body.content_hash as string;
      const before = (await api.get('/api/health')).body.statistics.total_memories as number;
      const next = await api.put(`/api/memories/${v1}`, { content: 'The on-call rotation changes every Tuesday', versioned: true, reason: 'moved a day' });
      assert.equal(next.status, 200, JSON.stringify(next.body));
      const v2 = next.body.content_hash as string;
      assert.notEqual(v2, v1);
      assert.deepEqual(
        [next.body.previous_hash, next.body.memory.supersedes, next.body.memory.tags, next.body.memory.metadata.evolution_reason],
        [v1, v1, ['oncall'], 'moved a day'],
      );
      assert.equal((await api.get(`/api/memories/${v1}`)).body.superseded_by, v2, 'asked for by hash, an old version answers and says so');

      assert.deepEqual(contents((await api.get('/api/memories?tag=oncall')).body), ['The on-call rotation changes every Tuesday']);
      assert.equal((await api.get('/api/memories?tag=oncall&include_superseded=true')).body.total, 2);
      for (const mode of ['hybrid', 'semantic', 'keyword', 'exact']) {
        const found = await api.post('/api/search', { query: 'on-call rotation changes every Monday', mode, n_results: 10 });
        assert.ok(!found.body.results.some((r: { memory: { content_hash: string } }) => r.memory.content_hash === v1), `${mode} hides the old version`);
      }
      const withOld = await api.post('/api/search', { query: 'on-call rotation Monday', mode: 'keyword', include_superseded: true });
      assert.ok(withOld.body.results.some((r: { memory: { content_hash: string } }) => r.memory.content_hash === v1));
      assert.equal((await api.get('/api/health')).body.statistics.total_memories, before, 'a new version counts once');
      assert.deepEqual((await api.get('/api/tags')).body.tags.find((t: { tag: string }) => t.tag === 'oncall')?.count, 1);

      for (const hash of [v1, v2]) {
        const history = await api.get(`/api/memories/${hash}/history`);
        assert.deepEqual(
          history.body.versions.map((v: { content_hash: string; superseded_by: string | null }) => [v.content_hash, v.superseded_by]),
          [
            [v1, v2],
            [v2, null],
          ],
        );
      }
      const again = await api.put(`/api/memories/${v1}`, { content: 'A third text from the old version', versioned: true });
      assert.equal(again.status, 409);
      assert.match(again.body.detail, /already superseded by/);
      const clash = await api.put(`/api/memories/${v2}`, { content: 'The on-call rotation changes every Monday', versioned: true });
      assert.equal(clash.status, 409, 'the old text exists in the space (as the old version)');
      assert.equal((await api.put(`/api/memories/${v2}`, { content: 'No versioned flag' })).status, 400);

      // Deleting the newest version does not bring the old one back: it stays superseded, in the history of itself.
      assert.equal((await api.delete(`/api/memories/${v2}`)).status, 200);
      assert.equal((await api.get('/api/memories?tag=oncall')).body.total, 0);
      assert.equal((await api.get(`/api/memories/${v1}`)).body.superseded_by, v2);
      assert.deepEqual(
        (await api.get(`/api/memories/${v1}/history`)).body.versions.map((v: { content_hash: string }) => v.content_hash),
        [v1],
      );
    });

    it('MCP: memory_update versioned makes a version; memory_history shows the chain; memory_search hides the old one', async () => {
      const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${KEY}` } } });
      const client = new Client({ name: 'lifecycle-tests', version: '1.0.0' });
      await client.connect(transport);
      try {
        const stored = await callTool(client, 'memory_store', { content: 'The staging password is rotated quarterly' });
        const v1 = (stored.structuredContent as { content_hash: string }).content_hash;
        const updated = await callTool(client, 'memory_update', {
          content_hash: v1,
          versioned: true,
          updates: { content: 'The staging password is rotated monthly', reason: 'policy change' },
        });
        assert.equal(updated.isError, undefined, textOf(updated));
        const v2 = (updated.structuredContent as { content_hash: string }).content_hash;
        const history = await callTool(client, 'memory_history', { content_hash: v2 });
        assert.match(textOf(history), /2 version\(s\)/);
        assert.match(textOf(history), /\(current\)/);
        assert.match(textOf(history), /policy change/);
        const found = await callTool(client, 'memory_search', { query: 'staging password rotated', mode: 'keyword' });
        const hashes = (found.structuredContent as { results: { memory: { content_hash: string } }[] }).results.map((r) => r.memory.content_hash);
        assert.deepEqual(hashes, [v2]);
      } finally {
        await client.close();
      }
    });

    it('near-duplicates: a store reports memories of its space that say nearly the same; supersede_similar makes it their new version', async () => {
      const first = await api.post('/api/memories', { content: 'The VPN gateway restarts every night at 2am', space: 'ops' });
      assert.deepEqual(first.body.similar, []);
      const again = await api.post('/api/memories', { content: 'The VPN gateway restarts every night at 2am.', space: 'ops' });
      assert.equal(again.body.success, true, 'a near-duplicate is stored (reported, not refused)');
      assert.equal(again.body.similar[0].content_hash, first.body.content_hash);
      assert.ok(again.body.similar[0].similarity >= 0.9 && again.body.similar[0].similarity <= 1);
      const elsewhere = await api.post('/api/memories', { content: 'Note: the VPN gateway restarts every night at 2am', space: 'other' });
      assert.deepEqual(elsewhere.body.similar, [], 'only the same space is compared');
      const replacing = await api.post('/api/memories', { content: 'The VPN gateway restarts each night at 2am', space: 'ops', supersede_similar: true });
      assert.equal(replacing.status, 200);
      const replaced = replacing.body.superseded as string;
      assert.ok([first.body.content_hash, again.body.content_hash].includes(replaced));
      assert.equal(replacing.body.memory.supersedes, replaced);
      assert.equal((await api.get(`/api/memories/${replaced}?space=ops`)).body.superseded_by, replacing.body.content_hash);
      const listed = (await api.get('/api/memories?space=ops&page_size=50')).body.memories.map((m: { content_hash: string }) => m.content_hash);
      assert.ok(!listed.includes(replaced) && listed.includes(replacing.body.content_hash));
      const unrelated = await api.post('/api/memories', { content: 'Lunch orders close at 11:30 on Fridays', space: 'ops' });
      assert.deepEqual(unrelated.body.similar, []);
    });

    it('expiry: a memory with ttl_seconds disappears from every read when it expires, then is purged with an event; its text may be stored again', async () => {
      const stream = await SseReader.open(`${server.url}/api/events`, { authorization: `Bearer ${KEY}` });
      try {
        const stored = await api.post('/api/memories', { content: 'Temporary door code 7731 for the delivery', tags: ['temp'], ttl_seconds: 2 });
        assert.equal(stored.status, 200);
        const hash = stored.body.content_hash as string;
        assert.ok(Date.parse(stored.body.memory.expires_at) > Date.now());
        assert.equal((await api.get(`/api/memories/${hash}`)).status, 200);
        await waitUntil(async () => (await api.get(`/api/memories/${hash}`)).status === 404, { what: 'the memory to expire', timeoutMs: 30_000 });
        assert.equal((await api.get('/api/memories?tag=temp')).body.total, 0);
        const found = await api.post('/api/search', { query: 'door code delivery', mode: 'keyword' });
        assert.equal(found.body.results.length, 0);
        await stream.waitFor((r) => r.events.some((m) => m.event === 'memory_deleted' && m.data.content_hash === hash && m.data.reason === 'expired'), 30_000);
        const again = await api.post('/api/memories', { content: 'Temporary door code 7731 for the delivery' });
        assert.deepEqual([again.body.success, again.body.memory.expires_at], [true, null]);
      } finally {
        stream.close();
      }
      assert.equal((await api.post('/api/memories', { content: 'Expired already', expires_at: '2020-01-01T00:00:00Z' })).status, 400);
      assert.equal((await api.post('/api/memories', { content: 'Both', expires_at: '2999-01-01T00:00:00Z', ttl_seconds: 60 })).status, 400);
      const later = await api.post('/api/memories', { content: 'Expires next year', expires_at: new Date(Date.now() + 365 * 86_400_000).toISOString() });
      assert.equal(later.status, 200);
      assert.equal((await api.get(`/api/memories/${later.body.content_hash}`)).status, 200);
    });
  });
}
