import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { SCHEMA_VERSION } from '../src/storage/sqlite/sqlite-migrations.js';
import { databaseFacts } from './helpers/database-facts.js';
import { ApiClient } from './helpers/http.js';
import { SseReader } from './helpers/sse-reader.js';
import { makeTempDir, startTestServer, type TestServer } from './helpers/test-server.js';

const KEY = 'upgrade-key';

describe('a database from the previous release (schema v1) is upgraded on open', () => {
  let server: TestServer;

  after(async () => {
    await server?.cleanup();
  });

  it('keeps every memory, tag and vector, backfills the keyword index and starts the change log', async () => {
    const dir = makeTempDir('upgrade-');
    writeFileSync(join(dir, 'memory.db'), gunzipSync(readFileSync('test/fixtures/v1-memory.db.gz')));
    const before = databaseFacts(join(dir, 'memory.db'));
    assert.equal(before.memories, 4);
    server = await startTestServer({ dir, env: { MCP_API_KEY: KEY } });
    const api = new ApiClient(server.url, KEY);

    const details = (await api.get('/api/health/detailed')).body;
    assert.equal(details.schema_version, SCHEMA_VERSION);
    const listed = (await api.get('/api/memories?page_size=10')).body;
    assert.equal(listed.total, 4);
    const staging = listed.memories.find((m: { content: string }) => m.content.startsWith('The staging database'));
    assert.deepEqual(staging.tags, ['ops', 'staging', 'database'], 'the update made by the old release is kept');

    // The keyword index covers the memories written before it existed (content and tags).
    const keyword = await api.post('/api/search', { query: 'ERR-4012', mode: 'keyword' });
    assert.match(keyword.body.results[0].memory.content, /ERR-4012/);
    assert.equal((await api.post('/api/search', { query: 'cafe', mode: 'keyword' })).body.results[0].memory.tags[0], 'office', 'diacritics are folded');
    const hybrid = await api.post('/api/search', { query: 'when is staging reset?' });
    assert.equal(hybrid.body.results[0].memory.content_hash, staging.content_hash);
    assert.equal((await api.post('/api/admin/integrity-check', { full: true })).body.ok, true, 'integrity_check and the keyword index check pass');

    // The change log starts with the upgrade: new writes get ids, and clients can resume by them.
    const reader = await SseReader.open(`${server.url}/api/events/stream?api_key=${KEY}`);
    try {
      await api.post('/api/memories', { content: 'written after the upgrade' });
      await reader.waitFor((r) => r.events.length === 1);
      assert.equal(reader.events[0]!.data.type, 'memory_stored');
    } finally {
      reader.close();
    }
    await server.stop();
    const after = databaseFacts(join(dir, 'memory.db'));
    assert.equal(after.integrity, 'ok');
    assert.equal(after.memories, 5);
    assert.equal(after.vectors, 5);
    for (const hash of before.hashes) assert.ok(after.hashes.has(hash));
  });
});
