import { EventEmitter2 } from '@nestjs/event-emitter';
import { EventSource } from 'eventsource';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from './helpers/http.js';
import { SseReader } from './helpers/sse-reader.js';
import { waitUntil } from './helpers/wait.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const KEY = 'events-key';

/** What the deployment guide's browser example collects: JSON.parse(e.data) of every message. */
function guideClient(apiBase: string, apiKey: string): { source: EventSource; updates: Record<string, unknown>[] } {
  const updates: Record<string, unknown>[] = [];
  const eventSource = new EventSource(`${apiBase}/events/stream?api_key=${apiKey}`);
  eventSource.onmessage = (e) => updates.push(JSON.parse(e.data) as Record<string, unknown>);
  return { source: eventSource, updates };
}

/** Polls the stats until no stream is open (disconnects are noticed asynchronously), or 10 s pass. */
async function connectedClientsSettled(api: ApiClient): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const connected = (await api.get('/api/events/stats')).body.connected_clients as number;
    if (connected === 0 || Date.now() > deadline) return connected;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('event feed (real server, real SSE clients)', () => {
  let server: TestServer;
  let api: ApiClient;
  let apiBase: string;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: KEY, MCP_SSE_HEARTBEAT_SECONDS: '1', MCP_SSE_REPLAY_BUFFER: '20' } });
    api = new ApiClient(server.url, KEY);
    apiBase = `${server.url}/api`;
  });

  after(async () => {
    await server.cleanup();
  });

  it("runs the deployment guide's browser example: a store by client A reaches clients B and C", async () => {
    const b = guideClient(apiBase, KEY);
    const c = guideClient(apiBase, KEY);
    try {
      await waitUntil(() => b.updates.length > 0 && c.updates.length > 0);
      assert.equal(b.updates[0]!.type, 'connection_established');
      const stored = await api.post('/api/memories', { content: 'Event feed: the release is frozen until Monday', tags: ['release'], memory_type: 'decision' });
      const hash = stored.body.content_hash as string;
      await api.put(`/api/memories/${hash}`, { tags: ['release', 'frozen'] });
      await api.delete(`/api/memories/${hash}`);
      for (const client of [b, c]) {
        await waitUntil(() => client.updates.some((u) => u.type === 'memory_deleted'));
        const [storedEvent, updatedEvent, deletedEvent] = client.updates.slice(1);
        assert.equal(storedEvent!.type, 'memory_stored');
        assert.equal(storedEvent!.content_hash, hash);
        assert.ok(!Number.isNaN(Date.parse(storedEvent!.timestamp as string)));
        // What upstream's event carries (hash, preview, tags, type), never the whole memory.
        assert.equal(storedEvent!.content_preview, 'Event feed: the release is frozen until Monday');
        assert.equal(storedEvent!.content_truncated, false);
        assert.deepEqual(storedEvent!.tags, ['release']);
        assert.equal(storedEvent!.memory_type, 'decision');
        assert.equal(storedEvent!.memory, undefined);
        assert.equal(updatedEvent!.type, 'memory_updated');
        assert.deepEqual(updatedEvent!.tags, ['release', 'frozen']);
        assert.equal(deletedEvent!.type, 'memory_deleted');
        assert.equal(deletedEvent!.content_hash, hash);
      }
    } finally {
      b.source.close();
      c.source.close();
    }
  });

  it('GET /api/events sends the same feed with event names for addEventListener clients', async () => {
    const source = new EventSource(`${apiBase}/events?api_key=${KEY}`);
    const received: string[] = [];
    let unnamed = 0;
    source.addEventListener('connection_established', () => received.push('connection_established'));
    source.addEventListener('memory_stored', (e) => received.push(`memory_stored:${(JSON.parse(e.data) as { content_hash: string }).content_hash}`));
    source.onmessage = () => (unnamed += 1);
    try {
      await waitUntil(() => received.includes('connection_established'));
      const stored = await api.post('/api/memories', { content: 'Named event feed memory' });
      await waitUntil(() => received.length === 2);
      assert.deepEqual(received, ['connection_established', `memory_stored:${stored.body.content_hash}`]);
      assert.equal(unnamed, 0);
    } finally {
      source.close();
    }
  });

  it('starts with retry and connection_established, gives every message an increasing id, and sends heartbeats', async () => {
    const reader = await SseReader.open(`${apiBase}/events/stream`, { authorization: `Bearer ${KEY}` });
    try {
      assert.equal(reader.status, 200);
      await api.post('/api/memories', { content: 'ids one' });
      await api.post('/api/memories', { content: 'ids two' });
      await reader.waitFor((r) => r.events.length === 2 && r.comments.includes('heartbeat'), 5000);
      assert.equal(reader.retry, 3000);
      assert.equal(reader.messages[0]!.data.type, 'connection_established');
      const ids = reader.events.map((m) => Number(m.id));
      assert.ok(ids[0]! > 0 && ids[1] === ids[0]! + 1, `ids ${ids.join(',')}`);
      assert.equal(reader.messages[0]!.event, undefined);
    } finally {
      reader.close();
    }
  });

  it("sends upstream's named heartbeat event on /api/events (no id, so resuming is unaffected) and reports upstream's stats fields", async () => {
    const named = await SseReader.open(`${apiBase}/events`, { authorization: `Bearer ${KEY}`, 'user-agent': 'heartbeat-test/1.0' });
    try {
      await named.waitFor((r) => r.messages.some((m) => m.event === 'heartbeat'), 10_000);
      const beat = named.messages.find((m) => m.event === 'heartbeat')!;
      assert.equal(beat.id, undefined);
      assert.equal(beat.data.server_status, 'healthy');
      assert.ok(Number(beat.data.active_connections) >= 1);
      assert.ok(!Number.isNaN(Date.parse(beat.data.timestamp as string)));
      const stats = (await api.get('/api/events/stats')).body;
      assert.equal(stats.total_connections, stats.connected_clients);
      assert.equal(stats.heartbeat_interval, 1);
      const mine = stats.connections.find((c: { user_agent: string }) => c.user_agent === 'heartbeat-test/1.0');
      assert.ok(mine, JSON.stringify(stats.connections));
      assert.equal(mine.client_ip, '127.0.0.1');
      assert.ok(mine.connected_duration_seconds >= 0 && mine.last_heartbeat_seconds_ago >= 0);
    } finally {
      named.close();
    }
  });

  it('replays exactly what a client missed after Last-Event-ID (header or query), in order', async () => {
    const first = await SseReader.open(`${apiBase}/events/stream?api_key=${KEY}`);
    await api.post('/api/memories', { content: 'before the disconnect' });
    await first.waitFor((r) => r.events.length === 1);
    const lastSeen = first.events[0]!.id!;
    first.close();

    const missed: string[] = [];
    for (let i = 0; i < 5; i++) missed.push((await api.post('/api/memories', { content: `missed while away ${i}` })).body.content_hash);

    const byHeader = await SseReader.open(`${apiBase}/events/stream?api_key=${KEY}`, { 'last-event-id': lastSeen });
    const byQuery = await SseReader.open(`${apiBase}/events/stream?api_key=${KEY}&last_event_id=${lastSeen}`);
    try {
      for (const reader of [byHeader, byQuery]) await reader.waitFor((r) => r.events.length >= 5);
      // A marker stored now arrives after anything else the streams would send (delivery is in
      // order): once it is there, nothing was repeated or left out before it.
      const marker = (await api.post('/api/memories', { content: 'replay marker' })).body.content_hash;
      for (const reader of [byHeader, byQuery]) {
        await reader.waitFor((r) => r.events.some((m) => m.data.content_hash === marker));
        assert.deepEqual(
          reader.events.map((m) => m.data.content_hash),
          [...missed, marker],
        );
        const ids = reader.events.slice(0, -1).map((m) => Number(m.id));
        assert.deepEqual(
          ids,
          ids.map((_, i) => Number(lastSeen) + 1 + i),
        );
      }
    } finally {
      byHeader.close();
      byQuery.close();
    }
  });

  it('resumes from the change log beyond the in-memory buffer; an unknown id gets resync_required', async () => {
    const reader = await SseReader.open(`${apiBase}/events/stream?api_key=${KEY}`);
    await api.post('/api/memories', { content: 'resync baseline' });
    await reader.waitFor((r) => r.events.length === 1);
    const old = reader.events[0]!.id!;
    reader.close();
    const missed: string[] = [];
    for (let i = 0; i < 25; i++) missed.push((await api.post('/api/memories', { content: `overflowing the replay buffer ${i}` })).body.content_hash);
    const resumed = await SseReader.open(`${apiBase}/events/stream?api_key=${KEY}`, { 'last-event-id': old });
    try {
      await resumed.waitFor((r) => r.events.length === 25);
      assert.deepEqual(
        resumed.events.map((e) => e.data.content_hash),
        missed,
        'every missed change, in order, from the log',
      );
    } finally {
      resumed.close();
    }
    for (const lastEventId of ['not-a-number', '99999999999999999']) {
      const resumed = await SseReader.open(`${apiBase}/events/stream?api_key=${KEY}`, { 'last-event-id': lastEventId });
      try {
        await resumed.waitFor((r) => r.events.length === 1);
        assert.equal(resumed.events[0]!.data.type, 'resync_required', `for ${lastEventId}`);
      } finally {
        resumed.close();
      }
    }
  });

  it("never broadcasts searches or reads (they would leak other clients' queries)", async () => {
    const reader = await SseReader.open(`${apiBase}/events/stream?api_key=${KEY}`);
    try {
      await reader.waitFor((r) => r.messages.length === 1);
      await api.post('/api/search', { query: 'a private question about salaries' });
      await api.get('/api/search?q=secret');
      await api.post('/api/search/by-tag', { tags: ['release'] });
      await api.post('/api/search/by-time', { query: 'today' });
      await api.get('/api/memories');
      await api.get('/api/tags');
      const marker = await api.post('/api/memories', { content: 'marker after the searches' });
      await reader.waitFor((r) => r.events.length >= 1);
      assert.deepEqual(
        reader.events.map((m) => m.data.content_hash),
        [marker.body.content_hash],
      );
      assert.ok(!JSON.stringify(reader.messages).includes('salaries'));
    } finally {
      reader.close();
    }
  });

  it("with searches=true, tells a stream upstream's search_completed for searches made with its key (no id: resuming is unaffected)", async () => {
    const named = await SseReader.open(`${apiBase}/events?searches=true`, { authorization: `Bearer ${KEY}` });
    const plain = await SseReader.open(`${apiBase}/events/stream?api_key=${KEY}&searches=true`);
    try {
      await api.post('/api/search', { query: 'where is the release checklist', mode: 'keyword', n_results: 3 });
      for (const reader of [named, plain]) await reader.waitFor((r) => r.messages.some((m) => m.data.type === 'search_completed'));
      const told = named.messages.find((m) => m.data.type === 'search_completed')!;
      assert.deepEqual(
        [told.event, told.id, told.data.query, told.data.search_type],
        ['search_completed', undefined, 'where is the release checklist', 'keyword'],
      );
      assert.equal(typeof told.data.results_count, 'number');
      assert.ok((told.data.processing_time_ms as number) >= 0);
      assert.match(told.data.message as string, /^Search completed: \d+ results found$/);
      assert.equal(plain.messages.find((m) => m.data.type === 'search_completed')!.event, undefined);
    } finally {
      named.close();
      plain.close();
    }
    assert.equal((await api.get('/api/events?searches=maybe')).status, 400);
  });

  it('requires a key on the streams: 401 without, 403 with a wrong one', async () => {
    for (const path of ['/events/stream', '/events']) {
      assert.equal((await fetch(`${apiBase}${path}`)).status, 401);
      assert.equal((await fetch(`${apiBase}${path}?api_key=wrong`)).status, 403);
    }
    assert.equal((await fetch(`${apiBase}/events/stats`)).status, 401);
  });

  it('200 concurrent clients each receive every one of 50 stores exactly once', async () => {
    const readers = await Promise.all(Array.from({ length: 200 }, () => SseReader.open(`${apiBase}/events/stream?api_key=${KEY}`)));
    try {
      await Promise.all(readers.map((r) => r.waitFor((x) => x.messages.length >= 1)));
      const hashes: string[] = [];
      for (let i = 0; i < 50; i++) hashes.push((await api.post('/api/memories', { content: `fan-out memory ${i}` })).body.content_hash);
      await Promise.all(readers.map((r) => r.waitFor((x) => x.events.length >= 50, 30_000)));
      // A last store arrives after any repeat of the 50 would have (delivery is in order).
      const marker = (await api.post('/api/memories', { content: 'fan-out marker' })).body.content_hash;
      await Promise.all(readers.map((r) => r.waitFor((x) => x.events.some((m) => m.data.content_hash === marker), 30_000)));
      for (const reader of readers)
        assert.deepEqual(
          reader.events.map((m) => m.data.content_hash),
          [...hashes, marker],
        );
    } finally {
      for (const reader of readers) reader.close();
    }
  });

  it('reports connected clients, events sent and published in /api/events/stats, and returns to zero connections', async () => {
    const reader = await SseReader.open(`${apiBase}/events/stream?api_key=${KEY}`);
    await reader.waitFor((r) => r.messages.length === 1);
    const stats = await api.get('/api/events/stats');
    assert.equal(stats.status, 200);
    assert.equal(stats.body.connected_clients, 1);
    assert.ok(stats.body.events_published >= 50);
    assert.ok(stats.body.events_sent >= 200 * 50);
    assert.equal(stats.body.replay_buffer_capacity, 20);
    reader.close();
    assert.equal(await connectedClientsSettled(api), 0);
  });

  it('connect/disconnect 10,000 times leaves no connection and no listener behind', async () => {
    const emitter = server.app.get(EventEmitter2);
    const listenersBefore = emitter.listenerCount('memory.stored');
    const url = new URL(`${apiBase}/events/stream?api_key=${KEY}`);
    let remaining = 10_000;
    const worker = async (): Promise<void> => {
      while (remaining > 0) {
        remaining -= 1;
        await new Promise<void>((resolve, reject) => {
          const req = httpRequest(url, { agent: false }, (res) => {
            res.once('data', () => {
              req.destroy();
              resolve();
            });
          });
          req.on('error', reject);
          req.end();
        });
      }
    };
    await Promise.all(Array.from({ length: 25 }, worker));
    assert.equal(await connectedClientsSettled(api), 0);
    assert.equal(emitter.listenerCount('memory.stored'), listenersBefore);
  });
});

