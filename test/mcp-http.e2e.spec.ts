import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { McpSessionsService } from '../src/mcp/mcp-sessions.service.js';
import { ApiClient } from './helpers/http.js';
import { callTool, textOf } from './helpers/mcp-client.js';
import { waitUntil } from './helpers/wait.js';
import { CURRENT_TOOLS } from './helpers/mcp-tools.js';
import { SseReader } from './helpers/sse-reader.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const KEY = 'mcp-http-key';

async function connectHttp(url: string, key: string | null): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: key === null ? {} : { authorization: `Bearer ${key}` } },
  });
  const client = new Client({ name: 'mcp-http-tests', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

describe('Streamable HTTP MCP endpoint at /mcp', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: KEY } });
  });

  after(async () => {
    await server.cleanup();
  });

  it('serves the tool set to an SDK client that sends the key', async () => {
    const client = await connectHttp(server.url, KEY);
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), CURRENT_TOOLS);
      const stored = await callTool(client, 'memory_store', {
        content: 'Stored over Streamable HTTP: the staging password rotates monthly',
        metadata: { tags: ['mcp-http'] },
      });
      assert.match(textOf(stored), /Memory stored successfully/);
      const found = await callTool(client, 'memory_search', { query: 'how often is the staging password changed?', limit: 1 });
      assert.match(textOf(found), /staging password rotates monthly/);
      const rest = await new ApiClient(server.url, KEY).get('/api/memories?tag=mcp-http');
      assert.equal(rest.body.total, 1);
    } finally {
      await client.close();
    }
  });

  it('refuses a client without a key (401) or with a wrong key (403)', async () => {
    await assert.rejects(connectHttp(server.url, null), /401|Missing API key/);
    await assert.rejects(connectHttp(server.url, 'wrong'), /403|Invalid API key/);
    const raw = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
    });
    assert.equal(raw.status, 401);
  });

  it('answers a request without a session, or with an unknown one, with a JSON-RPC error', async () => {
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${KEY}` };
    const noSession = await fetch(`${server.url}/mcp`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
    assert.equal(noSession.status, 400);
    const unknown = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { ...headers, 'mcp-session-id': 'no-such-session' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { jsonrpc: string }).jsonrpc, '2.0');
  });

  it('closes idle sessions; their client must initialize again', async () => {
    const client = await connectHttp(server.url, KEY);
    try {
      assert.equal((await client.listTools()).tools.length, CURRENT_TOOLS.length);
      await server.app.get(McpSessionsService).closeIdleSessions(Date.now() + 1);
      await assert.rejects(client.listTools(), /Session not found|404/);
    } finally {
      await client.close();
    }
    const fresh = await connectHttp(server.url, KEY);
    assert.equal((await fresh.listTools()).tools.length, CURRENT_TOOLS.length);
    await fresh.close();
  });

  it('pushes store changes to MCP sessions as notifications, and MCP stores reach SSE clients', async () => {
    const client = await connectHttp(server.url, KEY);
    const notifications: Record<string, unknown>[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      notifications.push(n.params.data as Record<string, unknown>);
    });
    const stream = await SseReader.open(`${server.url}/api/events/stream?api_key=${KEY}`);
    try {
      await stream.waitFor((r) => r.messages.length === 1);
      // The client opens its notification stream in the background: store until one is announced.
      const rest = new ApiClient(server.url, KEY);
      const storedHashes: string[] = [];
      await waitUntil(
        async () => {
          storedHashes.push((await rest.post('/api/memories', { content: `Stored over REST, announced over MCP #${storedHashes.length}` })).body.content_hash);
          return notifications.some((n) => storedHashes.includes(n.content_hash as string));
        },
        { what: 'a store announced over MCP' },
      );
      assert.ok(
        notifications.some((n) => n.type === 'memory_stored' && storedHashes.includes(n.content_hash as string)),
        JSON.stringify(notifications),
      );

      const viaMcp = await callTool(client, 'memory_store', { content: 'Stored over MCP, seen on the SSE stream' });
      const hash = (viaMcp.structuredContent as { content_hash: string }).content_hash;
      await stream.waitFor((r) => r.events.some((m) => m.data.content_hash === hash));
    } finally {
      stream.close();
      await client.close();
    }
  });
});

describe('MCP session limits', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: 'key-a,key-b', MCP_HTTP_MAX_SESSIONS_PER_KEY: '3', MCP_HTTP_MAX_SESSIONS: '5' } });
  });

  after(async () => {
    await server.cleanup();
  });

  async function initialize(key: string): Promise<Response> {
    return fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'abandoned', version: '1' } },
      }),
    });
  }

  it('caps sessions per key and in total (503 with Retry-After), and a session answers only the key that opened it', async () => {
    const opened: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await initialize('key-a');
      assert.equal(res.status, 200);
      opened.push(res.headers.get('mcp-session-id')!);
      await res.body?.cancel();
    }
    const overKey = await initialize('key-a');
    assert.equal(overKey.status, 503);
    assert.ok(Number(overKey.headers.get('retry-after')) >= 1);
    assert.match(((await overKey.json()) as { error: { message: string } }).error.message, /This key has its maximum of 3/);
    for (let i = 0; i < 2; i++) {
      const res = await initialize('key-b');
      assert.equal(res.status, 200);
      await res.body?.cancel();
    }
    const overTotal = await initialize('key-b');
    assert.equal(overTotal.status, 503);
    assert.match(((await overTotal.json()) as { error: { message: string } }).error.message, /maximum of 5 MCP sessions/);
    const hijack = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: 'Bearer key-b',
        'mcp-session-id': opened[0]!,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    assert.equal(hijack.status, 404, 'another key cannot use a session it did not open');
    // Idle sessions expire and free their places.
    await server.app.get(McpSessionsService).closeIdleSessions(Date.now() + 1);
    assert.equal(server.app.get(McpSessionsService).openSessions, 0);
    const again = await initialize('key-a');
    assert.equal(again.status, 200);
    await again.body?.cancel();
  });
});
