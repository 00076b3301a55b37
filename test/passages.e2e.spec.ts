import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as sqliteVec from 'sqlite-vec';
import { TEST_BACKENDS } from './helpers/postgres.js';
import { ApiClient } from './helpers/http.js';
import { callTool, textOf } from './helpers/mcp-client.js';
import { SseReader } from './helpers/sse-reader.js';
import { makeTempDir, startTestServer, type TestServer } from './helpers/test-server.js';
import { waitUntil } from './helpers/wait.js';

const KEY = 'passages-key';

/** A travel diary of about 20 KB: sentences on places, food and weather, none about the office. */
function diary(sentences: number): string[] {
  const places = [
    'the old harbour',
    'a pine forest',
    'the cathedral square',
    'a fishing village',
    'the salt marshes',
    'a vineyard on the hill',
    'the covered market',
  ];
  const foods = ['grilled sardines', 'a bowl of lentil soup', 'fresh figs', 'almond cake', 'roasted chestnuts', 'a plate of olives'];
  const weather = ['a cold wind from the sea', 'warm sunshine', 'light rain all afternoon', 'thick morning fog', 'a clear starry night'];
  return Array.from(
    { length: sentences },
    (_, i) => `On day ${i + 1} of the trip we walked through ${places[i % 7]} and ate ${foods[i % 6]} under ${weather[i % 5]}.`,
  );
}

const FACT = 'The office wifi password is rotated every Monday by the IT desk.';
const QUESTION = 'when does the wireless network passphrase change?';

/** About 20 KB with the fact placed past character 15,000. */
function longMemory(): { content: string; factAt: number } {
  const sentences = diary(230);
  const before = sentences.slice(0, 172).join(' ');
  const content = `${before} ${FACT} ${sentences.slice(172).join(' ')}`;
  return { content, factAt: content.indexOf(FACT) };
}

const NOTES = [
  'The network team ordered new switches for the lab',
  'Bob is allergic to peanuts, so avoid them when ordering team lunch',
  'The API rate limit is 100 requests per minute per key',
  'Invoices from suppliers are paid within forty-five days',
  'The production database is backed up every night at 2am',
];

