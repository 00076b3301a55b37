import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { databaseFacts } from './helpers/database-facts.js';
import { callTool, connectStdio, textOf } from './helpers/mcp-client.js';
import { makeTempDir } from './helpers/test-server.js';

const TOOLS = ['check_database_health', 'delete_memory', 'list_memories', 'recall_memory', 'retrieve_memory', 'search_by_tag', 'store_memory'];

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

  it('lists the seven memory tools with described input schemas', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS);
    const store = tools.find((t) => t.name === 'store_memory')!;
    assert.ok(store.description && store.description.length > 20);
    assert.deepEqual(store.inputSchema.required, ['content']);
    const properties = store.inputSchema.properties as Record<string, { description?: string }>;
    for (const field of ['content', 'tags', 'memory_type', 'metadata']) assert.ok(properties[field]?.description, `${field} has no description`);
  });

  it('stores, retrieves by meaning, searches by tag, recalls by time, lists and deletes', async () => {
    const stored = await callTool(client, 'store_memory', {
      content: 'The VPN certificate for the Berlin office expires on 30 June',
      tags: ['it', 'berlin'],
      memory_type: 'reminder',
    });
    assert.equal(stored.isError, undefined, textOf(stored));
    const hash = (stored.structuredContent as { content_hash: string }).content_hash;
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.match(textOf(stored), /Stored memory/);
    await callTool(client, 'store_memory', { content: 'Lunch menu on Friday is pasta', tags: ['food'] });

    const duplicate = await callTool(client, 'store_memory', { content: 'the vpn certificate for the berlin office expires on 30 june' });
    assert.match(textOf(duplicate), /already exists/);

    const retrieved = await callTool(client, 'retrieve_memory', { query: 'when does the Berlin VPN cert run out?', n_results: 2 });
    const results = (retrieved.structuredContent as { results: { memory: { content_hash: string }; similarity_score: number }[] }).results;
    assert.equal(results[0]!.memory.content_hash, hash);
    assert.match(textOf(retrieved), /similarity/);

    const tagged = await callTool(client, 'search_by_tag', { tags: ['berlin', 'nothing'] });
    assert.deepEqual((tagged.structuredContent as { results: { memory: { content_hash: string } }[] }).results.map((r) => r.memory.content_hash), [hash]);

    const recalled = await callTool(client, 'recall_memory', { query: 'today', semantic_query: 'food' });
    assert.equal((recalled.structuredContent as { results: unknown[] }).results.length, 2);
    assert.match(textOf(recalled), /pasta/);

    const listed = await callTool(client, 'list_memories', { page: 1, page_size: 1 });
    assert.equal((listed.structuredContent as { total: number }).total, 2);

    const health = await callTool(client, 'check_database_health');
    assert.match(textOf(health), /healthy: 2 memories/);

    const deleted = await callTool(client, 'delete_memory', { content_hash: hash });
    assert.equal(deleted.isError, undefined, textOf(deleted));
    const again = await callTool(client, 'delete_memory', { content_hash: hash });
    assert.equal(again.isError, true);
    assert.match(textOf(again), /not found/i);
  });

  it('reports bad input as a readable tool error', async () => {
    const badTime = await callTool(client, 'recall_memory', { query: 'the day pigs fly' });
    assert.equal(badTime.isError, true);
    assert.match(textOf(badTime), /time expression/);
    const badHash = await client.callTool({ name: 'delete_memory', arguments: { content_hash: 'nope' } });
    assert.equal(badHash.isError, true);
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
              Array.from({ length: 10 }, (_, j) => callTool(client, 'store_memory', { content: `process ${p} memory ${i + j} about subject ${(i + j) % 17}`, tags: [`p${p}`] })),
            );
            for (const result of batch) if (result.isError || !/Stored memory/.test(textOf(result))) failures.push(textOf(result));
          }
        }),
      );
      assert.deepEqual(failures, []);
      const listed = await callTool(clients[0]!, 'list_memories', { page_size: 1 });
      assert.equal((listed.structuredContent as { total: number }).total, 900);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
    const facts = databaseFacts(path);
    assert.equal(facts.integrity, 'ok');
    assert.equal(facts.memories, 900);
    rmSync(dir, { recursive: true, force: true });
  });
});
