import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ApiClient } from './helpers/http.js';
import { callTool, connectStdioWithStderr, textOf } from './helpers/mcp-client.js';
import { CURRENT_TOOLS } from './helpers/mcp-tools.js';
import { startTestServer } from './helpers/test-server.js';
import { startTlsProxy } from './helpers/tls-proxy.js';

const KEY = 'bridge-key';

describe('mcp-memory bridge (stdio MCP → remote REST API)', () => {
  it('forwards the tool round trip to a real server, and reports a stopped server clearly while staying up', async () => {
    const server = await startTestServer({ env: { MCP_API_KEY: KEY } });
    const { client, stderr } = await connectStdioWithStderr('bridge', {
      MCP_MEMORY_HTTP_ENDPOINT: `${server.url}/api/`,
      MCP_MEMORY_API_KEY: KEY,
      MCP_MEMORY_HTTP_RETRIES: '2',
    });
    try {
      assert.match(stderr(), new RegExp(`Endpoint: ${server.url}/api`));
      assert.match(stderr(), /API Key: \[SET\]/);
      assert.match(stderr(), /Auto-discovery: DISABLED/);
      assert.ok(!stderr().includes(KEY), 'the key appeared on stderr');

      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), CURRENT_TOOLS, 'the bridge offers the same surface');
      const stored = await callTool(client, 'memory_store', {
        content: 'Bridged: the printer on floor 2 needs toner',
        metadata: { tags: 'bridge,office', type: 'task' },
      });
      assert.equal(stored.isError, undefined, textOf(stored));
      const hash = (stored.structuredContent as { content_hash: string }).content_hash;
      assert.equal((await new ApiClient(server.url, KEY).get(`/api/memories/${hash}`)).body.memory_type, 'task');

      assert.match(textOf(await callTool(client, 'memory_search', { query: 'which printer is out of ink?', limit: 1 })), /printer on floor 2/);
      assert.match(textOf(await callTool(client, 'memory_search', { tags: 'office', time_expr: 'today' })), /^Found 1 memories/);
      assert.match(textOf(await callTool(client, 'memory_search', { query: 'TONER', mode: 'exact' })), /mode: exact/);
      assert.match(textOf(await callTool(client, 'retrieve_memory', { query: 'printer toner', n_results: 1 })), /printer on floor 2/);
      assert.match(textOf(await callTool(client, 'recall_memory', { query: 'today' })), /printer/);
      assert.equal(JSON.parse(textOf(await callTool(client, 'memory_list', { tags: ['bridge'] }))).total, 1);
      assert.equal(JSON.parse(textOf(await callTool(client, 'search_by_tag', { tags: ['office'] }))).total, 1);
      const updated = await callTool(client, 'memory_update', { content_hash: hash, updates: { tags: ['bridge', 'office', 'urgent'] } });
      assert.match(textOf(updated), /Updated fields: tags, updated_at/);
      const session = await callTool(client, 'memory_store_session', { turns: [{ role: 'user', content: 'Bridged session turn' }], session_id: 'b1' });
      assert.match(textOf(session), /Session stored successfully \(session_id: b1, hash: [0-9a-f]{64}, turns: 1\)/);
      const merged = await callTool(client, 'memory_consolidate', { action: 'recommend' });
      assert.match(textOf(merged), /Recommendation: NO_ACTION/);
      assert.match(textOf(await callTool(client, 'memory_conflicts', {})), /No conflicts among the 2 memories examined/);
      assert.equal((await callTool(client, 'memory_delete', { tags: ['session:b1'] })).isError, undefined);
      assert.match(textOf(await callTool(client, 'memory_health')), /"total_memories": 1/);
      assert.equal(typeof JSON.parse(textOf(await callTool(client, 'memory_stats'))).hit_rate, 'number');
      assert.match(textOf(await callTool(client, 'memory_delete', { tags: ['urgent'], dry_run: true })), /^Would delete 1 memories/);
      const deleted = await callTool(client, 'delete_memory', { content_hash: hash });
      assert.equal(deleted.isError, undefined, textOf(deleted));
      const gone = await callTool(client, 'delete_memory', { content_hash: hash });
      assert.equal(gone.isError, true);
      assert.match(textOf(gone), /not found/i);

      await server.stop();
      const down = await callTool(client, 'memory_search', { query: 'anything' });
      assert.equal(down.isError, true);
      assert.match(textOf(down), /Cannot reach the memory server .* connection refused/);
      assert.equal((await client.listTools()).tools.length, CURRENT_TOOLS.length, 'the bridge must stay up');
    } finally {
      await client.close();
      await server.cleanup();
    }
  });

  it('tells the model when the key is missing or wrong', async () => {
    const server = await startTestServer({ env: { MCP_API_KEY: KEY } });
    const noKey = await connectStdioWithStderr('bridge', { MCP_MEMORY_HTTP_ENDPOINT: `${server.url}/api` });
    const wrongKey = await connectStdioWithStderr('bridge', { MCP_MEMORY_HTTP_ENDPOINT: `${server.url}/api`, MCP_MEMORY_API_KEY: 'wrong' });
    try {
      assert.match(noKey.stderr(), /API Key: \[NOT SET\]/);
      const missing = await callTool(noKey.client, 'list_memories');
      assert.equal(missing.isError, true);
      assert.match(textOf(missing), /requires an API key: set MCP_MEMORY_API_KEY/);
      const rejected = await callTool(wrongKey.client, 'list_memories');
      assert.equal(rejected.isError, true);
      assert.match(textOf(rejected), /rejected the API key/);
    } finally {
      await noKey.client.close();
      await wrongKey.client.close();
      await server.cleanup();
    }
  });

  it('over HTTPS, trusts a self-signed certificate only with MCP_MEMORY_CA_FILE or MCP_MEMORY_TLS_INSECURE', async () => {
    const server = await startTestServer({ env: { MCP_API_KEY: KEY } });
    const proxy = await startTlsProxy(server.url, server.dir);
    const base = { MCP_MEMORY_HTTP_ENDPOINT: `${proxy.url}/api`, MCP_MEMORY_API_KEY: KEY, MCP_MEMORY_HTTP_RETRIES: '0' };
    const strict = await connectStdioWithStderr('bridge', base);
    const withCa = await connectStdioWithStderr('bridge', { ...base, MCP_MEMORY_CA_FILE: proxy.certFile });
    const insecure = await connectStdioWithStderr('bridge', { ...base, MCP_MEMORY_TLS_INSECURE: 'true' });
    try {
      const refused = await callTool(strict.client, 'list_memories');
      assert.equal(refused.isError, true);
      assert.match(textOf(refused), /certificate this machine does not trust .* MCP_MEMORY_CA_FILE/);
      assert.match(withCa.stderr(), /verified against .*cert\.pem/);
      assert.equal((await callTool(withCa.client, 'list_memories')).isError, undefined);
      assert.match(insecure.stderr(), /NOT verified/);
      assert.equal((await callTool(insecure.client, 'list_memories')).isError, undefined);
    } finally {
      await Promise.all([strict.client.close(), withCa.client.close(), insecure.client.close()]);
      await proxy.close();
      await server.cleanup();
    }
  });

  it("pins a manual HTTPS endpoint to the generated certificate's fingerprint the server prints (MCP_MEMORY_TLS_FINGERPRINT)", async () => {
    const server = await startTestServer({ env: { MCP_API_KEY: KEY, MCP_HTTPS_ENABLED: 'true' } });
    const printed = server.logs.find((line) => typeof line.cert_sha256 === 'string')?.cert_sha256 as string;
    assert.match(printed, /^[0-9a-f]{64}$/u, 'the start-up line carries the fingerprint');
    const base = { MCP_MEMORY_HTTP_ENDPOINT: `${server.url}/api`, MCP_MEMORY_API_KEY: KEY, MCP_MEMORY_HTTP_RETRIES: '0' };
    // As a user copies it: upper case with colons works as well.
    const colons = printed.toUpperCase().replace(/(..)(?!$)/gu, '$1:');
    const pinned = await connectStdioWithStderr('bridge', { ...base, MCP_MEMORY_TLS_FINGERPRINT: colons });
    const wrong = await connectStdioWithStderr('bridge', { ...base, MCP_MEMORY_TLS_FINGERPRINT: 'ab'.repeat(32) });
    const strict = await connectStdioWithStderr('bridge', base);
    try {
      assert.match(pinned.stderr(), /TLS: certificate pinned to MCP_MEMORY_TLS_FINGERPRINT/u);
      const stored = await callTool(pinned.client, 'store_memory', { content: 'stored through a pinned certificate' });
      assert.equal(stored.isError, undefined, textOf(stored));
      const refused = await callTool(wrong.client, 'list_memories');
      assert.equal(refused.isError, true);
      assert.match(textOf(refused), /is not the one MCP_MEMORY_TLS_FINGERPRINT names/u);
      const untrusted = await callTool(strict.client, 'list_memories');
      assert.match(textOf(untrusted), /set MCP_MEMORY_TLS_FINGERPRINT to the SHA-256 fingerprint the server prints at start/u);
    } finally {
      await Promise.all([pinned.client.close(), wrong.client.close(), strict.client.close()]);
      await server.cleanup();
    }
  });

  it("runs from the deployment guide's Claude Desktop configuration (node examples/http-mcp-bridge.js) with its words on stderr", async () => {
    const server = await startTestServer({ env: { MCP_API_KEY: KEY } });
    // The guide's JSON, with this server's address: "command": "node", "args": [".../examples/http-mcp-bridge.js"].
    const transport = new StdioClientTransport({
      command: 'node',
      args: [resolve('examples/http-mcp-bridge.js')],
      env: {
        PATH: process.env.PATH ?? '',
        MCP_MEMORY_HTTP_ENDPOINT: `${server.url}/api`,
        MCP_MEMORY_API_KEY: KEY,
        MCP_MEMORY_AUTO_DISCOVER: 'false',
        MCP_MEMORY_PREFER_HTTPS: 'true',
      },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'Claude Desktop', version: '1.0.0' });
    await client.connect(transport);
    try {
      assert.match(stderr, /^MCP HTTP Bridge starting\.\.\.$/m);
      assert.match(stderr, new RegExp(`^Using manual endpoint: ${server.url}/api$`, 'm'));
      assert.match(stderr, /^API Key: \[SET\]$/m);
      assert.match(stderr, /^Auto-discovery: DISABLED$/m);
      assert.ok(!stderr.includes(KEY));
      assert.match(textOf(await callTool(client, 'memory_store', { content: 'stored through the guide bridge' })), /Memory stored successfully/);
      assert.match(textOf(await callTool(client, 'retrieve_memory', { query: 'guide bridge', n_results: 1 })), /stored through the guide bridge/);
    } finally {
      await client.close();
      await server.cleanup();
    }
  });

  it('without an endpoint or discovery uses the guide bridge default, http://localhost:8000/api', async () => {
    const { client, stderr } = await connectStdioWithStderr('bridge', { MCP_MEMORY_HTTP_RETRIES: '0' });
    try {
      assert.match(stderr(), /^Using default endpoint: http:\/\/localhost:8000\/api$/m);
      assert.match(stderr(), /^Endpoint: http:\/\/localhost:8000\/api$/m);
    } finally {
      await client.close();
    }
  });
});
