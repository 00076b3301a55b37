import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from './helpers/http.js';
import { waitUntil } from './helpers/wait.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const KEY = 'correct-horse-battery-staple';
const OLD_KEY = 'previous-key-still-valid';

describe('API key authentication', () => {
  let server: TestServer;
  let anonymous: ApiClient;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: `${KEY},${OLD_KEY}` } });
    anonymous = new ApiClient(server.url);
  });

  after(async () => {
    await server.cleanup();
  });

  it('a missing key gets 401 with WWW-Authenticate: Bearer', async () => {
    const res = await anonymous.get('/api/memories');
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { detail: 'Missing API key' });
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
  });

  it('a wrong key gets 403 in every header form', async () => {
    for (const headers of [{ authorization: 'Bearer nope' }, { 'x-api-key': 'nope' }] as Record<string, string>[]) {
      const res = await anonymous.get('/api/memories', { headers });
      assert.equal(res.status, 403);
      assert.deepEqual(res.body, { detail: 'Invalid API key' });
    }
    const query = await anonymous.get('/api/memories?api_key=nope');
    assert.equal(query.status, 403);
  });

  it('accepts the key as Bearer, X-API-Key or ?api_key=, and every configured key', async () => {
    assert.equal((await anonymous.get('/api/memories', { headers: { authorization: `Bearer ${KEY}` } })).status, 200);
    assert.equal((await anonymous.get('/api/memories', { headers: { authorization: `bearer ${OLD_KEY}` } })).status, 200);
    assert.equal((await anonymous.get('/api/memories', { headers: { 'x-api-key': KEY } })).status, 200);
    assert.equal((await anonymous.get(`/api/memories?api_key=${KEY}&page=1`)).status, 200);
    const store = await anonymous.post('/api/memories', { content: 'stored with a query key' }, { headers: {}, apiKey: null });
    assert.equal(store.status, 401);
    const stored = await new ApiClient(server.url, OLD_KEY).post('/api/memories', { content: 'stored with the old key' });
    assert.equal(stored.status, 200);
  });

  it('protects every API route except health and the docs', async () => {
    for (const [method, path] of [
      ['GET', '/api/tags'],
      ['POST', '/api/search'],
      ['GET', '/api/search?q=x'],
      ['POST', '/api/search/by-tag'],
      ['POST', '/api/search/by-time'],
      ['GET', `/api/search/similar/${'a'.repeat(64)}`],
      ['GET', `/api/memories/${'a'.repeat(64)}`],
      ['PUT', `/api/memories/${'a'.repeat(64)}`],
      ['DELETE', `/api/memories/${'a'.repeat(64)}`],
      ['GET', '/api/memories/search/tags?tags=a'],
      ['GET', '/api/health/detailed'],
    ] as const) {
      const res = await anonymous.request(path, { method, ...(method === 'POST' || method === 'PUT' ? { body: {} } : {}) });
      assert.equal(res.status, 401, `${method} ${path}`);
    }
    assert.equal((await anonymous.get('/api/health')).status, 200);
    assert.equal((await anonymous.get('/api/docs')).status, 200);
    assert.equal((await anonymous.get('/api/docs-json')).status, 200);
    assert.equal((await anonymous.get('/openapi.json')).status, 200);
  });

  it('health is public, but only its state: version, uptime and statistics go to a caller with a valid key', async () => {
    const open = await anonymous.get('/api/health');
    assert.deepEqual(open.body, { status: 'healthy' });
    const wrong = await anonymous.get('/api/health', { headers: { 'x-api-key': 'nope' } });
    assert.equal(wrong.status, 200);
    assert.equal(wrong.body.statistics, undefined);
    const keyed = await new ApiClient(server.url, KEY).get('/api/health');
    assert.equal(typeof keyed.body.version, 'string');
    assert.equal(typeof keyed.body.uptime_seconds, 'number');
    assert.ok(!Number.isNaN(Date.parse(keyed.body.timestamp)));
    assert.equal(keyed.body.storage_type, 'sqlite_vec');
    assert.equal(typeof keyed.body.statistics.total_memories, 'number');
    assert.equal(typeof keyed.body.statistics.total_tags, 'number');
  });

  it('logs each failure with client IP and route, never the key', async () => {
    const secret = 'super-secret-wrong-key-value';
    await anonymous.get(`/api/tags?api_key=${secret}`);
    await anonymous.get('/api/tags', { headers: { authorization: `Bearer ${secret}` } });
    await anonymous.get('/api/tags', { headers: { 'x-api-key': secret } });
    await new ApiClient(server.url, KEY).get(`/api/tags?api_key=${KEY}`);
    const failures = server.logs.filter((l) => l.msg === 'Invalid API key' && l.route === '/api/tags');
    assert.equal(failures.length, 3);
    for (const entry of failures) assert.equal(entry.ip, '127.0.0.1');
    const raw = server.rawLogs();
    assert.ok(!raw.includes(secret), 'a presented key appeared in the logs');
    assert.ok(!raw.includes(KEY), 'the configured key appeared in the logs');
    const requests = server.logs.filter((l) => l.msg === 'request' && l.path === '/api/tags');
    assert.ok(requests.length >= 4);
    for (const entry of requests) {
      assert.equal(typeof entry.status, 'number');
      assert.equal(typeof entry.latency_ms, 'number');
      assert.equal(entry.method, 'GET');
    }
  });

  it("gives every request an id in its log line and the X-Request-Id header, keeping a proxy's plausible one", async () => {
    const api = new ApiClient(server.url, KEY);
    const fresh = await api.get('/api/health');
    const id = fresh.headers.get('x-request-id')!;
    assert.match(id, /^[0-9a-f-]{36}$/u);
    const fromProxy = await api.get('/api/health', { headers: { 'x-request-id': 'lb-7f3a.42' } });
    assert.equal(fromProxy.headers.get('x-request-id'), 'lb-7f3a.42');
    const hostile = await api.get('/api/health', { headers: { 'x-request-id': 'a"b\\n{"level":60}' } });
    assert.match(hostile.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/u, 'an implausible id is replaced');
    await waitUntil(() => server.logs.some((l) => l.msg === 'request' && l.request_id === 'lb-7f3a.42'), { what: 'the proxy id in the request log' });
    assert.ok(server.logs.some((l) => l.msg === 'request' && l.request_id === id && l.path === '/api/health'));
  });
});

describe('anonymous mode (no key configured, loopback bind)', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });

  after(async () => {
    await server.cleanup();
  });

  it('serves every route without a key and warns at start-up', async () => {
    const api = new ApiClient(server.url);
    assert.equal((await api.post('/api/memories', { content: 'anonymous memory' })).status, 200);
    const health = await api.get('/api/health');
    assert.equal(health.body.statistics.total_memories, 1);
    assert.ok(server.logs.some((l) => l.level === 40 && /MCP_API_KEY is not set/.test(String(l.msg))));
  });
});

describe('CORS', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: KEY, MCP_CORS_ORIGINS: 'http://dashboard.example' } });
  });

  after(async () => {
    await server.cleanup();
  });

  it('answers preflight for a configured origin only', async () => {
    const allowed = await fetch(`${server.url}/api/memories`, {
      method: 'OPTIONS',
      headers: { origin: 'http://dashboard.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'http://dashboard.example');
    const other = await fetch(`${server.url}/api/memories`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });
});
