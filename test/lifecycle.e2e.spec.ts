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
      server = await startTestServer({ backend, env: { MCP_API_KEY: KEY, MCP_EXPIRY_PURGE_SECONDS: '1', MCP_ACCESS_FLUSH_SECONDS: '1' } });
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

    it('consolidation: recommendations group near-duplicates; a merge supersedes its sources (history kept); conflicts list two versions of one fact and resolve keeps one', async () => {
      const store = async (content: string, extra: Record<string, unknown> = {}): Promise<string> => {
        const stored = await api.post('/api/memories', { content, space: 'consol', ...extra });
        assert.equal(stored.status, 200, JSON.stringify(stored.body));
        return stored.body.content_hash as string;
      };
      const vpn = [
        await store('The VPN gateway restarts every night at 2am', { tags: ['vpn'], memory_type: 'ops-note' }),
        await store('The VPN gateway restarts every night at 2am.', { tags: ['network'] }),
        await store('The VPN gateway restarts each night at 2am'),
      ];
      const monday = await store('The office wifi password is rotated every Monday');
      const friday = await store('The office wifi password is rotated every Friday');
      const thursday = await store('The release train leaves every second Thursday');
      const tuesday = await store('The release train leaves every second Tuesday');
      await store('Staging database is rebuilt nightly from production snapshots');
      // The same text in another space (the same hash), and another memory there.
      const twin = (await api.post('/api/memories', { content: 'The VPN gateway restarts every night at 2am', space: 'consol-b' })).body.content_hash;
      const other = (await api.post('/api/memories', { content: 'Printer toner is ordered monthly', space: 'consol-b' })).body.content_hash;
      assert.equal(twin, vpn[0]);
      const hashesOf = (memories: { content_hash: string }[]): string[] => memories.map((m) => m.content_hash).sort();

      const recommended = await api.get('/api/consolidation/recommendations?space=consol');
      assert.equal(recommended.status, 200, JSON.stringify(recommended.body));
      assert.deepEqual([recommended.body.recommendation, recommended.body.memory_count, recommended.body.examined_all], ['consolidation_beneficial', 8, true]);
      const groups = recommended.body.clusters.map((c: { memories: { content_hash: string }[] }) => hashesOf(c.memories));
      assert.deepEqual(groups[0], [...vpn].sort(), 'the largest group first: the three VPN notes');
      assert.deepEqual(new Set(groups.slice(1).map((g: string[]) => g.join())), new Set([[monday, friday].sort().join(), [thursday, tuesday].sort().join()]));
      assert.equal((await api.get('/api/consolidation/recommendations/weekly?space=consol')).body.clusters.length, 3, "upstream's path form");
      assert.equal((await api.get('/api/consolidation/recommendations/hourly')).status, 400);
      assert.equal((await api.get('/api/consolidation/recommendations?space=consol&limit=0')).status, 400);

      const conflicts = await api.get('/api/conflicts?space=consol');
      assert.equal(conflicts.status, 200);
      assert.deepEqual(
        conflicts.body.conflicts
          .map((c: { memory_a: { content_hash: string }; memory_b: { content_hash: string }; only_in_a: string[]; only_in_b: string[] }) => [
            c.memory_a.content_hash,
            c.memory_b.content_hash,
            c.only_in_a,
            c.only_in_b,
          ])
          .sort(),
        [
          [friday, monday, ['friday'], ['monday']],
          [tuesday, thursday, ['tuesday'], ['thursday']],
        ].sort(),
        'the newer first, with the words that differ; the VPN notes say the same and are no conflict',
      );

      // Merging: refused unless two or more current memories of one space, and a new text.
      const mergeOf = (body: Record<string, unknown>) => api.post('/api/consolidation/merge', { space: 'consol', merged_content: 'Merged text', ...body });
      assert.equal((await mergeOf({ content_hashes: [vpn[0]] })).status, 400);
      assert.equal((await mergeOf({ content_hashes: [vpn[0], 'f'.repeat(64)] })).status, 404);
      const crossSpace = await mergeOf({ content_hashes: [vpn[0], other] });
      assert.equal(crossSpace.status, 400);
      assert.match(crossSpace.body.detail, /is in the space "consol-b".*one space/);
      const sameText = await mergeOf({ content_hashes: [monday, friday], merged_content: 'The office wifi password is rotated every Monday' });
      assert.deepEqual([sameText.status, sameText.body.errors?.[0]?.field], [400, 'merged_content']);
      const merged = await mergeOf({ content_hashes: vpn, merged_content: 'The VPN gateway restarts nightly at 2am UTC', reason: 'three notes of one fact' });
      assert.equal(merged.status, 200, JSON.stringify(merged.body));
      const mergedHash = merged.body.content_hash as string;
      assert.deepEqual(merged.body.merged_hashes, vpn);
      assert.deepEqual(
        [merged.body.memory.tags, merged.body.memory.memory_type, merged.body.memory.metadata.merged_from, merged.body.memory.metadata.evolution_reason],
        [['network', 'vpn'], 'ops-note', vpn, 'three notes of one fact'],
      );
      const listed = hashesOf((await api.get('/api/memories?space=consol&page_size=50')).body.memories);
      assert.ok(listed.includes(mergedHash) && !vpn.some((hash) => listed.includes(hash)), 'the sources are hidden, the merged memory shows');
      assert.equal((await api.get(`/api/memories/${twin}?space=consol-b`)).body.superseded_by, null, 'the same text in another space is untouched');
      const history = await api.get(`/api/memories/${vpn[1]}/history`);
      assert.deepEqual(
        history.body.versions.map((v: { content_hash: string; superseded_by: string | null }) => [v.content_hash, v.superseded_by]),
        [...vpn.map((hash) => [hash, mergedHash]), [mergedHash, null]],
      );
      assert.equal((await api.get(`/api/memories/${mergedHash}/history`)).body.versions.length, 4);
      const again = await mergeOf({ content_hashes: [vpn[0], monday], merged_content: 'Another merge' });
      assert.deepEqual([again.status, /already superseded by/.test(again.body.detail)], [409, true]);

      // Resolving: the loser is superseded by the winner, which stays as it was.
      const resolved = await api.post('/api/conflicts/resolve', { winner_hash: tuesday, loser_hash: thursday });
      assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
      assert.deepEqual([resolved.body.winner_hash, resolved.body.loser.superseded_by], [tuesday, tuesday]);
      const winner = await api.get(`/api/memories/${tuesday}`);
      assert.deepEqual([winner.body.superseded_by, winner.body.content], [null, 'The release train leaves every second Tuesday']);
      assert.deepEqual(
        (await api.get(`/api/memories/${tuesday}/history`)).body.versions.map((v: { content_hash: string }) => v.content_hash),
        [thursday, tuesday],
      );
      assert.equal((await api.post('/api/conflicts/resolve', { winner_hash: tuesday, loser_hash: thursday })).status, 409);
      assert.equal((await api.post('/api/conflicts/resolve', { winner_hash: tuesday, loser_hash: tuesday })).status, 400);
      assert.equal((await api.post('/api/conflicts/resolve', { winner_hash: tuesday, loser_hash: 'nope' })).status, 400);
      const left = await api.get('/api/conflicts?space=consol');
      assert.deepEqual(
        left.body.conflicts.map((c: { memory_a: { content_hash: string } }) => c.memory_a.content_hash),
        [friday],
      );
      assert.equal((await api.get('/api/consolidation/recommendations?space=consol')).body.clusters.length, 1);
    });

    it('MCP: memory_consolidate recommends and merges, memory_conflicts and memory_resolve keep one version; the automatic actions say they are not offered', async () => {
      const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${KEY}` } } });
      const client = new Client({ name: 'lifecycle-tests', version: '1.0.0' });
      await client.connect(transport);
      try {
        const store = async (content: string): Promise<string> =>
          ((await callTool(client, 'memory_store', { content, store: 'consol-mcp' })).structuredContent as { content_hash: string }).content_hash;
        const a = await store('The coffee machine is descaled every Wednesday');
        const b = await store('The coffee machine is descaled every Saturday');
        const recommended = await callTool(client, 'memory_consolidate', { action: 'recommend', time_horizon: 'daily', store: 'consol-mcp' });
        assert.equal(recommended.isError, undefined, textOf(recommended));
        assert.match(textOf(recommended), /Recommendation: CONSOLIDATION_BENEFICIAL/);
        assert.match(textOf(recommended), new RegExp(a));
        const conflicts = await callTool(client, 'memory_conflicts', { store: 'consol-mcp' });
        assert.match(textOf(conflicts), /1 conflict\(s\)/);
        assert.match(textOf(conflicts), /only in the newer: saturday; only in the older: wednesday/);
        const resolved = await callTool(client, 'memory_resolve', { winner_hash: b, loser_hash: a, store: 'consol-mcp' });
        assert.equal(resolved.isError, undefined, textOf(resolved));
        const c = await store('The coffee machine is descaled on Saturdays');
        const merged = await callTool(client, 'memory_consolidate', {
          action: 'merge',
          content_hashes: [b, c],
          merged_content: 'The coffee machine is descaled every Saturday morning',
          store: 'consol-mcp',
        });
        assert.equal(merged.isError, undefined, textOf(merged));
        const answer = merged.structuredContent as { ok: boolean; content_hash: string; merged_hashes: string[] };
        assert.deepEqual([answer.ok, answer.merged_hashes], [true, [b, c]]);
        const history = await callTool(client, 'memory_history', { content_hash: answer.content_hash });
        assert.match(textOf(history), /4 version\(s\)/);
        const refused = await callTool(client, 'memory_consolidate', { action: 'merge', content_hashes: [answer.content_hash] });
        assert.equal(refused.isError, true);
        for (const action of ['run', 'pause']) {
          const result = await callTool(client, 'memory_consolidate', { action, time_horizon: 'weekly' });
          assert.equal(result.isError, true);
          assert.match(textOf(result), /does not offer/);
        }
        assert.match(textOf(await callTool(client, 'consolidation_recommendations', { time_horizon: 'weekly' })), /Recommendation:/, 'the v10 name');
        const ranked = await callTool(client, 'memory_search', {
          query: 'coffee machine descaled',
          mode: 'ranked',
          ranking_weights: { semantic: 1, time_decay: 0.5, access_frequency: 0.5, quality: 0.3 },
          store: 'consol-mcp',
        });
        assert.equal(ranked.isError, undefined, textOf(ranked));
        assert.equal((ranked.structuredContent as { mode: string }).mode, 'ranked');
      } finally {
        await client.close();
      }
    });

    it('ranked search weighs meaning, recency and use (reads counted in batches); stale_days counts from the last use', async () => {
      const old = await api.post('/api/memories', {
        content: 'The staging database is rebuilt every Monday night',
        space: 'ranked',
        created_at: Date.now() / 1000 - 200 * 86_400,
      });
      const recent = await api.post('/api/memories', { content: 'The staging database gets rebuilt each Monday evening', space: 'ranked' });
      const [oldHash, recentHash] = [old.body.content_hash as string, recent.body.content_hash as string];
      const ranked = async (weights: Record<string, number>): Promise<string[]> => {
        const res = await api.post('/api/search', { query: 'when is the staging database rebuilt', mode: 'ranked', space: 'ranked', ranking_weights: weights });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.search_type, 'ranked');
        return res.body.results.map((r: { memory: { content_hash: string } }) => r.memory.content_hash);
      };
      assert.deepEqual(await ranked({ semantic: 0, time_decay: 1 }), [recentHash, oldHash], 'recency alone: the new one first');
      const stale = async (): Promise<string[]> =>
        (await api.get('/api/memories?space=ranked&stale_days=30')).body.memories.map((m: { content_hash: string }) => m.content_hash);
      assert.deepEqual(await stale(), [oldHash], 'returned by searches, but created long ago and counted as used only once written');
      for (let i = 0; i < 3; i++) assert.equal((await api.get(`/api/memories/${oldHash}`)).status, 200);
      // Reads are counted in memory and written every MCP_ACCESS_FLUSH_SECONDS.
      await waitUntil(async () => (await stale()).length === 0, { what: 'the reads to be counted', timeoutMs: 30_000 });
      assert.deepEqual(await ranked({ semantic: 0, access_frequency: 1 }), [oldHash, recentHash], 'use alone: the one read most first');
      const explained = await api.post('/api/search', { query: 'staging database rebuilt', mode: 'ranked', space: 'ranked' });
      assert.match(explained.body.results[0].relevance_reason, /^ranked: meaning \d\.\d\d, recency \d\.\d\d, use \d\.\d\d$/);
      assert.equal(
        (await api.post('/api/search', { query: 'x', mode: 'ranked', ranking_weights: { semantic: 0, time_decay: 0, access_frequency: 0 } })).status,
        400,
      );
      assert.equal((await api.post('/api/search', { query: 'x', mode: 'ranked', ranking_weights: { semantic: -1 } })).status, 400);
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
