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
      await fc.assert(
        fc.asyncProperty(requestArbitrary(target, KEY), async (request) => {
          const status = await send(server.url, request);
          if (status >= 500) failures.push(`${status} ${request.method} ${request.path.slice(0, 200)} ${String(request.body ?? '').slice(0, 200)}`);
          return status < 500;
        }),
        { numRuns: RUNS, endOnFailure: true },
      ).catch((error: Error) => failures.push(`${target.method} ${target.template}: ${error.message.slice(0, 400)}`));
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