describe('slow event clients', () => {
  let server: TestServer;
  let api: ApiClient;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: KEY, MCP_SSE_CLIENT_QUEUE_BYTES: '65536' } });
    api = new ApiClient(server.url, KEY);
  });

  after(async () => {
    await server.cleanup();
  });

  it('drops a client that never reads, without affecting the others', async () => {
    const { port } = new URL(server.url);
    const stalled = connect(Number(port), '127.0.0.1');
    stalled.write(`GET /api/events/stream?api_key=${KEY} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
    stalled.pause();
    const reader = await SseReader.open(`${server.url}/api/events/stream?api_key=${KEY}`);
    try {
      // Both streams are open on the server before anything is stored.
      for (let deadline = Date.now() + 30_000; (await api.get('/api/events/stats')).body.connected_clients < 2;) {
        assert.ok(Date.now() < deadline, 'the stalled stream never connected');
      }
      // Events carry a bounded preview, not the content: large tag sets make each one ~20 KB.
      const tags = (i: number) => Array.from({ length: 100 }, (_, t) => `${i}-${t}-${'t'.repeat(190)}`);
      const hashes: string[] = [];
      let dropped = 0;
      for (let i = 0; i < 1000 && dropped === 0; i++) {
        hashes.push((await api.post('/api/memories', { content: `slow client filler ${i}`, tags: tags(i) })).body.content_hash);
        dropped = (await api.get('/api/events/stats')).body.dropped_clients;
      }
      assert.equal(dropped, 1, 'the stalled client was never dropped');
      await reader.waitFor((r) => r.events.length === hashes.length, 30_000);
      assert.deepEqual(
        reader.events.map((m) => m.data.content_hash),
        hashes,
      );
      assert.equal((await api.get('/api/events/stats')).body.connected_clients, 1);
    } finally {
      reader.close();
      stalled.destroy();
    }
  });
});