for (const backend of TEST_BACKENDS)
  describe(`passages of long memories on ${backend} (real model, real HTTP, MCP)`, () => {
    let server: TestServer;
    let api: ApiClient;
    let hash: string;
    const { content, factAt } = longMemory();

    before(async () => {
      server = await startTestServer({ backend, env: { MCP_API_KEY: KEY } });
      api = new ApiClient(server.url, KEY);
      for (const note of NOTES) assert.equal((await api.post('/api/memories', { content: note })).status, 200);
      const stored = await api.post('/api/memories', { content, tags: ['diary'] });
      assert.equal(stored.status, 200, JSON.stringify(stored.body));
      hash = stored.body.content_hash;
    });

    after(async () => {
      await server.cleanup();
    });

    it('finds a fact at character 15,000 of a 20 KB memory by a question asked by meaning, naming the sentence, in every mode that reads meaning', async () => {
      assert.ok(content.length >= 20_000 && factAt >= 15_000, `${content.length} chars, fact at ${factAt}`);
      for (const mode of ['semantic', 'hybrid']) {
        const res = await api.post('/api/search', { query: QUESTION, n_results: 3, mode });
        assert.equal(res.status, 200);
        const first = res.body.results[0];
        assert.equal(
          first.memory.content_hash,
          hash,
          `${mode}: ${JSON.stringify(res.body.results.map((r: { memory: { content: string } }) => r.memory.content.slice(0, 60)))}`,
        );
        assert.equal(first.matched_passage, FACT);
        assert.match(first.relevance_reason, /semantic 0\.\d\d \(passage\)/);
        assert.equal(first.memory.content, content, 'the whole memory is returned');
        assert.ok(
          res.body.results.slice(1).every((r: { matched_passage?: string }) => r.matched_passage === undefined),
          'short notes name no passage',
        );
      }
      const get = await api.get(`/api/search?q=${encodeURIComponent(QUESTION)}&n_results=1`);
      assert.equal(get.body.results[0].matched_passage, FACT);
    });

    it('leaves short notes where they were: a question about one still finds it first beside the long memory', async () => {
      for (const [question, note] of [
        ['who has a nut allergy?', NOTES[1]],
        ['how many calls can a client make to the API each minute', NOTES[2]],
        ['How long do vendors wait for their money?', NOTES[3]],
      ] as const) {
        const res = await api.post('/api/search', { query: question, n_results: 3 });
        assert.equal(res.body.results[0].memory.content, note, question);
      }
    });

    it('MCP memory_search names the matched passage (text and structured result)', async () => {
      const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${KEY}` } } });
      const client = new Client({ name: 'passages-tests', version: '1.0.0' });
      await client.connect(transport);
      try {
        const result = await callTool(client, 'memory_search', { query: QUESTION, limit: 1 });
        assert.match(textOf(result), new RegExp(`Matched passage: ${FACT.replace(/\./g, '\\.')}`));
        const structured = result.structuredContent as { results: { memory: { content_hash: string }; matched_passage?: string }[] };
        assert.equal(structured.results[0]!.memory.content_hash, hash);
        assert.equal(structured.results[0]!.matched_passage, FACT);
      } finally {
        await client.close();
      }
    });

    it('deleting the memory deletes its passages: the question no longer finds it', async () => {
      assert.equal((await api.delete(`/api/memories/${hash}`)).status, 200);
      const res = await api.post('/api/search', { query: QUESTION, n_results: 5, mode: 'semantic' });
      assert.ok(res.body.results.every((r: { memory: { content_hash: string } }) => r.memory.content_hash !== hash));
    });
  });

describe('long memories stored before passages existed (SQLite file from an earlier release)', () => {
  let server: TestServer | null = null;

  after(async () => {
    await server?.cleanup();
  });

  it('get their passages after a restart, in the background, without an event to clients', async () => {
    const dir = makeTempDir('passages-backfill-');
    const first = await startTestServer({ dir, env: { MCP_API_KEY: KEY } });
    const { content } = longMemory();
    const hash = (await new ApiClient(first.url, KEY).post('/api/memories', { content })).body.content_hash as string;
    await first.stop();
    // What an earlier release left: the memory with its one vector, no passages.
    const db = new Database(join(dir, 'memory.db'));
    sqliteVec.load(db);
    const passages = db.prepare('SELECT id FROM memory_passages').pluck().all() as number[];
    assert.ok(passages.length > 200, `${passages.length} passages`);
    for (const id of passages) db.prepare('DELETE FROM memory_embeddings WHERE rowid = ?').run(BigInt(2 ** 40 + id));
    db.exec('DELETE FROM memory_passages');
    db.close();

    server = await startTestServer({ dir, env: { MCP_API_KEY: KEY } });
    const api = new ApiClient(server.url, KEY);
    const reader = await SseReader.open(`${server.url}/api/events/stream?api_key=${KEY}`);
    try {
      await waitUntil(
        async () => (await api.post('/api/search', { query: QUESTION, n_results: 1, mode: 'semantic' })).body.results[0]?.matched_passage === FACT,
        { timeoutMs: 180_000, what: 'the older memory searched by its passages' },
      );
      const found = await api.post('/api/search', { query: QUESTION, n_results: 1 });
      assert.equal(found.body.results[0].memory.content_hash, hash);
      await api.post('/api/memories', { content: 'a note after the backfill' });
      await reader.waitFor((r) => r.events.length >= 1);
      assert.deepEqual(
        reader.events.map((e) => e.data.type),
        ['memory_stored'],
        'adding passages is not a change clients hear of',
      );
    } finally {
      reader.close();
    }
  });
});
