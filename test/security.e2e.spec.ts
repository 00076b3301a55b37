import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registeredRoutes } from '../src/common/route-registry.js';
import { ApiClient } from './helpers/http.js';
import { concrete, isDocsAsset, PUBLIC_ROUTES } from './helpers/routes.js';
import { waitUntil } from './helpers/wait.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const KEY = 'security-key';

describe('security', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: KEY, MCP_AUTH_MAX_FAILURES: '1000', MCP_OAUTH_ENABLED: 'true' } });
  });

  after(async () => {
    await server.cleanup();
  });

  it('every registered route outside the public list answers 401 without a key and 403 with a wrong one', async () => {
    const routes = registeredRoutes(server.app.getHttpAdapter().getInstance()).filter(
      (r) => !['HEAD', 'OPTIONS'].includes(r.method) && !PUBLIC_ROUTES.has(`${r.method} ${r.url}`) && !isDocsAsset(r.url),
    );
    assert.ok(routes.length >= 25, `only ${routes.length} routes found`);
    const anonymous = new ApiClient(server.url);
    for (const route of routes) {
      const path = concrete(route.url);
      const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined;
      const missing = await anonymous.request(path, { method: route.method, body });
      assert.equal(missing.status, 401, `${route.method} ${route.url} without a key`);
      const wrong = await anonymous.request(path, { method: route.method, body, apiKey: 'wrong-key' });
      assert.equal(wrong.status, 403, `${route.method} ${route.url} with a wrong key`);
    }
  });

  it('sends security headers on every response', async () => {
    for (const path of ['/api/health', '/api/memories', '/api/docs', '/api/nope']) {
      const res = await fetch(`${server.url}${path}`);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN', path);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/, path);
      assert.doesNotMatch(res.headers.get('content-security-policy') ?? '', /upgrade-insecure-requests/, path);
    }
  });

  it('stores SQL-looking content and tags literally', async () => {
    const api = new ApiClient(server.url, KEY);
    const content = "Robert'); DROP TABLE memories;-- and 1=1 OR '' = '' /* */ UNION SELECT * FROM service_meta";
    const tags = ["'; DELETE FROM memory_tags; --", 'x" OR "1"="1', '%', '_'];
    const stored = await api.post('/api/memories', { content, tags, metadata: { q: "'; DROP TABLE x; --" } });
    assert.equal(stored.status, 200);
    const got = await api.get(`/api/memories/${stored.body.content_hash}`);
    assert.equal(got.body.content, content);
    assert.deepEqual(
      got.body.tags,
      tags.map((t) => t.toLowerCase()),
    );
    const byTag = await api.post('/api/search/by-tag', { tags: ['%'] });
    assert.equal(byTag.body.results.length, 1, 'a % tag matches only itself, never as a wildcard');
    const underscore = await api.get(`/api/memories?tag=${encodeURIComponent('_')}`);
    assert.equal(underscore.body.total, 1);
    assert.equal((await api.get('/api/health')).body.statistics.total_memories, 1);
  });
});

describe('brute-force protection', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: KEY, MCP_AUTH_MAX_FAILURES: '3', MCP_AUTH_FAILURE_WINDOW_SECONDS: '2' } });
  });

  after(async () => {
    await server.cleanup();
  });

  it('answers 429 with Retry-After after repeated wrong keys from one address, until the window ends', async () => {
    const wrong = new ApiClient(server.url, 'guess');
    for (let i = 0; i < 3; i++) assert.equal((await wrong.get('/api/memories')).status, 403);
    const limited = await wrong.get('/api/memories');
    assert.equal(limited.status, 429);
    assert.match(limited.body.detail, /Too many failed authentication attempts/);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal((await new ApiClient(server.url, KEY).get('/api/memories')).status, 200, 'a right key is never refused by the limiter');
    assert.equal((await new ApiClient(server.url).get('/api/health')).status, 200, 'health stays reachable');
    // When the window ends, wrong keys are answered 403 again (not 429).
    let status = 429;
    await waitUntil(async () => (status = (await wrong.get('/api/memories')).status) !== 429, { what: 'the failure window to end' });
    assert.equal(status, 403);
  });
});
