import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { MetricsPort } from '../src/metrics/metrics-port.js';
import { ApiClient } from './helpers/http.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const KEY = 'metrics-test-key-0123456789';

interface Family {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string; count?: string; buckets?: Record<string, string> }[];
}

describe('Prometheus metrics (MCP_METRICS_ENABLED=true)', () => {
  let server: TestServer;
  let api: ApiClient;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: KEY, MCP_METRICS_ENABLED: 'true', MCP_METRICS_PORT: '0' } });
    api = new ApiClient(server.url, KEY);
  });
  after(async () => {
    await server.cleanup();
  });

  const scrape = async (url: string, key: string | null): Promise<{ status: number; type: string | null; text: string }> => {
    const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  const family = (families: Family[], name: string): Family => {
    const found = families.find((f) => f.name === name);
    assert.ok(found, `${name} is exported`);
    return found;
  };
  const sample = (f: Family, labels: Record<string, string>) => f.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));

  it('counts requests by route template, model calls, searches and stores, memories, sizes and refused keys; parses as the text format', async () => {
    for (const content of ['Metrics memory one about the deploy', 'Metrics memory two about the budget'])
      assert.equal((await api.post('/api/memories', { content })).status, 200);
    assert.equal((await api.post('/api/search', { query: 'deploy', mode: 'hybrid' })).status, 200);
    assert.equal((await api.get(`/api/memories/${'0'.repeat(64)}?api_key=${KEY}`)).status, 404);
    assert.equal((await api.get('/api/memories', { apiKey: null })).status, 401);
    assert.equal((await api.get('/api/memories', { apiKey: 'wrong-key-wrong-key' })).status, 403);

    assert.equal((await scrape(`${server.url}/metrics`, null)).status, 401, 'the main port needs the key');
    const { status, type, text } = await scrape(`${server.url}/metrics`, KEY);
    assert.equal(status, 200);
    assert.match(type ?? '', /^text\/plain; version=0\.0\.4/);
    assert.ok(!text.includes(KEY), 'never a key');
    const families = parsePrometheusTextFormat(text) as Family[];

    const requests = family(families, 'mcp_memory_http_requests_total');
    assert.equal(requests.type, 'COUNTER');
    assert.equal(sample(requests, { method: 'POST', route: '/api/memories', status: '200' })?.value, '2');
    assert.equal(sample(requests, { method: 'GET', route: '/api/memories/:content_hash', status: '404' })?.value, '1', 'the template, not the URL');
    assert.ok(requests.metrics.every((m) => !m.labels!.route!.includes('?')));
    assert.equal(family(families, 'mcp_memory_http_request_duration_seconds').type, 'HISTOGRAM');
    // The parser folds a labelled histogram's series together: their counts are read from the lines it validated.
    const count = (series: string): number => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    assert.equal(family(families, 'mcp_memory_operation_duration_seconds').type, 'HISTOGRAM');
    for (const operation of ['store', 'search', 'vector_search', 'keyword_search']) {
      assert.ok(count(`mcp_memory_operation_duration_seconds_count{operation="${operation}"}`) >= 1, operation);
    }
    assert.ok(count('mcp_memory_embedding_duration_seconds_count') >= 2);
    assert.ok(count('mcp_memory_embedding_batch_size_count') >= 2);
    assert.equal(family(families, 'mcp_memory_memories').metrics[0]!.value, '2');
    assert.ok(Number(sample(family(families, 'mcp_memory_database_size_bytes'), { file: 'database' })?.value) > 0);
    const failures = family(families, 'mcp_memory_auth_failures_total');
    assert.equal(sample(failures, { reason: 'missing_key' })?.value, '2', 'the GET and the first scrape');
    assert.equal(sample(failures, { reason: 'invalid_key' })?.value, '1');
    for (const name of [
      'mcp_memory_sse_clients',
      'mcp_memory_sse_dropped_clients_total',
      'mcp_memory_mcp_sessions',
      'mcp_memory_process_resident_memory_bytes',
    ])
      family(families, name);
  });

  it('has a value for every metric the docs list once its event happened: a backup, an MCP session', async () => {
    const before = parsePrometheusTextFormat((await scrape(`${server.url}/metrics`, KEY)).text) as Family[];
    assert.equal(before.find((f) => f.name === 'mcp_memory_backup_last_timestamp_seconds')?.metrics.length ?? 0, 0, 'absent before the first backup');
    const made = await api.post('/api/admin/backup', {});
    assert.equal(made.status, 200);
    const session = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'm', version: '1' } },
      }),
    });
    assert.equal(session.status, 200);
    await session.body?.cancel();
    const families = parsePrometheusTextFormat((await scrape(`${server.url}/metrics`, KEY)).text) as Family[];
    const backup = sample(family(families, 'mcp_memory_backup_last_timestamp_seconds'), { result: 'success' });
    assert.equal(backup?.value, String(Date.parse(made.body.created_at as string) / 1000));
    assert.equal(family(families, 'mcp_memory_mcp_sessions').metrics[0]!.value, '1');
  });

  it('serves /metrics alone without a key on MCP_METRICS_PORT', async () => {
    const port = server.app.get(MetricsPort).port;
    assert.ok(port !== null && port > 0);
    const open = await scrape(`http://127.0.0.1:${port}/metrics`, null);
    assert.equal(open.status, 200);
    assert.ok((parsePrometheusTextFormat(open.text) as Family[]).some((f) => f.name === 'mcp_memory_memories'));
    assert.equal((await scrape(`http://127.0.0.1:${port}/api/memories`, null)).status, 404);
  });

  it('is off unless enabled: /metrics is 404', async () => {
    const plain = await startTestServer({ env: { MCP_API_KEY: KEY } });
    try {
      assert.equal((await scrape(`${plain.url}/metrics`, KEY)).status, 404);
    } finally {
      await plain.cleanup();
    }
  });
});
