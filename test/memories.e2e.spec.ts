import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { contentHash } from '../src/memories/content-hash.js';
import { TEST_BACKENDS } from './helpers/postgres.js';
import { ApiClient } from './helpers/http.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

for (const backend of TEST_BACKENDS)
  describe(`memories API on ${backend} (real server, real HTTP)`, () => {
    let server: TestServer;
    let api: ApiClient;

    before(async () => {
      server = await startTestServer({ backend, env: { MCP_API_KEY: 'test-key' } });
      api = new ApiClient(server.url, 'test-key');
    });

    after(async () => {
      await server.cleanup();
    });

    it('stores a memory and answers with its hash, normalized tags and timestamps', async () => {
      const before = Date.now() / 1000;
      const res = await api.post('/api/memories', {
        content: 'Team lunch moved to Thursday at noon',
        tags: [' Team', 'lunch', 'TEAM'],
        memory_type: 'note',
        metadata: { room: 'A1' },
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.success, true);
      assert.equal(res.body.message, 'Memory stored successfully');
      assert.equal(res.body.content_hash, contentHash('Team lunch moved to Thursday at noon'));
      const memory = res.body.memory;
      assert.equal(memory.content, 'Team lunch moved to Thursday at noon');
      assert.deepEqual(memory.tags, ['team', 'lunch']);
      assert.equal(memory.memory_type, 'note');
      assert.deepEqual(memory.metadata, { room: 'A1' });
      assert.ok(memory.created_at >= before && memory.created_at <= Date.now() / 1000);
      assert.match(memory.created_at_iso, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(new Date(memory.created_at_iso).getTime(), Math.round(memory.created_at * 1000));
      assert.equal(memory.updated_at, memory.created_at);
    });

    it('keeps a given created_at (epoch seconds or ISO 8601), finds it by time, and refuses one in the future', async () => {
      const iso = await api.post('/api/memories', { content: 'Kickoff meeting for the replay project', created_at: '2024-02-03T04:05:06Z' });
      assert.equal(iso.status, 200, JSON.stringify(iso.body));
      assert.equal(iso.body.memory.created_at, Date.parse('2024-02-03T04:05:06Z') / 1000);
      assert.equal(iso.body.memory.updated_at, iso.body.memory.created_at);
      const epoch = await api.post('/api/memories', { content: 'Second replayed memory from history', created_at: 1_600_000_000.25 });
      assert.equal(epoch.body.memory.created_at, 1_600_000_000.25);
      assert.equal(epoch.body.memory.created_at_iso, '2020-09-13T12:26:40.250Z');
      const inWindow = await api.get('/api/memories?after=2024-02-01&before=2024-02-05');
      assert.deepEqual(
        inWindow.body.memories.map((m: { content_hash: string }) => m.content_hash),
        [iso.body.content_hash],
      );
      for (const bad of [Date.now() / 1000 + 3600, Date.now(), 'next tuesday', -5, '2999-01-01T00:00:00Z', true]) {
        const res = await api.post('/api/memories', { content: `refused time ${String(bad)}`, created_at: bad });
        assert.equal(res.status, 400, `${String(bad)}: ${JSON.stringify(res.body)}`);
        assert.match(res.body.detail, /created_at/);
      }
      const listed = await api.get('/api/memories?page_size=100');
      assert.ok(!listed.body.memories.some((m: { content: string }) => m.content.startsWith('refused time')), 'nothing refused was stored');
    });

    it('answers an exact duplicate (same hash, any case or surrounding space) with success:false', async () => {
      const first = await api.post('/api/memories', { content: 'Duplicate me please' });
      assert.equal(first.body.success, true);
      const again = await api.post('/api/memories', { content: '  DUPLICATE me please \n', tags: ['x'] });
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, {
        success: false,
        message: 'Duplicate content detected',
        content_hash: first.body.content_hash,
        memory: null,
        similar: [],
      });
    });

    it('accepts null optional fields and the fields older clients send', async () => {
      const res = await api.post('/api/memories', {
        content: 'Sent by an older client',
        tags: null,
        memory_type: null,
        metadata: null,
        client_hostname: 'laptop-7',
        conversation_id: 'conv-42',
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.memory.tags, ['source:laptop-7']);
      assert.equal(res.body.memory.memory_type, null);
      assert.deepEqual(res.body.memory.metadata, { hostname: 'laptop-7', conversation_id: 'conv-42' });
    });

    it('tags a memory with agent:<id> from the X-Agent-ID header', async () => {
      const res = await api.post('/api/memories', { content: 'Agent scoped memory', tags: ['t'] }, { headers: { 'x-agent-id': 'Planner' } });
      assert.deepEqual(res.body.memory.tags, ['t', 'agent:planner']);
      const listed = await api.get('/api/memories?tag=agent:planner');
      assert.deepEqual(
        listed.body.memories.map((m: { content: string }) => m.content),
        ['Agent scoped memory'],
      );
    });

    it('gets one memory by hash (any case) and 404s an unknown one', async () => {
      const stored = await api.post('/api/memories', { content: 'Fetch me by hash' });
      const hash: string = stored.body.content_hash;
      const got = await api.get(`/api/memories/${hash.toUpperCase()}`);
      assert.equal(got.status, 200);
      assert.equal(got.body.content, 'Fetch me by hash');
      const missing = await api.get(`/api/memories/${'0'.repeat(64)}`);
      assert.equal(missing.status, 404);
      assert.match(missing.body.detail, /not found/i);
    });

    it('pages newest first with total and has_more, and filters by tag (any/all) and type', async () => {
      const hashes: string[] = [];
      for (let i = 0; i < 5; i++) {
        const tags = i % 2 === 0 ? ['page-test', 'even'] : ['page-test'];
        const res = await api.post('/api/memories', { content: `Paged memory number ${i}`, tags, memory_type: i < 2 ? 'early' : 'late' });
        hashes.push(res.body.content_hash);
      }
      const first = await api.get('/api/memories?tag=page-test&page=1&page_size=2');
      assert.equal(first.status, 200);
      assert.equal(first.body.total, 5);
      assert.equal(first.body.page, 1);
      assert.equal(first.body.page_size, 2);
      assert.equal(first.body.has_more, true);
      assert.deepEqual(
        first.body.memories.map((m: { content_hash: string }) => m.content_hash),
        [hashes[4], hashes[3]],
      );
      const last = await api.get('/api/memories?tag=page-test&page=3&page_size=2');
      assert.deepEqual(
        last.body.memories.map((m: { content_hash: string }) => m.content_hash),
        [hashes[0]],
      );
      assert.equal(last.body.has_more, false);
      const beyond = await api.get('/api/memories?tag=page-test&page=9&page_size=2');
      assert.deepEqual(beyond.body.memories, []);

      const all = await api.get('/api/memories?tag=page-test,even&tag_match=all');
      assert.equal(all.body.total, 3);
      const any = await api.get('/api/memories?tag=even,no-such-tag&tag_match=any');
      assert.equal(any.body.total, 3);
      const typed = await api.get('/api/memories?tag=page-test&memory_type=early');
      assert.equal(typed.body.total, 2);
      const defaults = await api.get('/api/memories');
      assert.equal(defaults.body.page, 1);
      assert.equal(defaults.body.page_size, 10);
    });

    it('updates tags, type and metadata but never content', async () => {
      const stored = await api.post('/api/memories', { content: 'Update my tags', tags: ['old'], metadata: { a: 1 } });
      const hash: string = stored.body.content_hash;
      const res = await api.put(`/api/memories/${hash}`, { tags: ['New', 'new'], memory_type: 'decision', metadata: { b: 2 } });
      assert.equal(res.status, 200);
      assert.equal(res.body.success, true);
      assert.equal(res.body.content_hash, hash);
      assert.deepEqual(res.body.memory.tags, ['new']);
      assert.equal(res.body.memory.memory_type, 'decision');
      assert.deepEqual(res.body.memory.metadata, { a: 1, b: 2 });
      assert.ok(res.body.memory.updated_at >= res.body.memory.created_at);
      const content = await api.put(`/api/memories/${hash}`, { content: 'changed' });
      assert.equal(content.status, 400);
      assert.equal(content.body.errors[0].field, 'content');
      assert.equal((await api.get(`/api/memories/${hash}`)).body.content, 'Update my tags');
      const missing = await api.put(`/api/memories/${'1'.repeat(64)}`, { tags: ['x'] });
      assert.equal(missing.status, 404);
      const empty = await api.put(`/api/memories/${hash}`, {});
      assert.deepEqual(
        [empty.status, empty.body.success, empty.body.message, empty.body.memory.content],
        [200, true, 'No updates provided', 'Update my tags'],
        "upstream's answer",
      );
      assert.equal((await api.put(`/api/memories/${'1'.repeat(64)}`, {})).status, 404);
    });

    it('keeps metadata exactly: keys named like Object.prototype members at any depth, key order, nested arrays', async () => {
      const raw =
        '{"content":"metadata round trip","metadata":{"zeta":1,"toString":"a","valueOf":2.5,"hasOwnProperty":true,"isPrototypeOf":null,' +
        '"constructor":"c","prototype":{"constructor":{"toString":[1,{"valueOf":"x"}]}},"alpha":"\\u00e9 caf\u00e9"}}';
      const stored = await api.request('/api/memories', { method: 'POST', rawBody: raw, headers: { 'content-type': 'application/json' } });
      assert.equal(stored.status, 200, JSON.stringify(stored.body));
      const expected = JSON.parse(raw).metadata;
      const got = await api.get(`/api/memories/${stored.body.content_hash}`);
      assert.equal(JSON.stringify(got.body.metadata), JSON.stringify(expected));
      const updated = await api.put(`/api/memories/${stored.body.content_hash}`, { metadata: { valueOf: { constructor: 'still here' } } });
      assert.equal(updated.status, 200);
      assert.deepEqual(updated.body.memory.metadata.valueOf, { constructor: 'still here' });
      assert.equal((await api.get(`/api/memories/${stored.body.content_hash}`)).body.metadata.toString, 'a');
    });

    it('refuses what JSON text cannot keep exactly instead of altering it', async () => {
      for (const raw of [
        '{"content":"lone \\ud800 surrogate"}',
        '{"content":"ok","tags":["\\udfff"]}',
        '{"content":"ok","metadata":{"k":"\\ud83d"}}',
        '{"content":"ok","metadata":{"\\ud800":1}}',
        '{"content":"ok","metadata":{"big":12345678901234567890}}',
        '{"content":"ok","metadata":{"inf":1e400}}',
      ]) {
        const res = await api.request('/api/memories', { method: 'POST', rawBody: raw, headers: { 'content-type': 'application/json' } });
        assert.equal(res.status, 400, raw);
        assert.ok(res.body.detail.length > 0);
      }
      const emoji = await api.post('/api/memories', { content: 'a whole surrogate pair is fine: \u{1F600}', tags: ['\u{1F680}'] });
      assert.equal(emoji.status, 200);
      assert.equal((await api.get(`/api/memories/${emoji.body.content_hash}`)).body.content, 'a whole surrogate pair is fine: \u{1F600}');
    });

    it('takes tag lists in a query string comma-separated or repeated; a tag itself holds no comma', async () => {
      const comma = await api.post('/api/memories', { content: 'a tag with a comma inside', tags: ['city:paris,france', 'geo'] });
      assert.equal(comma.status, 400);
      assert.match(comma.body.detail, /tags\[0\].*must not contain a comma/);
      const city = await api.post('/api/memories', { content: 'tagged with a city', tags: ['city:paris', 'geo'] });
      const plain = await api.post('/api/memories', { content: 'tagged plainly', tags: ['geo', 'weather'] });
      const repeated = await api.get('/api/memories?tag=weather&tag=city:paris&tag_match=any');
      assert.equal(repeated.status, 200);
      assert.deepEqual(
        new Set(repeated.body.memories.map((m: { content_hash: string }) => m.content_hash)),
        new Set([city.body.content_hash, plain.body.content_hash]),
      );
      const bracketed = await api.get(`/api/memories?tag[]=${encodeURIComponent('city:paris')}`);
      assert.equal(bracketed.body.total, 1);
      assert.equal((await api.get('/api/memories?tag=geo,weather&tag_match=all')).body.total, 1);
      const legacy = await api.get('/api/memories/search/tags?tags=weather&tags=city:paris');
      assert.equal(legacy.body.memories.length, 2);
      assert.equal((await api.get(`/api/memories?${Array.from({ length: 101 }, (_, i) => `tag=t${i}`).join('&')}`)).status, 400);
    });

    it("deletes a memory; then it is not found, and deleting it again answers success: false (upstream's 200)", async () => {
      const stored = await api.post('/api/memories', { content: 'Delete me soon', tags: ['doomed'] });
      const hash: string = stored.body.content_hash;
      const res = await api.delete(`/api/memories/${hash}`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { success: true, message: 'Memory deleted successfully', content_hash: hash });
      assert.equal((await api.get(`/api/memories/${hash}`)).status, 404);
      const again = await api.delete(`/api/memories/${hash}`);
      assert.deepEqual([again.status, again.body], [200, { success: false, message: 'Memory not found', content_hash: hash }]);
      const tags = await api.get('/api/tags');
      assert.ok(!tags.body.tags.some((t: { tag: string }) => t.tag === 'doomed'));
    });

    it('lists tags with counts, most used first', async () => {
      await api.post('/api/memories', { content: 'tag count one', tags: ['popular', 'rare'] });
      await api.post('/api/memories', { content: 'tag count two', tags: ['popular'] });
      await api.post('/api/memories', { content: 'tag count three', tags: ['popular'] });
      const res = await api.get('/api/tags');
      assert.equal(res.status, 200);
      const tags: { tag: string; count: number }[] = res.body.tags;
      assert.deepEqual(
        tags.find((t) => t.tag === 'popular'),
        { tag: 'popular', count: 3 },
      );
      assert.deepEqual(
        tags.find((t) => t.tag === 'rare'),
        { tag: 'rare', count: 1 },
      );
      for (let i = 1; i < tags.length; i++) assert.ok(tags[i - 1]!.count >= tags[i]!.count);
    });

    it("POST /api/sessions stores a conversation as upstream's does: [role] lines, type session, tag session:<id>", async () => {
      const res = await api.post('/api/sessions', {
        turns: [
          { role: 'user', content: 'How do I rotate the staging keys?' },
          { role: 'assistant', content: '' },
          { role: 'assistant', content: 'Run the rotate-keys job, then restart the API.' },
        ],
        session_id: 'sess-42',
        tags: ['Ops'],
        metadata: { source: 'chat' },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual([res.body.success, res.body.session_id, res.body.turn_count, res.body.content_hashes], [true, 'sess-42', 2, [res.body.content_hash]]);
      const memory = (await api.get(`/api/memories/${res.body.content_hash}`)).body;
      assert.equal(memory.content, '[user] How do I rotate the staging keys?\n[assistant] Run the rotate-keys job, then restart the API.');
      assert.deepEqual(
        [memory.memory_type, memory.tags, memory.metadata.session_id, memory.metadata.source],
        ['session', ['session:sess-42', 'ops'], 'sess-42', 'chat'],
      );
      // Each turn is a memory of its own too, found by what was said.
      assert.equal(res.body.turn_hashes.length, 2);
      const turns = await Promise.all(res.body.turn_hashes.map(async (hash: string) => (await api.get(`/api/memories/${hash}`)).body));
      assert.deepEqual(
        turns.map((t) => [t.content, t.memory_type, t.tags, t.metadata.session_id, t.metadata.turn, t.metadata.turns, t.metadata.source]),
        [
          ['[user] How do I rotate the staging keys?', 'session_turn', ['session:sess-42', 'ops'], 'sess-42', 1, 2, 'chat'],
          ['[assistant] Run the rotate-keys job, then restart the API.', 'session_turn', ['session:sess-42', 'ops'], 'sess-42', 2, 2, 'chat'],
        ],
      );
      const found = await api.post('/api/search', { query: 'what job rotates the keys?', n_results: 3, tags: ['session:sess-42'] });
      const hashes = found.body.results.map((r: { memory: { content_hash: string } }) => r.memory.content_hash);
      assert.ok(hashes.includes(res.body.turn_hashes[1]), JSON.stringify(found.body.results.map((r: { memory: { content: string } }) => r.memory.content)));
      // What was said is shown once: the session's memory, which holds that turn, is left out below it (the other turn stays).
      assert.deepEqual(hashes.sort(), [...res.body.turn_hashes].sort());
      const brief = await api.post('/api/sessions', {
        turns: [
          { role: 'user', content: 'Deploy the billing service on Friday' },
          { role: 'assistant', content: 'ok' },
        ],
      });
      assert.equal(brief.body.turn_hashes.length, 1, 'a turn under 20 characters stays in the session only');
      const generated = await api.post('/api/sessions', { turns: [{ role: 'user', content: 'A session without an id' }] });
      assert.match(generated.body.session_id, /^[0-9a-f-]{36}$/);
      const long = await api.post('/api/sessions', {
        turns: Array.from({ length: 12 }, (_, i) => ({ role: 'user', content: `${'x'.repeat(200)} turn ${i}` })),
      });
      assert.equal(long.body.content_hashes.length, 2, 'a long session is stored in chunks of whole turns');
      for (const body of [{ turns: [{ role: 'user', content: '  ' }] }, { turns: [] }, {}, { turns: [{ role: 'user' }] }]) {
        const refused = await api.post('/api/sessions', body);
        assert.equal(refused.status, 400, JSON.stringify(body));
        assert.equal(typeof refused.body.detail, 'string');
      }
    });

    it("serves upstream's /api/manage routes: bulk deletes with a count check, untagged memories, tag statistics and renames", async () => {
      const store = async (content: string, tags: string[], memoryType?: string): Promise<string> =>
        (await api.post('/api/memories', { content, tags, ...(memoryType ? { memory_type: memoryType } : {}) })).body.content_hash;
      await store('manage: first draft', ['mg-draft', 'mg-keep'], 'mg-note');
      await store('manage: second draft', ['mg-draft'], 'mg-idea');
      const untagged = await store('manage: no tags at all', []);
      await store('manage: typed only', ['mg-other'], 'mg-disposable');

      const stats = (await api.get('/api/manage/tags/stats')).body;
      const draft = stats.tags.find((t: { tag: string }) => t.tag === 'mg-draft');
      assert.deepEqual([draft.count, draft.memory_types], [2, ['mg-idea', 'mg-note']]);
      assert.ok(draft.last_used > Date.now() / 1000 - 600 && stats.total_tags === stats.tags.length);

      const mismatch = await api.post('/api/manage/bulk-delete', { tag: 'mg-draft', confirm_count: 5 });
      assert.deepEqual([mismatch.status, mismatch.body.detail], [400, 'Invalid request: confirm_count: Confirmation count mismatch. Expected 2, got 5']);
      assert.equal((await api.post('/api/manage/bulk-delete', {})).status, 400);
      assert.equal((await api.post('/api/manage/bulk-delete', { before_date: '01/02/2026' })).status, 400);
      const byType = await api.post('/api/manage/bulk-delete', { memory_type: 'mg-disposable' });
      assert.deepEqual([byType.status, byType.body.success, byType.body.affected_count], [200, true, 1]);

      const renamed = await api.put('/api/manage/tags/mg-draft?new_tag=mg-keep&confirm_count=2', undefined);
      assert.deepEqual([renamed.status, renamed.body.affected_count], [200, 2], JSON.stringify(renamed.body));
      const kept = await api.get('/api/memories?tag=mg-keep&page_size=10');
      assert.deepEqual(kept.body.memories.map((m: { tags: string[] }) => m.tags).sort(), [['mg-keep'], ['mg-keep']], 'merged into the existing tag, once');
      assert.equal((await api.get('/api/memories?tag=mg-draft')).body.total, 0);

      const count = (await api.get('/api/manage/untagged/count')).body.count as number;
      assert.ok(count >= 1);
      assert.equal((await api.post('/api/manage/delete-untagged', undefined)).status, 400, 'confirm_count is required');
      assert.equal((await api.post(`/api/manage/delete-untagged?confirm_count=${count + 1}`, undefined)).status, 400);
      const cleared = await api.post(`/api/manage/delete-untagged?confirm_count=${count}`, undefined);
      assert.deepEqual([cleared.status, cleared.body.affected_count], [200, count]);
      assert.deepEqual((await api.delete(`/api/memories/${untagged}`)).body.success, false, 'it was deleted');
      assert.equal((await api.get('/api/manage/untagged/count')).body.count, 0);

      const tagged = await api.post('/api/manage/bulk-delete', { tag: 'mg-keep', confirm_count: 2 });
      assert.deepEqual([tagged.body.success, tagged.body.affected_count, tagged.body.operation], [true, 2, "Delete memories with tag 'mg-keep'"]);
      const none = await api.post('/api/manage/cleanup-duplicates', undefined);
      assert.deepEqual([none.status, none.body.affected_count], [200, 0]);
      assert.equal((await api.post('/api/manage/system/cleanup_duplicates', undefined)).status, 200);
      assert.equal((await api.post('/api/manage/system/optimize_db', undefined)).status, 501);
      assert.equal((await api.post('/api/manage/system/drop_everything', undefined)).status, 400);
    });

    it("serves the older clients' tag search at /api/memories/search/tags", async () => {
      await api.post('/api/memories', { content: 'legacy tag one', tags: ['legacy-a'] });
      await api.post('/api/memories', { content: 'legacy tag both', tags: ['legacy-a', 'legacy-b'] });
      const any = await api.get('/api/memories/search/tags?tags=legacy-a,legacy-b');
      assert.equal(any.status, 200);
      assert.deepEqual(any.body.memories.map((m: { content: string }) => m.content).sort(), ['legacy tag both', 'legacy tag one']);
      const all = await api.get('/api/memories/search/tags?tags=legacy-a,legacy-b&match_all=true');
      assert.deepEqual(
        all.body.memories.map((m: { content: string }) => m.content),
        ['legacy tag both'],
      );
    });
  });
