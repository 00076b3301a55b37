import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { McpSessionsService } from '../src/mcp/mcp-sessions.service.js';
import { ApiClient } from './helpers/http.js';
import { callTool, textOf } from './helpers/mcp-client.js';
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
      assert.equal(tools.length, 7);
      const stored = await callTool(client, 'store_memory', { content: 'Stored over Streamable HTTP: the staging password rotates monthly', tags: ['mcp-http'] });
      assert.match(textOf(stored), /Stored memory/);
      const found = await callTool(client, 'retrieve_memory', { query: 'how often is the staging password changed?', n_results: 1 });
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
      assert.equal((await client.listTools()).tools.length, 7);
      await server.app.get(McpSessionsService).closeIdleSessions(Date.now() + 1);
      await assert.rejects(client.listTools(), /Session not found|404/);
    } finally {
      await client.close();
    }
    const fresh = await connectHttp(server.url, KEY);
    assert.equal((await fresh.listTools()).tools.length, 7);
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
      // Give the client's standalone GET stream time to open before the change happens.
      await new Promise((r) => setTimeout(r, 300));
      const viaRest = await new ApiClient(server.url, KEY).post('/api/memories', { content: 'Stored over REST, announced over MCP' });
      const deadline = Date.now() + 5000;
      while (!notifications.some((n) => n.content_hash === viaRest.body.content_hash) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(notifications.some((n) => n.type === 'memory_stored' && n.content_hash === viaRest.body.content_hash), JSON.stringify(notifications));

      const viaMcp = await callTool(client, 'store_memory', { content: 'Stored over MCP, seen on the SSE stream' });
      const hash = (viaMcp.structuredContent as { content_hash: string }).content_hash;
      await stream.waitFor((r) => r.events.some((m) => m.data.content_hash === hash));
    } finally {
      stream.close();
      await client.close();
    }
  });
});
