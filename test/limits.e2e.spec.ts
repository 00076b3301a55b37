import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { INPUT_LIMITS } from '../src/common/input-limits.js';
import { ApiClient } from './helpers/http.js';
import { callTool, connectStdio, textOf } from './helpers/mcp-client.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const KEY = 'limits-key';
const HUGE_PHRASE = 'since '.repeat(10_000);

/** A tool call's outcome: refused (a protocol error or a tool error) with a short message, or served. */
async function toolOutcome(client: Client, name: string, args: Record<string, unknown>): Promise<{ refused: boolean; text: string }> {
  try {
    const result = await callTool(client, name, args);
    return { refused: result.isError === true, text: textOf(result) };
  } catch (error) {
    return { refused: true, text: (error as Error).message };
  }
}

describe('one set of input limits on REST, MCP over HTTP and the bridge', () => {
  let server: TestServer;
  let api: ApiClient;
  let mcp: Client;
  let bridge: Client;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: KEY } });
    api = new ApiClient(server.url, KEY);
    mcp = new Client({ name: 'limits', version: '1' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${KEY}` } } }));
    bridge = await connectStdio('bridge', { MCP_MEMORY_HTTP_ENDPOINT: `${server.url}/api`, MCP_MEMORY_API_KEY: KEY });
  });

  after(async () => {
    await mcp.close();
    await bridge.close();
    await server.cleanup();
  });

  it('a 60 KB time phrase is refused at once everywhere, without freezing the server or echoing the input', async () => {
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    const rest = await api.post('/api/search/by-time', { query: HUGE_PHRASE });
    assert.equal(rest.status, 400);
    for (const client of [mcp, bridge]) {
      for (const [tool, args] of [
        ['recall_memory', { query: HUGE_PHRASE }],
        ['memory_search', { time_expr: HUGE_PHRASE }],
        ['memory_search', { query: 'x', after: HUGE_PHRASE }],
      ] as const) {
        const outcome = await toolOutcome(client, tool, args);
        assert.ok(outcome.refused, outcome.text.slice(0, 200));
        assert.ok(outcome.text.length < 2000, `the error echoes ${outcome.text.length} characters`);
      }
    }
    histogram.disable();
    // The parser's own cost at the limit is checked in CPU time by its unit test (< 50 ms); here the
    // whole round trip must not stall the event loop the way the unbounded parser did (seconds).
    assert.ok(histogram.max / 1e6 < 1000, `event loop stalled for ${(histogram.max / 1e6).toFixed(0)} ms`);
  });

  it('a blank time phrase is a 400 / tool error, never "every memory"', async () => {
    await api.post('/api/memories', { content: 'a memory that a blank phrase must not return' });
    assert.equal((await api.post('/api/search/by-time', { query: '   ' })).status, 400);
    for (const client of [mcp, bridge]) assert.ok((await toolOutcome(client, 'recall_memory', { query: '  \t ' })).refused);
  });

  it('query length, tag count and tag length have the same limits on every entry point', async () => {
    const longQuery = 'q'.repeat(INPUT_LIMITS.queryLength + 1);
    assert.equal((await api.post('/api/search', { query: longQuery })).status, 400);
    assert.equal((await api.get(`/api/search?q=${longQuery}`)).status, 400);
    const tooManyTags = Array.from({ length: INPUT_LIMITS.tags + 1 }, (_, i) => `t${i}`);
    const tooLongTag = ['x'.repeat(INPUT_LIMITS.tagLength + 1)];
    assert.equal((await api.post('/api/memories', { content: 'many tags', tags: tooManyTags })).status, 400);
    assert.equal((await api.post('/api/memories', { content: 'long tag', tags: tooLongTag })).status, 400);
    for (const client of [mcp, bridge]) {
      assert.ok((await toolOutcome(client, 'retrieve_memory', { query: longQuery })).refused);
      assert.ok((await toolOutcome(client, 'store_memory', { content: 'many tags', tags: tooManyTags })).refused);
      assert.ok((await toolOutcome(client, 'store_memory', { content: 'long tag', tags: tooLongTag })).refused);
      assert.ok((await toolOutcome(client, 'retrieve_memory', { query: 'x', n_results: INPUT_LIMITS.results + 1 })).refused);
      assert.ok((await toolOutcome(client, 'memory_search', { query: longQuery })).refused);
      assert.ok((await toolOutcome(client, 'memory_store', { content: 'many tags', metadata: { tags: tooManyTags.join(',') } })).refused);
      assert.ok((await toolOutcome(client, 'memory_search', { query: 'x', limit: INPUT_LIMITS.results + 1 })).refused);
    }
    assert.equal((await api.post('/api/search', { query: 'x', n_results: INPUT_LIMITS.results + 1 })).status, 400);
    assert.equal((await api.get('/api/memories?tag=many')).body.total, 0, 'nothing over a limit was stored');
  });
});
