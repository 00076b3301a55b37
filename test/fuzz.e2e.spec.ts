import fc from 'fast-check';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseFacts } from './helpers/database-facts.js';
import { ApiClient } from './helpers/http.js';
import { fuzzTargets, requestArbitrary, send } from './helpers/route-fuzzer.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/** Runs per route: small in CI; `npm run fuzz` sets FUZZ_RUNS for a long run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 15);
const KEY = 'fuzz-key';

describe(`property-based fuzzing of every OpenAPI route (${RUNS} runs each)`, () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: KEY, MCP_BACKUP_RETENTION: '3', MCP_AUTH_MAX_FAILURES: '1000000' } });
    const api = new ApiClient(server.url, KEY);
    for (let i = 0; i < 5; i++) await api.post('/api/memories', { content: `fuzz seed memory ${i}`, tags: ['seed'] });
  });

  after(async () => {
    await server.cleanup();
  });

  it('never answers 5xx, stays up and keeps the database consistent', async () => {
    const doc = (await new ApiClient(server.url).get('/api/docs-json')).body;
    const targets = fuzzTargets(doc);
    assert.ok(targets.length >= 25, `only ${targets.length} operations in the OpenAPI document`);
    const failures: string[] = [];
    for (const target of targets) {
      // Restores swap the whole database; fuzzing them would only measure the restore.
      await fc
        .assert(
          fc.asyncProperty(requestArbitrary(target, KEY), async (request) => {
            const status = await send(server.url, request);
            if (status >= 500) failures.push(`${status} ${request.method} ${request.path.slice(0, 200)} ${String(request.body ?? '').slice(0, 200)}`);
            return status < 500;
          }),
          { numRuns: RUNS, endOnFailure: true },
        )
        .catch((error: Error) => failures.push(`${target.method} ${target.template}: ${error.message.slice(0, 400)}`));
    }
    assert.deepEqual(failures, []);
    const health = await new ApiClient(server.url, KEY).get('/api/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'healthy');
    await server.stop();
    const facts = databaseFacts(server.dbPath);
    assert.equal(facts.integrity, 'ok');
    assert.equal(facts.memories, facts.vectors);
    assert.equal(facts.orphanTags, 0);
  });
});

describe(`search text is never query syntax (${RUNS * 20} random queries per mode, both backends' syntax characters)`, () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: KEY } });
    const api = new ApiClient(server.url, KEY);
    for (const content of ['The staging database is rebuilt on Mondays', 'NEAR the release "train" AND the branch', 'Café crème at 3pm: ask Zoë']) {
      await api.post('/api/memories', { content, tags: ['seed'] });
    }
  });

  after(async () => {
    await server.cleanup();
  });

  it('answers any text with 200 or a 400 naming the query, in keyword and hybrid mode', async () => {
    const api = new ApiClient(server.url, KEY);
    // Pieces of FTS5 and tsquery syntax mixed with words, emoji and arbitrary unicode.
    const syntax = fc.constantFrom(
      '"',
      "'",
      '*',
      '^',
      '-',
      '+',
      ':',
      '(',
      ')',
      '{',
      '}',
      'NEAR(',
      'NEAR',
      'AND',
      'OR',
      'NOT',
      '&',
      '|',
      '!',
      '<->',
      '\\',
      '\u0000',
      '🙂',
      '👩‍💻',
      'é',
      'ﬁ',
    );
    const words = fc.constantFrom('staging', 'release', 'train', 'café', 'zoë', 'database', '3pm', 'content', 'tags');
    const query = fc.oneof(
      fc.array(fc.oneof(syntax, words), { minLength: 1, maxLength: 12 }).map((parts) => parts.join(fc.sample(fc.constantFrom(' ', '', '  '), 1)[0])),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }),
    );
    for (const mode of ['keyword', 'hybrid']) {
      await fc.assert(
        fc.asyncProperty(query, async (text) => {
          const res = await api.post('/api/search', { query: text, mode, n_results: 5 });
          if (res.status === 400) return res.body.errors?.[0]?.field === 'query';
          return res.status === 200 && Array.isArray(res.body.results);
        }),
        { numRuns: RUNS * 20 },
      );
    }
  });
});
