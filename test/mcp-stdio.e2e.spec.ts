import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { databaseFacts } from './helpers/database-facts.js';
import { callTool, connectStdio, textOf } from './helpers/mcp-client.js';
import { CURRENT_TOOLS } from './helpers/mcp-tools.js';
import { makeTempDir } from './helpers/test-server.js';

const HASH = /hash: ([0-9a-f]{64})\)/;

function hashOf(text: string): string {
  const match = HASH.exec(text);
  assert.ok(match, `no hash in "${text}"`);
  return match[1]!;
}

describe('mcp-memory mcp (stdio server on a local file, official SDK client)', () => {
  let dir: string;
  let client: Client;

  before(async () => {
    dir = makeTempDir('mcp-stdio-');
    client = await connectStdio('mcp', { MCP_MEMORY_SQLITE_PATH: join(dir, 'memory.db') });
  });

  after(async () => {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists upstream's current memory_* tools (not the deprecated names) with described input schemas", async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), CURRENT_TOOLS);
    const store = tools.find((t) => t.name === 'memory_store')!;
    assert.ok(store.description && store.description.length > 20);
    assert.deepEqual(store.inputSchema.required, ['content']);
    const search = tools.find((t) => t.name === 'memory_search')!.inputSchema.properties as Record<string, { enum?: string[] }>;
    assert.deepEqual(search.mode!.enum, ['semantic', 'exact', 'hybrid', 'keyword', 'ranked']);
    for (const field of ['query', 'time_expr', 'after', 'before', 'tags', 'tag_match', 'limit', 'max_response_chars', 'fallback', 'ranking_weights'])
      assert.ok(search[field], field);
    assert.equal(tools.find((t) => t.name === 'memory_search')!.annotations?.readOnlyHint, true);
  });

  it("memory_store takes upstream's shapes: tags and type in metadata, as a list or one comma string", async () => {
    const stored = await callTool(client, 'memory_store', {
      content: 'Redis runs with maxmemory 2gb and the allkeys-lru policy',
      metadata: { tags: 'redis,config', type: 'note', owner: 'ops' },
    });
    assert.equal(stored.isError, undefined, textOf(stored));
    assert.match(textOf(stored), /^Memory stored successfully \(hash: [0-9a-f]{64}\)$/);
    const memory = (stored.structuredContent as { memory: { tags: string[]; memory_type: string; metadata: Record<string, unknown> } }).memory;
    assert.deepEqual(memory.tags, ['redis', 'config']);
    assert.equal(memory.memory_type, 'note');
    assert.deepEqual(memory.metadata, { owner: 'ops' }, 'tags and type are taken out of the stored metadata');
    const jsonTags = await callTool(client, 'memory_store', { content: 'Tags as a JSON array in a string', metadata: { tags: '["a", "b"]' } });
    assert.deepEqual((jsonTags.structuredContent as { memory: { tags: string[] } }).memory.tags, ['a', 'b']);
    const topLevel = await callTool(client, 'memory_store', { content: 'Top-level tags and type work too', tags: ['x'], memory_type: 'decision' });
    assert.deepEqual((topLevel.structuredContent as { memory: { tags: string[]; memory_type: string } }).memory, {
      ...(topLevel.structuredContent as { memory: object }).memory,
      tags: ['x'],
      memory_type: 'decision',
    });
    const duplicate = await callTool(client, 'memory_store', { content: 'REDIS runs with maxmemory 2gb and the allkeys-lru policy' });
    assert.match(textOf(duplicate), /Duplicate content detected \(exact match\).*hash: [0-9a-f]{64}/);
    const bad = await callTool(client, 'memory_store', { content: 'x', metadata: { tags: 42 } });
    assert.equal(bad.isError, true);
    assert.match(textOf(bad), /^Error: metadata\.tags/);
    const twoDaysAgo = new Date(Math.floor(Date.now() / 1000 - 2 * 86_400) * 1000).toISOString();
    const replayed = await callTool(client, 'memory_store', { content: 'A memory replayed from two days ago', created_at: twoDaysAgo });
    assert.equal((replayed.structuredContent as { memory: { created_at: number } }).memory.created_at, Date.parse(twoDaysAgo) / 1000);
    const future = await callTool(client, 'memory_store', { content: 'A memory from the future', created_at: Date.now() / 1000 + 86_400 });
    assert.equal(future.isError, true);
    assert.match(textOf(future), /created_at lies in the future/);
  });

  it('memory_search: modes, limit or n_results, tags any/all (tag_match, operation, match_all), time_expr and after/before, upstream layout', async () => {
    const vpn = hashOf(
      textOf(
        await callTool(client, 'memory_store', {
          content: 'The VPN certificate for the Berlin office expires on 30 June',
          metadata: { tags: ['it', 'berlin'] },
        }),
      ),
    );
    await callTool(client, 'memory_store', { content: 'Lunch menu on Friday is pasta', metadata: { tags: 'food' } });
    const found = await callTool(client, 'memory_search', { query: 'when does the Berlin VPN cert run out?', limit: 2 });
    assert.match(textOf(found), /^Found 2 memories \(mode: hybrid\) for query: 'when does the Berlin VPN cert run out\?'\n\n1\. The VPN certificate/);
    assert.match(textOf(found), new RegExp(`\\n   Hash: ${vpn}\\n   Created: \\d{4}-\\d\\d-\\d\\dT[^\\n]+ \\[it, berlin\\]`));
    const semantic = await callTool(client, 'memory_search', { query: 'Berlin VPN certificate', mode: 'semantic', n_results: 1 });
    assert.match(textOf(semantic), /^Found 1 memories \(mode: semantic\)/);
    const exact = await callTool(client, 'memory_search', { query: 'menu on FRIDAY', mode: 'exact' });
    assert.match(textOf(exact), /^Found 1 memories \(mode: exact\).*\n\n1\. Lunch menu/s);
    for (const allTags of [{ tag_match: 'all' }, { operation: 'AND' }, { match_all: true }]) {
      const tagged = await callTool(client, 'memory_search', { tags: ['it', 'berlin'], ...allTags });
      assert.match(textOf(tagged), /^Found 1 memories/, JSON.stringify(allTags));
    }
    assert.match(textOf(await callTool(client, 'memory_search', { tags: 'it,food', operation: 'OR' })), /^Found 2 memories/);
    const today = await callTool(client, 'memory_search', { time_expr: 'today', query: 'pasta' });
    assert.match(textOf(today), /1\. Lunch menu on Friday is pasta/);
    assert.match(textOf(await callTool(client, 'memory_search', { time_expr: 'yesterday' })), /^No memories found$/);
    assert.match(
      textOf(await callTool(client, 'memory_search', { after: '2000-01-01', before: '2001-01-01', query: 'pasta' })),
      /^No memories found for query: 'pasta'$/,
    );
    const truncated = await callTool(client, 'memory_search', { tags: ['it', 'food', 'redis'], max_response_chars: 10 });
    assert.match(textOf(truncated), /^\[!\] RESPONSE TRUNCATED: Showing 1 of \d+ results/);
    assert.match(textOf(truncated), /=== Memory 1 ===\nTimestamp: .+\nContent: .+\nHash: [0-9a-f]{64}\nTags: .*\n---/);
    const debug = await callTool(client, 'memory_search', { query: 'pasta', include_debug: true });
    assert.match(textOf(debug), /\n\nDebug Info:\n/);
    // "food" is not in any text, but it is a tag: the tag fallback finds it.
    const fallback = await callTool(client, 'memory_search', { query: 'food', fallback: true, mode: 'exact' });
    assert.match(textOf(fallback), /\[fallback: exact\+tag\].*Lunch menu.*\(via tag_fallback\)/s);
  });

  it('memory_search refuses what it cannot honour, with a tool error that says so', async () => {
    for (const [args, pattern] of [
      [{}, /At least one filter required/],
      [{ query: 'x', quality_boost: 0.5 }, /quality_boost is not supported/],
      [{ query: 'x', entity: 'Berlin' }, /knowledge graph/],
      [{ query: 'x', summarize: true }, /language model/],
      [{ query: 'x', include_beliefs: true }, /beliefs/],
      [{ time_expr: 'the day pigs fly' }, /time expression/],
      [{ query: 'x', after: 'last tuesday' }, /not a date/],
      [{ query: 'x', mode: 'fuzzy' }, /Invalid arguments for memory_search: mode/],
    ] as const) {
      const result = await callTool(client, 'memory_search', args);
      assert.equal(result.isError, true, JSON.stringify(args));
      assert.match(textOf(result), pattern);
      assert.match(textOf(result), /^Error/);
    }
  });

  it("memory_list answers upstream's JSON: page, page_size, total, total_pages, has_more; tags, tag_match, memory_type", async () => {
    const listed = await callTool(client, 'memory_list', { page: 1, page_size: 2 });
    const body = JSON.parse(textOf(listed)) as { memories: unknown[]; page: number; page_size: number; total: number; total_pages: number; has_more: boolean };
    assert.equal(body.page, 1);
    assert.equal(body.page_size, 2);
    assert.equal(body.memories.length, 2);
    assert.equal(body.total_pages, Math.ceil(body.total / 2));
    assert.equal(body.has_more, true);
    const typed = JSON.parse(textOf(await callTool(client, 'memory_list', { memory_type: 'note', tags: ['redis'], tag_match: 'all' })));
    assert.equal(typed.total, 1);
    assert.equal(JSON.parse(textOf(await callTool(client, 'memory_list', { stale_days: 30 }))).total, 0, 'nothing is older than 30 days');
  });

  it('memory_update replaces tags, merges metadata (other keys too), keeps timestamps, and versions content', async () => {
    const hash = hashOf(textOf(await callTool(client, 'memory_store', { content: 'The deploy freeze starts on Monday', metadata: { tags: 'release' } })));
    const before = JSON.parse(textOf(await callTool(client, 'memory_list', { tags: 'release' }))).memories[0];
    const meta = await callTool(client, 'memory_update', {
      content_hash: hash,
      updates: { metadata: { ticket: 'REL-9' }, reviewer: 'amara', content_hash: 'ignored' },
    });
    assert.equal(textOf(meta), 'Successfully updated memory metadata. Updated fields: metadata');
    const kept = (meta.structuredContent as { memory: { metadata: Record<string, unknown>; updated_at: number } }).memory;
    assert.deepEqual(kept.metadata, { ticket: 'REL-9', reviewer: 'amara' });
    assert.equal(kept.updated_at, before.updated_at, 'preserve_timestamps (default true) keeps updated_at for metadata');
    const tagged = await callTool(client, 'memory_update', { content_hash: hash, updates: { tags: 'release,frozen', memory_type: 'decision' } });
    assert.equal(textOf(tagged), 'Successfully updated memory metadata. Updated fields: tags, memory_type, updated_at');
    const missing = await callTool(client, 'memory_update', { content_hash: 'f'.repeat(64), updates: { tags: ['x'] } });
    assert.equal(textOf(missing), `Failed to update memory metadata: Memory with hash ${'f'.repeat(64)} not found`);
    const versioned = await callTool(client, 'memory_update', {
      content_hash: hash,
      versioned: true,
      updates: { content: 'The deploy freeze starts on Tuesday', reason: 'moved' },
    });
    assert.match(textOf(versioned), new RegExp(`^Versioned update successful\\. New hash: [0-9a-f]{64}, parent hash: ${hash}\\.`));
    const current = JSON.parse(textOf(await callTool(client, 'memory_list', { tags: 'frozen' }))).memories as { content_hash: string }[];
    assert.ok(!current.some((m) => m.content_hash === hash), 'the old version is hidden from lists');
    const all = JSON.parse(textOf(await callTool(client, 'memory_list', { tags: 'frozen', include_superseded: true }))).memories as {
      content_hash: string;
      superseded_by: string | null;
      metadata: Record<string, unknown>;
    }[];
    const old = all.find((m) => m.content_hash === hash)!;
    const next = all.find((m) => m.content_hash === old.superseded_by)!;
    assert.match(old.superseded_by!, /^[0-9a-f]{64}$/);
    assert.equal(next.metadata.evolution_reason, 'moved');
  });

  it('memory_store_session stores turns as one memory tagged session:<id>, and each turn as a memory (unless set off)', async () => {
    const turns = [
      { role: 'user', content: 'Where do we keep the on-call rota?' },
      { role: 'assistant', content: 'In the ops wiki, page On-call.' },
      { role: 'user', content: '' },
    ];
    const result = await callTool(client, 'memory_store_session', { session_id: 'S-42', turns, tags: 'ops' });
    assert.match(textOf(result), /^Session stored successfully \(session_id: S-42, hash: [0-9a-f]{64}, turns: 2\)$/);
    assert.equal((result.structuredContent as { turn_hashes: string[] }).turn_hashes.length, 2);
    const listed = JSON.parse(textOf(await callTool(client, 'memory_list', { tags: 'session:s-42' }))).memories as {
      content: string;
      memory_type: string;
      tags: string[];
    }[];
    assert.deepEqual(listed.map((m) => [m.memory_type, m.content, m.tags]).sort(), [
      ['session', '[user] Where do we keep the on-call rota?\n[assistant] In the ops wiki, page On-call.', ['session:s-42', 'ops']],
      ['session_turn', '[assistant] In the ops wiki, page On-call.', ['session:s-42', 'ops']],
      ['session_turn', '[user] Where do we keep the on-call rota?', ['session:s-42', 'ops']],
    ]);
    assert.equal((await callTool(client, 'memory_store_session', { turns: [] })).isError, true);

    // Set off: the session's memory only, as upstream stores it.
    const sessionOnly = await connectStdio('mcp', { MCP_MEMORY_SQLITE_PATH: join(dir, 'memory.db'), MCP_SESSION_TURN_MEMORIES: 'false' });
    try {
      const stored = await callTool(sessionOnly, 'memory_store_session', {
        session_id: 'S-43',
        turns: turns.map((turn) => ({ ...turn, content: turn.content.replace('on-call rota', 'release calendar') })),
      });
      assert.deepEqual((stored.structuredContent as { turn_hashes: string[] }).turn_hashes, []);
      assert.equal(JSON.parse(textOf(await callTool(sessionOnly, 'memory_list', { tags: 'session:s-43' }))).memories.length, 1);
    } finally {
      await sessionOnly.close();
    }
  });

  it("memory_delete by hash, by tags (any/all), by date window, with dry_run; upstream's messages", async () => {
    const a = hashOf(textOf(await callTool(client, 'memory_store', { content: 'temporary note one', metadata: { tags: 'tmp,one' } })));
    hashOf(textOf(await callTool(client, 'memory_store', { content: 'temporary note two', metadata: { tags: 'tmp' } })));
    const dry = await callTool(client, 'memory_delete', { tags: ['tmp'], dry_run: true });
    assert.match(textOf(dry), /^Would delete 2 memories\n\nWould delete 2 memories\nHashes: [0-9a-f]{64}, [0-9a-f]{64}$/);
    const all = await callTool(client, 'memory_delete', { tags: ['tmp', 'one'], tag_match: 'all' });
    assert.equal(textOf(all), 'Successfully deleted 1 memories matching 2 tag(s)\n\nDeleted 1 memories');
    assert.deepEqual((all.structuredContent as { content_hashes: string[] }).content_hashes, [a]);
    const byDate = await callTool(client, 'memory_delete', { tags: 'tmp', before: '2000-01-01' });
    assert.match(textOf(byDate), /Deleted 0 memories$/);
    const none = await callTool(client, 'memory_delete', {});
    assert.equal(textOf(none), 'Error: At least one filter required (content_hash, tags, before, or after)');
    const rest = JSON.parse(textOf(await callTool(client, 'memory_list', { tags: 'tmp' }))).memories;
    const one = await callTool(client, 'memory_delete', { content_hash: rest[0].content_hash });
    assert.equal(textOf(one), `Successfully deleted memory ${rest[0].content_hash}\n\nDeleted 1 memories`);
    const again = await callTool(client, 'memory_delete', { content_hash: rest[0].content_hash });
    assert.equal(again.isError, true);
    assert.match(textOf(again), /not found/i);
  });

  it("memory_health, memory_stats and memory_cleanup answer in upstream's layouts", async () => {
    const health = await callTool(client, 'memory_health');
    assert.match(textOf(health), /^Database Health Check Results:\n\{/);
    const report = JSON.parse(textOf(health).slice('Database Health Check Results:\n'.length));
    assert.equal(report.validation.status, 'healthy');
    assert.equal(report.statistics.backend, 'sqlite-vec');
    assert.equal(typeof report.statistics.total_memories, 'number');
    assert.equal(report.statistics.embedding_model, 'use-lite');
    const stats = JSON.parse(textOf(await callTool(client, 'memory_stats')));
    assert.ok(stats.total_calls > 0, 'searches above used the query cache');
    assert.equal(typeof stats.service_cache.hit_rate, 'number');
    assert.equal(textOf(await callTool(client, 'memory_cleanup')), 'No duplicate memories found');
  });

  it("accepts upstream's deprecated names with their arguments, translated", async () => {
    const stored = await callTool(client, 'store_memory', {
      content: 'Old clients still store: the printer is on floor 2',
      tags: ['office'],
      memory_type: 'note',
    });
    const hash = hashOf(textOf(stored));
    assert.deepEqual((stored.structuredContent as { memory: { tags: string[] } }).memory.tags, ['office']);
    const retrieved = await callTool(client, 'retrieve_memory', { query: 'where is the printer?', n_results: 1 });
    assert.match(textOf(retrieved), /^Found 1 memories .*\n\n1\. Old clients still store/s);
    const byTag = JSON.parse(textOf(await callTool(client, 'search_by_tag', { tags: ['office', 'nothing'] })));
    assert.deepEqual(
      byTag.memories.map((m: { content_hash: string }) => m.content_hash),
      [hash],
    );
    assert.equal(JSON.parse(textOf(await callTool(client, 'search_by_tag', { tags: ['office', 'nothing'], operation: 'AND' }))).total, 0);
    assert.match(textOf(await callTool(client, 'recall_memory', { query: 'today', semantic_query: 'printer' })), /1\. Old clients still store/);
    assert.match(textOf(await callTool(client, 'exact_match_retrieve', { content: 'printer is on floor' })), /mode: exact/);
    assert.match(textOf(await callTool(client, 'debug_retrieve', { query: 'printer' })), /Debug Info:/);
    assert.equal(JSON.parse(textOf(await callTool(client, 'list_memories', { tag: 'office' }))).total, 1, "list_memories' tag is honoured");
    assert.match(textOf(await callTool(client, 'check_database_health')), /^Database Health Check Results:/);
    assert.match(
      textOf(await callTool(client, 'update_memory_metadata', { content_hash: hash, updates: { floor: 2 } })),
      /^Successfully updated memory metadata/,
    );
    const quality = await callTool(client, 'retrieve_with_quality_boost', { query: 'printer' });
    assert.equal(quality.isError, true);
    assert.match(textOf(quality), /quality_boost is not supported/);
    assert.match(textOf(await callTool(client, 'delete_by_tag', { tag: 'office' })), /Deleted 1 memories$/);
    for (const name of ['memory_graph', 'consolidate_memories', 'ingest_document', 'rate_memory']) {
      const result = await callTool(client, name, {});
      assert.equal(result.isError, true, name);
      assert.match(textOf(result), /does not offer/);
    }
    const unknown = await callTool(client, 'no_such_tool', {});
    assert.equal(unknown.isError, true);
  });
});

describe('shared-file mode: several stdio processes on one database file', () => {
  it('three processes storing 300 memories each at once: all 900 present, none failed', async () => {
    const dir = makeTempDir('mcp-shared-');
    const path = join(dir, 'shared.db');
    const clients = await Promise.all([0, 1, 2].map(() => connectStdio('mcp', { MCP_MEMORY_SQLITE_PATH: path })));
    try {
      const failures: string[] = [];
      await Promise.all(
        clients.map(async (client, p) => {
          for (let i = 0; i < 300; i += 10) {
            const batch = await Promise.all(
              Array.from({ length: 10 }, (_, j) =>
                callTool(client, 'memory_store', { content: `process ${p} memory ${i + j} about subject ${(i + j) % 17}`, metadata: { tags: [`p${p}`] } }),
              ),
            );
            for (const result of batch) if (result.isError || !/Memory stored successfully/.test(textOf(result))) failures.push(textOf(result));
          }
        }),
      );
      assert.deepEqual(failures, []);
      const listed = JSON.parse(textOf(await callTool(clients[0]!, 'memory_list', { page_size: 1 })));
      assert.equal(listed.total, 900);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
    const facts = databaseFacts(path);
    assert.equal(facts.integrity, 'ok');
    assert.equal(facts.memories, 900);
    rmSync(dir, { recursive: true, force: true });
  });
});
