import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ApiClient } from './helpers/http.js';
import { callTool, connectStdio } from './helpers/mcp-client.js';
import { SseReader } from './helpers/sse-reader.js';
import { makeTempDir, startTestServer, type TestServer } from './helpers/test-server.js';

const KEY = 'change-log-key';

describe('one change log for every writer on a SQLite file', () => {
  const servers: TestServer[] = [];

  after(async () => {
    for (const server of servers) await server.cleanup();
  });

  async function start(env: Record<string, string> = {}, dir?: string): Promise<TestServer> {
    const server = await startTestServer({ env: { MCP_API_KEY: KEY, ...env }, ...(dir === undefined ? {} : { dir }) });
    servers.push(server);
    return server;
  }

  it("a write by a stdio `mcp` process on the same file reaches the server's SSE clients", async () => {
    const server = await start();
    const reader = await SseReader.open(`${server.url}/api/events/stream?api_key=${KEY}`);
    const stdio = await connectStdio('mcp', { MCP_MEMORY_SQLITE_PATH: server.dbPath });
    try {
      await reader.waitFor((r) => r.messages.length === 1);
      const stored = await callTool(stdio, 'store_memory', { content: 'Written by a stdio process: the VPN certificate expires in March', tags: ['vpn'] });
      assert.equal(stored.isError, undefined);
      await reader.waitFor((r) => r.events.some((e) => e.data.type === 'memory_stored'), 30_000);
      const event = reader.events.find((e) => e.data.type === 'memory_stored')!;
      assert.equal(event.data.content_preview, 'Written by a stdio process: the VPN certificate expires in March');
      assert.deepEqual(event.data.tags, ['vpn']);
    } finally {
      await stdio.close();
      reader.close();
    }
  });

  it('Last-Event-ID resumes across a server restart, without gaps or duplicates', async () => {
    const dir = makeTempDir();
    const first = await start({}, dir);
    const api = new ApiClient(first.url, KEY);
    const reader = await SseReader.open(`${first.url}/api/events/stream?api_key=${KEY}`);
    await api.post('/api/memories', { content: 'before the restart' });
    await reader.waitFor((r) => r.events.length === 1);
    const lastSeen = reader.events[0]!.id!;
    reader.close();
    const missed = [(await api.post('/api/memories', { content: 'missed while disconnected' })).body.content_hash];
    await first.stop();
    const second = await start({}, dir);
    const api2 = new ApiClient(second.url, KEY);
    missed.push((await api2.post('/api/memories', { content: 'stored after the restart' })).body.content_hash);
    const resumed = await SseReader.open(`${second.url}/api/events/stream?api_key=${KEY}`, { 'last-event-id': lastSeen });
    try {
      await resumed.waitFor((r) => r.events.length === 2);
      assert.deepEqual(
        resumed.events.map((e) => e.data.content_hash),
        missed,
      );
      assert.ok(resumed.events.every((e) => e.data.type === 'memory_stored'));
      assert.ok(Number(resumed.events[0]!.id) > Number(lastSeen));
    } finally {
      resumed.close();
    }
  });

  it('the log keeps the newest MCP_CHANGE_LOG_MAX_ROWS changes; an older id gets resync_required', async () => {
    const server = await start({ MCP_CHANGE_LOG_MAX_ROWS: '100', MCP_SSE_REPLAY_BUFFER: '10' });
    const api = new ApiClient(server.url, KEY);
    const reader = await SseReader.open(`${server.url}/api/events/stream?api_key=${KEY}`);
    await api.post('/api/memories', { content: 'the first change' });
    await reader.waitFor((r) => r.events.length === 1);
    const first = reader.events[0]!.id!;
    reader.close();
    for (let i = 0; i < 210; i++) await api.post('/api/memories', { content: `change ${i}` }, { headers: {} });
    const resumed = await SseReader.open(`${server.url}/api/events/stream?api_key=${KEY}`, { 'last-event-id': first });
    try {
      await resumed.waitFor((r) => r.events.length >= 1);
      assert.equal(resumed.events[0]!.data.type, 'resync_required');
    } finally {
      resumed.close();
    }
  });

  it('one large memory and many updates cannot exhaust memory: events carry a bounded preview, the buffer is bounded by bytes', async () => {
    const maxBytes = 1_048_576;
    const server = await start({ MCP_SSE_REPLAY_BUFFER_BYTES: String(maxBytes) });
    const api = new ApiClient(server.url, KEY);
    const reader = await SseReader.open(`${server.url}/api/events/stream?api_key=${KEY}`);
    try {
      const big = await api.post('/api/memories', { content: `${'a large memory '.repeat(69_000)}end` });
      assert.equal(big.status, 200);
      // What stays reachable, not garbage not yet collected: a heap measured without a collection
      // first grew by 140-206 MB here depending on when V8 last collected.
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      gc();
      const heapBefore = process.memoryUsage().heapUsed;
      for (let i = 0; i < 300; i++) {
        const res = await api.put(`/api/memories/${big.body.content_hash}`, { tags: [`revision-${i}`] });
        assert.equal(res.status, 200);
      }
      await reader.waitFor((r) => r.events.length === 301, 60_000);
      const updated = reader.events.at(-1)!.data;
      assert.equal(updated.type, 'memory_updated');
      assert.equal(updated.content_truncated, true);
      assert.ok((updated.content_preview as string).length <= 210);
      assert.ok(JSON.stringify(updated).length < 2000, 'an event is small whatever the memory weighs');
      const stats = (await api.get('/api/events/stats')).body;
      assert.ok(stats.replay_buffer_bytes <= maxBytes, `replay buffer holds ${stats.replay_buffer_bytes} bytes`);
      gc();
      const growthMb = (process.memoryUsage().heapUsed - heapBefore) / 1_048_576;
      assert.ok(growthMb < 50, `heap grew by ${growthMb.toFixed(0)} MB over 300 updates of a 1 MiB memory`);
    } finally {
      reader.close();
    }
  });
});
