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

  it("upstream's mistake notes: add (again counts a failure), search by meaning, update (in place or as a new version), delete", async () => {
    const client = await connectHttp(server.url, KEY);
    try {
      const note = {
        error_pattern: 'Ran the database migration before taking a backup',
        context_signature: 'production deploy of the billing service',
        incorrect_action: 'npm run migrate on the live database',
        correct_action: 'mcp-memory backup create, then migrate',
      };
      const added = await callTool(client, 'mistake_note_add', note);
      assert.equal(added.isError, undefined, textOf(added));
      const hash = (added.structuredContent as { content_hash: string }).content_hash;
      const again = await callTool(client, 'mistake_note_add', note);
      assert.deepEqual(again.structuredContent, { success: true, content_hash: hash, failure_count: 2 });
      await callTool(client, 'memory_store', { content: 'A plain memory about database backups and migrations' });
      const found = await callTool(client, 'mistake_note_search', { query: 'what went wrong when migrating the database?' });
      const notes = (found.structuredContent as { notes: { content_hash: string; correct_action: string; failure_count: number }[] }).notes;
      assert.deepEqual(
        notes.map((n) => [n.content_hash, n.correct_action, n.failure_count]),
        [[hash, note.correct_action, 2]],
        'mistake notes only',
      );
      const counted = await callTool(client, 'mistake_note_update', { content_hash: hash, failure_count: 5 });
      assert.equal((counted.structuredContent as { content_hash: string }).content_hash, hash, 'a count changes in place');
      const reworded = await callTool(client, 'mistake_note_update', { content_hash: hash, correct_action: 'Back up first, always' });
      const next = (reworded.structuredContent as { content_hash: string; failure_count: number }).content_hash;
      assert.notEqual(next, hash);
      assert.equal((reworded.structuredContent as { failure_count: number }).failure_count, 5);
      assert.match(textOf(await callTool(client, 'memory_history', { content_hash: next })), /2 version\(s\)/);
      const plain = (await new ApiClient(server.url, KEY).get('/api/memories?page_size=100')).body.memories.find(
        (m: { memory_type: string | null; content: string }) => m.content.startsWith('A plain memory about database'),
      );
      const notMistake = await callTool(client, 'mistake_note_delete', { content_hash: plain.content_hash });
      assert.equal(notMistake.isError, true);
      assert.match(textOf(notMistake), /not a mistake note/);
      assert.equal((await callTool(client, 'mistake_note_delete', { content_hash: next })).isError, undefined);
      assert.equal((await new ApiClient(server.url, KEY).get(`/api/memories/${next}`)).status, 404);
    } finally {
      await client.close();
    }
  });

  it("upstream's session legacy: commit_session_legacy records decisions, errors and corrections; get_bootstrap_profile reads them back per agent", async () => {
    const client = await connectHttp(server.url, KEY);
    try {
      const legacy = {
        session_id: 'sess-001',
        agent_id: 'kiro',
        task_summary: 'Moved the billing service to the new queue',
        outcome: 'partial',
        decisions: [{ what: 'Use one queue per tenant', why: 'noisy neighbours' }],
        errors: [{ error: 'Forgot to drain the old queue before switching', tool: 'deploy', resolution: 'Drain the old queue first' }],
        user_corrections: [{ original: 'tabs', corrected_to: 'two spaces' }],
        belief_updates: [{ belief: 'ignored here' }],
      };
      const committed = await callTool(client, 'commit_session_legacy', legacy);
      assert.deepEqual(JSON.parse(textOf(committed)), { status: 'recorded', observations_created: 3, mistake_notes_updated: 1, belief_updates_ignored: 1 });
      await callTool(client, 'commit_session_legacy', { ...legacy, session_id: 'sess-002', decisions: [], user_corrections: [] });
      await callTool(client, 'commit_session_legacy', {
        session_id: 'sess-003',
        agent_id: 'other-agent',
        task_summary: 'Unrelated',
        outcome: 'success',
        decisions: [{ what: 'Prefer tabs everywhere', why: 'their taste' }],
      });
      const api = new ApiClient(server.url, KEY);
      const decisions = await api.get('/api/memories?tag=decision');
      assert.equal(decisions.body.total, 2);
      assert.equal(decisions.body.memories.find((m: { content: string }) => m.content.includes('one queue per tenant')).metadata.agent_id, 'kiro');

      const profile = textOf(await callTool(client, 'get_bootstrap_profile', { agent_ids: ['kiro'], task_summary: 'billing' }));
      assert.match(profile, /^=== BEHAVIORAL PROFILE \(v1\) ===/);
      assert.match(profile, /Forgot to drain the old queue.*do Drain the old queue first \[errors: 2\]/, 'the same error in two sessions counts twice');
      assert.match(profile, /User corrected: tabs → two spaces/);
      assert.match(profile, /Decision: Use one queue per tenant — Reason: noisy neighbours/);
      assert.doesNotMatch(profile, /Prefer tabs everywhere/, "another agent's decisions stay out");
      const tight = textOf(await callTool(client, 'get_bootstrap_profile', { agent_ids: ['kiro'], budget_tokens: 64 }));
      assert.match(tight, /\[errors: 2\]\n(.*\n)*\.\.\. \(truncated to token budget\)\n=== END PROFILE ===$/);
      assert.doesNotMatch(tight, /Decision: Use one queue per/);
      assert.match(textOf(await callTool(client, 'get_bootstrap_profile', { agent_ids: ['newcomer'] })), /No data available yet/);
      assert.equal((await callTool(client, 'get_bootstrap_profile', { agent_ids: [] })).isError, true);

      const guide = textOf(await callTool(client, 'get_onboarding_guide', { client_type: 'kiro' }));
      assert.match(guide, /Kiro/);
      assert.ok(
        ['session start', 'session end', 'get_bootstrap_profile(agent_ids=["kiro"])', 'commit_session_legacy'].every((part) =>
          guide.toLowerCase().includes(part.toLowerCase()),
        ),
      );
      assert.match(textOf(await callTool(client, 'get_onboarding_guide', {})), /your_agent_id/);
    } finally {
      await client.close();
    }
  });

  it("upstream's quarantine: marked memories are listed with their reason and released", async () => {
    const client = await connectHttp(server.url, KEY);
    try {
      const api = new ApiClient(server.url, KEY);
      const held = await api.post('/api/memories', {
        content: 'The deploy window is Friday at 17:00',
        tags: ['quarantined', 'deploys'],
        metadata: { quarantined: true, quarantine_reason: 'Contradicts belief: never deploy on Fridays', quarantined_at: '2026-12-01T10:00:00Z' },
      });
      // Tagged but released earlier (upstream keeps the tag): not listed.
      await api.post('/api/memories', { content: 'An old quarantine, released', tags: ['quarantined'], metadata: { quarantined: false } });
      const listed = await callTool(client, 'get_quarantined_memories', {});
      const { quarantined, count } = JSON.parse(textOf(listed));
      assert.equal(count, 1);
      assert.deepEqual(quarantined[0], {
        content_hash: held.body.content_hash,
        content: 'The deploy window is Friday at 17:00',
        contradicted_belief: null,
        contradicted_memory: null,
        quarantined_at: '2026-12-01T10:00:00Z',
        reason: 'Contradicts belief: never deploy on Fridays',
      });
      const released = JSON.parse(textOf(await callTool(client, 'unquarantine_memory', { content_hash: held.body.content_hash })));
      assert.deepEqual(released, { status: 'unquarantined', content_hash: held.body.content_hash, was_quarantined: true });
      const after = (await api.get(`/api/memories/${held.body.content_hash}`)).body;
      assert.deepEqual([after.tags, after.metadata.quarantined], [['deploys'], false]);
      assert.equal(JSON.parse(textOf(await callTool(client, 'get_quarantined_memories', {}))).count, 0);
      assert.equal((await callTool(client, 'unquarantine_memory', { content_hash: 'a'.repeat(64) })).isError, true);
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

  it('serves JSON-RPC without a session as upstream does (plain JSON, same key and scopes); an unknown session is a JSON-RPC 404', async () => {
    const rpc = async (body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
        body: JSON.stringify(body),
      });
    // A plain client: no initialize, no event-stream Accept header, JSON answers.
    const listed = await rpc({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    assert.equal(listed.status, 200);
    assert.match(listed.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(listed.headers.get('mcp-session-id'), null, 'nothing is kept');
    const tools = ((await listed.json()) as { result: { tools: { name: string }[] } }).result.tools.map((t) => t.name);
    assert.deepEqual(tools.sort(), [...CURRENT_TOOLS].sort());
    const stored = await rpc({
      jsonrpc: '2.0',
      id: 'a',
      method: 'tools/call',
      params: { name: 'memory_store', arguments: { content: 'Stored by a client without a session', metadata: { tags: ['stateless'] } } },
    });
    const answer = (await stored.json()) as { id: string; result: { content: { text: string }[] } };
    assert.deepEqual([answer.id, /stored successfully/i.test(answer.result.content[0]!.text)], ['a', true]);
    assert.equal((await new ApiClient(server.url, KEY).get('/api/memories?tag=stateless')).body.total, 1);
    // initialize from a plain client answers too, and opens no session it would never use.
    const init = await rpc({
      jsonrpc: '2.0',
      id: 2,
      method: 'initialize',
      params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'curl', version: '1' } },
    });
    assert.equal(init.status, 200);
    assert.equal(init.headers.get('mcp-session-id'), null);
    assert.equal(((await init.json()) as { result: { serverInfo: { name: string } } }).result.serverInfo.name, 'mcp-memory-service');
    // The same with an SDK client's Accept header; a notification is accepted with 202.
    const sdkStyle = { accept: 'application/json, text/event-stream' };
    assert.equal((await rpc({ jsonrpc: '2.0', id: 3, method: 'tools/list' }, sdkStyle)).status, 200);
    assert.equal((await rpc({ jsonrpc: '2.0', method: 'notifications/initialized' })).status, 202);
    const unknownMethod = (await (await rpc({ jsonrpc: '2.0', id: 4, method: 'no/such' })).json()) as { error: { code: number } };
    assert.equal(unknownMethod.error.code, -32601);
    // Without a key, refused as any route.
    const anonymous = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(anonymous.status, 401);
    const unknown = await rpc({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { ...sdkStyle, 'mcp-session-id': 'no-such-session' });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { jsonrpc: string }).jsonrpc, '2.0');
  });

  it("upstream's /mcp/tools and /mcp/health answer with its shapes, behind the key", async () => {
    const api = new ApiClient(server.url, KEY);
    const tools = await api.get('/mcp/tools');
    assert.equal(tools.status, 200);
    assert.deepEqual([tools.body.protocol, tools.body.tools.length], ['mcp', CURRENT_TOOLS.length]);
    assert.ok(tools.body.tools.every((t: { name: string; inputSchema: { type: string } }) => t.inputSchema.type === 'object'));
    const health = await api.get('/mcp/health');
    assert.equal(health.status, 200);
    assert.deepEqual(
      [health.body.status, health.body.protocol, health.body.tools_available, health.body.storage_backend],
      ['healthy', 'mcp', CURRENT_TOOLS.length, 'sqlite-vec'],
    );
    assert.equal(typeof health.body.statistics.total_memories, 'number');
    for (const path of ['/mcp/tools', '/mcp/health']) assert.equal((await fetch(`${server.url}${path}`)).status, 401, path);
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
