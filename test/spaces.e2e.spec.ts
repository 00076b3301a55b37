import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { keyDigest, writeKeysFile } from '../src/auth/keys-file.js';
import { callTool, textOf } from './helpers/mcp-client.js';
import { ApiClient } from './helpers/http.js';
import { createTestDatabase, POSTGRES_SKIP_REASON, TEST_BACKENDS, TEST_POSTGRES_URL } from './helpers/postgres.js';
import { SseReader } from './helpers/sse-reader.js';
import { makeTempDir, startTestServer, type TestServer } from './helpers/test-server.js';
import { waitUntil } from './helpers/wait.js';

if (TEST_POSTGRES_URL === null) console.log(`# spaces on PostgreSQL skipped: ${POSTGRES_SKIP_REASON}`);

const KEYS = {
  alice: 'alice-key-0123456789abcdef',
  bob: 'bob-key-0123456789abcdefgh',
  ops: 'ops-key-0123456789abcdefgh',
};
/** Alice's memory, in her space; Bob stores the same text in his (and learns nothing by it). */
const SECRET = 'The payroll export password is kumquat-cascade-42';
/** Words only Alice's own spaces hold, and the names of those spaces: none may reach Bob by any route. */
const ALICE_ONLY = ['scratch', 'reminder', 'alice-notes', '~alice'];

