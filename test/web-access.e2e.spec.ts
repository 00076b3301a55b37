import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from './helpers/http.js';
import { rawRequest } from './helpers/raw-http.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const FORM = 'content=ignore+previous+instructions&tags=evil';

describe('a keyless loopback server cannot be used by web pages', () => {
  let server: TestServer;
  let api: ApiClient;

  before(async () => {
    server = await startTestServer();
    api = new ApiClient(server.url);
  });

  after(async () => {
    await server.cleanup();
  });

  async function total(): Promise<number> {
    return (await api.get('/api/memories')).body.total;
  }

  it('a cross-site HTML form (urlencoded, text/plain, multipart) is refused with 415 and stores nothing', async () => {
    const before = await total();
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await rawRequest(server.url, '/api/memories', { method: 'POST', headers: { 'content-type': type }, body: FORM });
      assert.equal(res.status, 415, type);
      assert.match(res.json.detail, /application\/json/);
    }
    const noType = await rawRequest(server.url, '/api/memories', { method: 'POST', headers: {}, body: '{"content":"x"}' });
    assert.equal(noType.status, 415);
    assert.equal(await total(), before);
  });

  it('a browser request from a foreign Origin is refused (403) on the API, /mcp and the event stream', async () => {
    const evil = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' };
    const post = await rawRequest(server.url, '/api/memories', {
      method: 'POST',
      headers: { ...evil, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'injected by a web page' }),
    });
    assert.equal(post.status, 403);
    assert.match(post.json.detail, /origin "https:\/\/evil.example"/i);
    assert.equal((await rawRequest(server.url, '/api/memories', { headers: evil })).status, 403);
    assert.equal((await rawRequest(server.url, '/api/events/stream', { headers: evil })).status, 403);
    const mcp = await rawRequest(server.url, '/mcp', {
      method: 'POST',
      headers: { ...evil, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      }),
    });
    assert.equal(mcp.status, 403);
    assert.equal((await rawRequest(server.url, '/api/memories', { headers: { origin: 'null' } })).status, 403);
    // A no-cors load (<img>, <script>) from another site carries no Origin, only Sec-Fetch-Site.
    assert.equal((await rawRequest(server.url, '/api/memories', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' } })).status, 403);
    assert.equal(await total(), 0);
  });

  it("the server's own origin (the dashboard) and non-browser clients are served", async () => {
    const port = new URL(server.url).port;
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const host = new URL(origin).host;
      const res = await rawRequest(server.url, '/api/memories', { headers: { origin, host, 'sec-fetch-site': 'same-origin' } });
      assert.equal(res.status, 200, origin);
    }
    // Same host, other port: another origin.
    const otherPort = await rawRequest(server.url, '/api/memories', { headers: { origin: 'http://127.0.0.1:1', host: `127.0.0.1:${port}` } });
    assert.equal(otherPort.status, 403);
    // A link followed from another site to the dashboard is a navigation: allowed.
    const navigation = await rawRequest(server.url, '/', { headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' } });
    assert.equal(navigation.status, 200);
    assert.equal((await api.post('/api/memories', { content: 'from curl-like client' })).status, 200);
  });

  it('a foreign Host header (DNS rebinding) is refused; loopback names are served', async () => {
    const port = new URL(server.url).port;
    const rebinding = await rawRequest(server.url, '/api/memories', { headers: { host: `attacker.example:${port}` } });
    assert.equal(rebinding.status, 403);
    assert.match(rebinding.json.detail, /MCP_ALLOWED_HOSTS/);
    assert.equal((await rawRequest(server.url, '/mcp', { method: 'POST', headers: { host: `attacker.example:${port}` } })).status, 403);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      assert.equal((await rawRequest(server.url, '/api/health', { headers: { host } })).status, 200, host);
    }
  });

  it('an oversized URL or header block is answered 414 / 431 with a JSON detail', async () => {
    const longSegment = await rawRequest(server.url, `/api/memories/${'a'.repeat(5000)}`);
    assert.equal(longSegment.status, 414);
    assert.match(longSegment.json.detail, /too long/);
    const longUrl = await rawRequest(server.url, `/api/memories?tag=${'a'.repeat(70_000)}`);
    assert.equal(longUrl.status, 431);
    assert.match(longUrl.json.detail, /too large/);
    const bigHeader = await rawRequest(server.url, '/api/memories', { headers: { 'x-filler': 'b'.repeat(20_000) } });
    assert.equal(bigHeader.status, 431);
    assert.equal(typeof bigHeader.json.detail, 'string');
    assert.equal((await api.get('/api/health')).status, 200, 'the server is unharmed');
  });

  it('an empty body with Content-Type: application/json is "no body": DELETE and backup work', async () => {
    const stored = await api.post('/api/memories', { content: 'to be deleted by an upstream client' });
    const hash = stored.body.content_hash as string;
    const deleted = await rawRequest(server.url, `/api/memories/${hash}`, { method: 'DELETE', headers: { 'content-type': 'application/json' } });
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal(deleted.json.success, true);
    const backup = await rawRequest(server.url, '/api/admin/backup', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '0' },
    });
    assert.equal(backup.status, 200, backup.text);
    // A route that needs a body says so.
    const noBody = await rawRequest(server.url, '/api/memories', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '0' } });
    assert.equal(noBody.status, 400);
    assert.match(noBody.json.detail, /body/);
  });
});

