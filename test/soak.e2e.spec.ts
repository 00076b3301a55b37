import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RSS_GROWTH_BOUND_MB, runSoak } from '../bench/soak.js';

describe('bounded soak (the CI-sized version of npm run soak)', () => {
  it('a few seconds of mixed load with SSE clients: zero errors, zero 5xx, zero lost writes', async () => {
    const result = await runSoak({ seconds: 4, connections: 10, sseClients: 10 });
    assert.equal(result.errors, 0);
    assert.equal(result.timeouts, 0);
    assert.equal(result.status5xx, 0);
    assert.equal(result.non2xx, 0);
    assert.ok(result.acknowledgedStores > 0, 'no store was acknowledged');
    assert.equal(result.lostStores, 0);
    assert.equal(result.sseClientsConnected, 10);
    assert.ok(result.rssAfterMb - result.rssBeforeMb < RSS_GROWTH_BOUND_MB, `RSS grew from ${result.rssBeforeMb} to ${result.rssAfterMb} MB`);
  });
});