async function mcpClient(url: string, key: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } });
  const client = new Client({ name: 'spaces-tests', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Nothing of Alice's own spaces in what Bob received: not their words, not their names, not a memory of a space Bob may not read. */
function assertNothingOfAlice(body: unknown, where: string): void {
  const text = JSON.stringify(body).toLowerCase();
  for (const needle of ALICE_ONLY) assert.ok(!text.includes(needle), `${where} reveals "${needle}": ${text.slice(0, 300)}`);
  for (const [, space] of text.matchAll(/"space":"([^"]*)"/g)) assert.ok(['bob-notes', 'team', '~bob'].includes(space!), `${where} shows a memory of ${space}`);
}

for (const backend of TEST_BACKENDS) {
  describe(`spaces: a key bound to spaces sees nothing of others (${backend})`, () => {
    const dir = makeTempDir();
    const keysFile = join(dir, 'keys.yaml');
    /** Two servers on one database: on PostgreSQL two replicas (events cross through the shared change feed); on SQLite the same server twice. */
    let servers: TestServer[] = [];
    let alice: ApiClient;
    let bob: ApiClient;
    let bobOnReplica: ApiClient;
    let ops: ApiClient;
    let secretHash: string;
    let database: { url: string; drop: () => Promise<void> } | null = null;

    before(async () => {
      writeKeysFile(keysFile, [
        {
          label: 'alice',
          sha256: keyDigest(KEYS.alice),
          scopes: ['read', 'write'],
          expires: null,
          created: null,
          spaces: { write: ['alice-notes', 'team'], read: ['docs'] },
        },
        {
          label: 'bob',
          sha256: keyDigest(KEYS.bob),
          scopes: ['read', 'write'],
          expires: null,
          created: null,
          spaces: { write: ['bob-notes', 'team'], read: [] },
        },
        { label: 'ops', sha256: keyDigest(KEYS.ops), scopes: ['read', 'write', 'admin'], expires: null, created: null },
      ]);
      const env = { MCP_API_KEYS_FILE: keysFile, MCP_AUTH_MAX_FAILURES: '100000' };
      if (backend === 'postgres') {
        database = await createTestDatabase();
        const shared = { ...env, MCP_MEMORY_STORAGE_BACKEND: 'postgres', MCP_POSTGRES_URL: database.url };
        servers = [await startTestServer({ env: shared }), await startTestServer({ env: shared })];
      } else servers = [await startTestServer({ env })];
      const first = servers[0]!;
      const replica = servers.at(-1)!;
      alice = new ApiClient(first.url, KEYS.alice);
      bob = new ApiClient(first.url, KEYS.bob);
      bobOnReplica = new ApiClient(replica.url, KEYS.bob);
      ops = new ApiClient(first.url, KEYS.ops);
    });
    after(async () => {
      for (const server of servers.reverse()) await server.cleanup();
      await database?.drop();
    });

    it("a write goes to the key's default space; the same text in another space is a memory of its own, not a duplicate", async () => {
      const mine = await alice.post('/api/memories', { content: SECRET, tags: ['payroll-secrets'] });
      assert.equal(mine.status, 200);
      assert.deepEqual([mine.body.success, mine.body.memory.space], [true, 'alice-notes']);
      secretHash = mine.body.content_hash;
      // Bob storing the very same text learns nothing: a new memory, in his space.
      const his = await bob.post('/api/memories', { content: SECRET });
      assert.deepEqual([his.body.success, his.body.memory.space, his.body.content_hash], [true, 'bob-notes', secretHash]);
      assert.equal((await bob.delete(`/api/memories/${secretHash}`)).status, 200);
      // A personal space (~label) and a shared one work without being the default.
      assert.equal((await alice.post('/api/memories', { content: 'Alice private scratch note', space: '~alice' })).body.memory.space, '~alice');
      const shared = await alice.post('/api/memories', { content: 'The team offsite is in Lisbon in May' }, { headers: { 'x-memory-space': 'team' } });
      assert.equal(shared.body.memory.space, 'team');
    });

    it('by hash, list, tags, search in every mode and similar: Bob gets nothing of Alice, and asking for her space is refused the same as a space that does not exist', async () => {
      const byHash = await bob.get(`/api/memories/${secretHash}`);
      const unknown = await bob.get(`/api/memories/${'e'.repeat(64)}`);
      assert.deepEqual([byHash.status, unknown.status], [404, 404]);
      assert.equal(byHash.body.detail, `Memory not found: ${secretHash}`, 'the same answer as any unknown hash');
      for (const space of ['alice-notes', 'no-such-space']) {
        const refused = await bob.get(`/api/memories?space=${space}`);
        assert.equal(refused.status, 403);
        assert.equal(refused.body.detail, `The key "bob" may not read the space "${space}"`);
      }
      const deleteTheirs = await bob.delete(`/api/memories/${secretHash}`);
      assert.deepEqual(
        [deleteTheirs.status, deleteTheirs.body],
        [200, { success: false, message: 'Memory not found', content_hash: secretHash }],
        'as any unknown hash',
      );
      assert.equal((await bob.put(`/api/memories/${secretHash}`, { tags: ['mine-now'] })).status, 404);

      const reads = [
        await bob.get('/api/memories?page_size=100'),
        await bob.get('/api/memories?tag=payroll-secrets'),
        await bob.get('/api/tags'),
        await bob.get('/api/memories/search/tags?tags=payroll-secrets'),
        await bob.post('/api/search/by-tag', { tags: ['payroll-secrets'] }),
        await bob.post('/api/search/by-time', { query: 'today' }),
        await bob.get('/api/search?q=payroll%20password'),
        await bob.get('/api/stats/overview'),
        await bob.get('/api/health/detailed'),
        await bob.get('/api/health'),
      ];
      for (const mode of ['hybrid', 'semantic', 'keyword', 'exact'])
        reads.push(await bob.post('/api/search', { query: 'payroll export password', mode, n_results: 50 }));
      for (const read of reads) {
        assert.equal(read.status, 200);
        assert.ok(!JSON.stringify(read.body).includes(secretHash), 'no route shows the hash of a memory Bob has not (any more)');
        assertNothingOfAlice(read.body, 'a read');
      }
      // Counts are Bob's: the team memory only (his own copy was deleted).
      assert.equal(reads[0]!.body.total, 1);
      assert.equal((await bob.get('/api/health/detailed')).body.storage.total_memories, 1);
      const similar = await bob.get(`/api/search/similar/${secretHash}`);
      assert.equal(similar.status, 404, 'similar to a memory Bob cannot read is not found');

      // The same routes for Alice and for a key without spaces do show it.
      assert.equal((await alice.get(`/api/memories/${secretHash}`)).body.space, 'alice-notes');
      assert.equal((await ops.get(`/api/memories/${secretHash}?space=alice-notes`)).body.space, 'alice-notes');
      const everything = await ops.get('/api/memories?page_size=100');
      assert.deepEqual(new Set(everything.body.memories.map((m: { space: string }) => m.space)), new Set(['alice-notes', '~alice', 'team']));
    });

    it('writes are bounded too: no write into a space the key may only read or not at all, and conflicting names are a 400', async () => {
      const intoDocs = await alice.post('/api/memories', { content: 'Alice writes into docs', space: 'docs' });
      assert.deepEqual([intoDocs.status, intoDocs.body.detail], [403, 'The key "alice" may not write the space "docs"']);
      assert.equal((await bob.post('/api/memories', { content: 'Bob writes into Alice', store: 'alice-notes' })).status, 403);
      assert.equal((await bob.post('/api/memories/bulk-delete', { tags: ['payroll-secrets'], space: 'alice-notes' })).status, 403);
      const bulk = await bob.post('/api/memories/bulk-delete', { tags: ['payroll-secrets'] });
      assert.deepEqual([bulk.status, bulk.body.count], [200, 0]);
      const conflicting = await alice.post('/api/memories', { content: 'Which space?', space: 'team', store: 'alice-notes' });
      assert.equal(conflicting.status, 400);
      assert.equal((await alice.post('/api/memories', { content: 'Everywhere', space: 'all' })).status, 400);
      assert.equal((await alice.get(`/api/memories/${secretHash}`)).status, 200, 'still there');
    });

    it("consolidation: Bob's recommendations and conflicts show nothing of Alice's near-duplicates, and he cannot merge or resolve them", async () => {
      const one = await alice.post('/api/memories', { content: 'Alice reminder: the locker code is 4411', space: 'alice-notes' });
      const two = await alice.post('/api/memories', { content: 'Alice reminder: the locker code is 4412', space: 'alice-notes' });
      const [a, b] = [one.body.content_hash as string, two.body.content_hash as string];
      assert.equal((await alice.get('/api/conflicts')).body.total, 1, 'Alice sees her conflict');
      for (const client of [bob, bobOnReplica]) {
        for (const path of ['/api/consolidation/recommendations', '/api/consolidation/recommendations/daily', '/api/conflicts']) {
          const read = await client.get(path);
          assert.equal(read.status, 200);
          assert.ok(![a, b].some((hash) => JSON.stringify(read.body).includes(hash)), path);
          assertNothingOfAlice(read.body, path);
        }
        assert.equal((await client.get('/api/conflicts?space=alice-notes')).status, 403);
      }
      const merge = await bob.post('/api/consolidation/merge', { content_hashes: [a, b], merged_content: 'Bob merges' });
      const resolve = await bob.post('/api/conflicts/resolve', { winner_hash: a, loser_hash: b });
      assert.deepEqual([merge.status, merge.body.detail, resolve.status, resolve.body.detail], [404, `Memory not found: ${a}`, 404, `Memory not found: ${a}`]);
      // With one of his own: the other stays unknown to him, not "in another space".
      const his = (await bob.post('/api/memories', { content: 'Bob locker code is 9000' })).body.content_hash as string;
      const mixed = await bob.post('/api/consolidation/merge', { content_hashes: [his, a], merged_content: 'Bob merges' });
      assert.deepEqual([mixed.status, mixed.body.detail], [404, `Memory not found: ${a}`]);
      const client = await mcpClient(servers.at(-1)!.url, KEYS.bob);
      try {
        for (const [tool, args] of [
          ['memory_conflicts', {}],
          ['memory_consolidate', { action: 'recommend' }],
          ['memory_resolve', { winner_hash: a, loser_hash: b }],
        ] as const) {
          const result = await callTool(client, tool, args);
          assertNothingOfAlice(result, tool);
          assert.ok(!textOf(result).includes(b), tool);
        }
      } finally {
        await client.close();
      }
      assert.equal((await alice.get(`/api/memories/${b}`)).body.superseded_by, null, 'untouched');
      assert.equal((await bob.delete(`/api/memories/${his}`)).status, 200);
    });

    it("search_completed (asked for with searches=true) reaches the searching key's streams only", async () => {
      const bobs = await SseReader.open(`${servers[0]!.url}/api/events?searches=true`, { authorization: `Bearer ${KEYS.bob}` });
      const alices = await SseReader.open(`${servers[0]!.url}/api/events?searches=true`, { authorization: `Bearer ${KEYS.alice}` });
      try {
        await alice.post('/api/search', { query: 'alice asks about the scratch reminder', mode: 'keyword' });
        await bob.post('/api/search', { query: 'bob asks about lunch', mode: 'keyword' });
        await alices.waitFor((r) => r.messages.some((m) => m.data.type === 'search_completed'));
        await bobs.waitFor((r) => r.messages.some((m) => m.data.type === 'search_completed'));
        assert.deepEqual(
          bobs.messages.filter((m) => m.data.type === 'search_completed').map((m) => m.data.query),
          ['bob asks about lunch'],
        );
        assertNothingOfAlice(bobs.messages, "Bob's stream");
        assert.deepEqual(
          alices.messages.filter((m) => m.data.type === 'search_completed').map((m) => m.data.query),
          ['alice asks about the scratch reminder'],
        );
      } finally {
        bobs.close();
        alices.close();
      }
    });

    it('attribution: agent_id (argument or X-Agent-ID) is stored and filterable; stored_by and updated_by come from the key, never the client', async () => {
      const byAgent = await alice.post(
        '/api/memories',
        { content: 'Deploy freeze starts Friday noon', space: 'team', metadata: { stored_by: 'mallory', updated_by: 'mallory' } },
        { headers: { 'x-agent-id': 'Claude-Code' } },
      );
      assert.equal(byAgent.status, 200);
      const memory = byAgent.body.memory;
      assert.deepEqual([memory.metadata.agent_id, memory.metadata.stored_by, memory.metadata.updated_by], ['claude-code', 'alice', undefined]);
      assert.ok(memory.tags.includes('agent:claude-code'));
      await alice.post('/api/memories', { content: 'Old client memory tagged by agent', space: 'team', tags: ['agent:legacy-bot'] });
      await alice.post('/api/memories', { content: 'Deploy checklist lives in the wiki', space: 'team', agent_id: 'cursor' });

      const changed = await bob.put(`/api/memories/${memory.content_hash}`, { metadata: { note: 'seen', updated_by: 'mallory' }, space: 'team' });
      assert.equal(changed.status, 200);
      assert.deepEqual([changed.body.memory.metadata.updated_by, changed.body.memory.metadata.stored_by], ['bob', 'alice']);

      const listed = await bob.get('/api/memories?agent_id=claude-code');
      assert.deepEqual(
        listed.body.memories.map((m: { content: string }) => m.content),
        ['Deploy freeze starts Friday noon'],
      );
      assert.equal((await bob.get('/api/memories?agent_id=legacy-bot')).body.total, 1, 'the tag form of upstream clients matches too');
      const searched = await bob.post('/api/search', { query: 'deploy', agent_id: 'cursor', mode: 'keyword' });
      assert.deepEqual(
        searched.body.results.map((r: { memory: { content: string } }) => r.memory.content),
        ['Deploy checklist lives in the wiki'],
      );
      const client = await mcpClient(servers[0]!.url, KEYS.alice);
      try {
        const stored = await callTool(client, 'memory_store', { content: 'Standup notes by the MCP agent', agent_id: 'windsurf', store: 'team' });
        assert.equal(stored.isError, undefined);
        const found = await callTool(client, 'memory_search', { query: 'standup notes', agent_id: 'windsurf', store: 'team' });
        const results = (found.structuredContent as { results: { memory: { metadata: Record<string, unknown> } }[] }).results;
        assert.deepEqual(
          results.map((r) => [r.memory.metadata.agent_id, r.memory.metadata.stored_by]),
          [['windsurf', 'alice']],
        );
        const none = await callTool(client, 'memory_list', { agent_id: 'nobody-here' });
        assert.equal((none.structuredContent as { total: number }).total, 0);
      } finally {
        await client.close();
      }
      assert.equal((await bob.post('/api/memories', { content: 'x', agent_id: 'bad agent id' })).status, 400);
    });

    it("events: Bob's stream (on another replica) carries his spaces' changes only, live and on replay", async () => {
      const stream = await SseReader.open(`${servers.at(-1)!.url}/api/events`, { authorization: `Bearer ${KEYS.bob}` });
      try {
        await stream.waitFor((r) => r.messages.some((m) => m.data.type === 'connection_established'));
        const alicesOwn = await alice.post('/api/memories', { content: 'Payroll runs on the 25th, kumquat reminder' });
        const teamNote = await alice.post('/api/memories', { content: 'Team retro moved to Thursday', space: 'team' });
        await stream.waitFor((r) => r.events.some((m) => m.data.content_hash === teamNote.body.content_hash), 30_000);
        await alice.delete(`/api/memories/${alicesOwn.body.content_hash}`);
        const marker = await bobOnReplica.post('/api/memories', { content: 'Bob marker after the delete' });
        await stream.waitFor((r) => r.events.some((m) => m.data.content_hash === marker.body.content_hash), 30_000);
        assertNothingOfAlice(
          stream.messages.map((m) => m.data),
          'the live stream',
        );
        assert.ok(!stream.messages.some((m) => m.data.content_hash === alicesOwn.body.content_hash || m.data.content_hash === secretHash));
      } finally {
        stream.close();
      }
      const replay = await SseReader.open(`${servers.at(-1)!.url}/api/events`, { authorization: `Bearer ${KEYS.bob}`, 'last-event-id': '0' });
      try {
        // The replay ends with Bob's marker, the newest change he may see.
        await replay.waitFor((r) => r.events.some((m) => m.data.content_preview === 'Bob marker after the delete'), 30_000);
        assert.ok(
          replay.events.some((m) => m.data.space === 'team'),
          'the team changes are replayed',
        );
        assertNothingOfAlice(
          replay.messages.map((m) => m.data),
          'the replay',
        );
      } finally {
        replay.close();
      }
    });

    it('MCP: store: "all" searches only what the key may read; a store into a foreign space is a tool error; notifications are filtered', async () => {
      const client = await mcpClient(servers.at(-1)!.url, KEYS.bob);
      try {
        const found = await callTool(client, 'memory_search', { query: 'payroll export password', store: 'all', limit: 50 });
        assert.equal(found.isError, undefined);
        assertNothingOfAlice(found.structuredContent, 'memory_search');
        const listed = await callTool(client, 'memory_list', { page_size: 100 });
        assertNothingOfAlice(listed.structuredContent, 'memory_list');
        const refused = await callTool(client, 'memory_store', { content: 'Bob into Alice over MCP', store: 'alice-notes' });
        assert.equal(refused.isError, true);
        assert.match(textOf(refused), /may not write the space "alice-notes"/);
        const inTeam = await callTool(client, 'memory_store', { content: 'Bob into team over MCP', store: 'team' });
        assert.equal(inTeam.isError, undefined);
        assert.equal((await alice.get(`/api/memories/${(inTeam.structuredContent as { content_hash: string }).content_hash}?space=team`)).status, 200);
        const gone = await callTool(client, 'memory_delete', { content_hash: secretHash });
        assert.equal(gone.isError, true, 'deleting a memory Bob cannot read fails as not found');
        assert.equal((await alice.get(`/api/memories/${secretHash}`)).status, 200);
      } finally {
        await client.close();
      }
    });

    it("GET /api/spaces lists what the key may read (counts, writable, default); the keys list shows each key's spaces", async () => {
      const bobs = await bob.get('/api/spaces');
      assert.equal(bobs.status, 200);
      assert.deepEqual(
        bobs.body.spaces.map((s: { space: string; writable: boolean; default: boolean }) => [s.space, s.writable, s.default]),
        [
          ['bob-notes', true, true],
          ['team', true, false],
          ['~bob', true, false],
        ],
      );
      assertNothingOfAlice(bobs.body, 'GET /api/spaces');
      const alices = (await alice.get('/api/spaces')).body.spaces as { space: string; writable: boolean; count: number }[];
      assert.deepEqual(
        alices.find((s) => s.space === 'docs'),
        { space: 'docs', count: 0, writable: false, default: false },
      );
      const all = (await ops.get('/api/spaces')).body.spaces.map((s: { space: string }) => s.space);
      assert.ok(['alice-notes', 'team', '~alice', 'default'].every((space) => all.includes(space)));
      const keys = (await ops.get('/api/admin/keys')).body.keys as { label: string; spaces: unknown }[];
      assert.deepEqual(keys.find((k) => k.label === 'bob')!.spaces, {
        write: ['bob-notes', 'team', '~bob'],
        read: ['bob-notes', 'team', '~bob'],
        default_space: 'bob-notes',
      });
      assert.equal(keys.find((k) => k.label === 'ops')!.spaces, null);
    });

    it('an admin copies, moves and deletes whole spaces; a subscriber of each side sees its side; a delete takes a backup first (SQLite)', async () => {
      for (const content of ['Archive one: the 2019 roadmap', 'Archive two: the 2020 roadmap', 'Team retro moved to Thursday']) {
        await ops.post('/api/memories', { content, space: 'archive' });
      }
      const stream = await SseReader.open(`${servers.at(-1)!.url}/api/events`, { authorization: `Bearer ${KEYS.bob}` });
      try {
        await stream.waitFor((r) => r.messages.some((m) => m.data.type === 'connection_established'));
        const copied = await ops.post('/api/admin/spaces/transfer', { from: 'archive', to: 'team', copy: true });
        assert.equal(copied.status, 200);
        assert.deepEqual(copied.body, { moved: 2, skipped: 1, copy: true }, 'the retro note is in team already');
        await stream.waitFor(
          (r) => r.events.filter((m) => m.event === 'memory_stored' && String(m.data.content_preview).startsWith('Archive')).length === 2,
          30_000,
        );
        assert.equal((await ops.get('/api/memories?space=archive')).body.total, 3, 'a copy leaves the source');
        const moved = await ops.post('/api/admin/spaces/transfer', { from: 'team', to: 'archive-2' });
        assert.equal(moved.body.skipped, 0);
        assert.equal((await ops.get('/api/memories?space=team')).body.total, 0);
        assert.equal((await ops.get('/api/memories?space=archive-2')).body.total, moved.body.moved);
        // Bob reads team, not archive-2: he is told each memory left team, and nothing of where it went.
        await stream.waitFor((r) => r.events.filter((m) => m.event === 'memory_deleted' && m.data.space === 'team').length >= moved.body.moved, 30_000);
        assert.ok(!stream.events.some((m) => m.data.space === 'archive-2' || m.data.space === 'archive'));
      } finally {
        stream.close();
      }
      // Search still finds moved memories in their new space (their vectors came along).
      const found = await ops.post('/api/search', { query: 'the 2019 roadmap', space: 'archive-2', mode: 'semantic', n_results: 1 });
      assert.equal(found.body.results[0].memory.space, 'archive-2');
      assert.equal((await bob.post('/api/admin/spaces/transfer', { from: 'bob-notes', to: 'team' })).status, 403, 'the admin scope is needed');
      const removed = await ops.delete('/api/admin/spaces/archive');
      assert.equal(removed.status, 200);
      assert.equal(removed.body.deleted, 3);
      if (backend === 'sqlite_vec') assert.match(removed.body.backup_id, /^backup-/);
      else assert.equal(removed.body.backup_id, null);
      assert.equal((await ops.get('/api/memories?space=archive')).body.total, 0);
    });

    it('an admin key without spaces exports one space; the migration put earlier memories in "default"', async () => {
      const exported = await fetch(`${servers[0]!.url}/api/admin/export?space=archive-2`, { headers: { authorization: `Bearer ${KEYS.ops}` } });
      assert.equal(exported.status, 200);
      const lines = (await exported.text())
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { space: string });
      assert.ok(lines.length >= 2);
      assert.ok(lines.every((line) => line.space === 'archive-2'));
      const stored = await ops.post('/api/memories', { content: 'Stored by a key without spaces' });
      assert.equal(stored.body.memory.space, 'default');
      await waitUntil(async () => (await ops.get('/api/memories?space=default')).body.total === 1, { what: 'the default space to list it' });
    });
  });
}