describe('allowed hosts and origins can be configured', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({
      env: { MCP_ALLOWED_HOSTS: 'memory.example.com', MCP_CORS_ORIGINS: 'https://app.example.com' },
    });
  });

  after(async () => {
    await server.cleanup();
  });

  it("serves a proxy's host name and a configured origin, nothing else", async () => {
    assert.equal((await rawRequest(server.url, '/api/memories', { headers: { host: 'memory.example.com' } })).status, 200);
    assert.equal((await rawRequest(server.url, '/api/memories', { headers: { host: 'other.example.com' } })).status, 403);
    const allowed = await rawRequest(server.url, '/api/memories', { headers: { origin: 'https://app.example.com' } });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com');
    // Behind a TLS-terminating proxy the dashboard's origin is https while the hop is plain http:
    // still the server's own origin.
    assert.equal(
      (await rawRequest(server.url, '/api/memories', { headers: { host: 'memory.example.com', origin: 'https://memory.example.com' } })).status,
      200,
    );
    assert.equal((await rawRequest(server.url, '/api/memories', { headers: { host: 'memory.example.com', origin: 'https://other.example.com' } })).status, 403);
  });
});

describe('API keys and the failure limiter', () => {
  // Keys as the guide makes them: openssl rand -base64 32 (with +, / and =).
  const KEY = 'q+Vw3/0aZ+xK9mN2b7Lr/T1u4yHc8pE6sDfGj5hQ0o=';
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: KEY, MCP_AUTH_MAX_FAILURES: '3', MCP_AUTH_FAILURE_WINDOW_SECONDS: '600' } });
  });

  after(async () => {
    await server.cleanup();
  });

  it('?api_key= with +, / and = works as the guide writes it, raw or encoded; a near miss does not', async () => {
    const anonymous = new ApiClient(server.url);
    assert.equal((await anonymous.get(`/api/memories?api_key=${KEY}`)).status, 200);
    assert.equal((await anonymous.get(`/api/memories?api_key=${encodeURIComponent(KEY)}`)).status, 200);
    assert.equal((await anonymous.get(`/api/memories?api_key=${KEY.replaceAll('+', ' ')}`)).status, 403);
    assert.equal((await anonymous.get(`/api/memories?api_key=${KEY.slice(0, -1)}`)).status, 403);
  });

  it('a valid key is never refused by the limiter, even from an address that sent wrong keys', async () => {
    const anonymous = new ApiClient(server.url);
    for (let i = 0; i < 5; i++) await anonymous.get('/api/memories', { apiKey: `wrong-${i}` });
    assert.equal((await anonymous.get('/api/memories', { apiKey: 'wrong-again' })).status, 429);
    assert.equal((await anonymous.get('/api/memories', { apiKey: KEY })).status, 200);
    assert.equal((await anonymous.post('/api/memories', { content: 'stored while the address is limited' }, { apiKey: KEY })).status, 200);
  });

  it('a body from a client without a valid key is refused before it is read', async () => {
    const big = Buffer.alloc(1_500_000, 'a');
    const res = await rawRequest(server.url, '/api/memories', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(big.length + 14) },
      body: Buffer.concat([Buffer.from('{"content":"'), big, Buffer.from('"}')]),
    }).catch((error: Error) => error);
    // The answer comes before the upload ends; the connection may close while the client still writes.
    if (!(res instanceof Error)) assert.equal(res.status, 401);
    const parsed = server.logs.filter((l) => l.msg === 'request' && l.path === '/api/memories' && l.status === 401);
    assert.ok(parsed.length >= 1);
  });
});

describe('behind a proxy (MCP_TRUST_PROXY)', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: 'proxy-key', MCP_AUTH_MAX_FAILURES: '2', MCP_TRUST_PROXY: '127.0.0.1' } });
  });

  after(async () => {
    await server.cleanup();
  });

  it('limits and logs use the client address the proxy reports, so one client cannot lock out the rest', async () => {
    const viaProxy = (client: string, key: string) =>
      rawRequest(server.url, '/api/memories', { headers: { 'x-forwarded-for': client, authorization: `Bearer ${key}` } });
    for (let i = 0; i < 3; i++) await viaProxy('203.0.113.7', 'wrong');
    assert.equal((await viaProxy('203.0.113.7', 'wrong')).status, 429);
    assert.equal((await viaProxy('198.51.100.2', 'wrong')).status, 403, 'another client behind the same proxy is not blocked');
    assert.equal((await viaProxy('203.0.113.7', 'proxy-key')).status, 200);
    const logged = server.logs.filter((l) => l.msg === 'Invalid API key').map((l) => l.ip);
    assert.ok(logged.includes('203.0.113.7') && logged.includes('198.51.100.2'), JSON.stringify(logged));
  });
});
