import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { keyDigest, writeKeysFile } from '../src/auth/keys-file.js';
import { ApiClient } from './helpers/http.js';
import { callTool, textOf } from './helpers/mcp-client.js';
import { makeTempDir, startTestServer, type TestServer } from './helpers/test-server.js';

/**
 * The upstream service's published security advisories, each replayed against this server as a
 * regression test: what let an attacker in there is refused here.
 */
const KEYS = { admin: 'advisory-admin-key-0123456789ab', reader: 'advisory-reader-key-0123456789', writer: 'advisory-writer-key-0123456789' };

async function mcpClient(server: TestServer, key: string): Promise<Client> {
  const client = new Client({ name: 'advisories', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  return client;
}

describe("upstream's advisories, replayed", () => {
  let server: TestServer;
  let dir: string;
  const anonymous = () => new ApiClient(server.url);

  before(async () => {
    dir = makeTempDir();
    const keysFile = join(dir, 'keys.yaml');
    writeKeysFile(keysFile, [
      { label: 'admin', sha256: keyDigest(KEYS.admin), scopes: ['admin', 'read', 'write'], expires: null, created: null },
      { label: 'reader', sha256: keyDigest(KEYS.reader), scopes: ['read'], expires: null, created: null },
      { label: 'writer', sha256: keyDigest(KEYS.writer), scopes: ['read', 'write'], expires: null, created: null },
    ]);
    server = await startTestServer({ dir, env: { MCP_API_KEYS_FILE: keysFile, MCP_OAUTH_ENABLED: 'true', MCP_AUTH_MAX_FAILURES: '100000' } });
  });
  after(async () => {
    await server.cleanup();
  });

  it('document and file routes: none answers without a key, and none reads a file named by the caller', async () => {
    const secret = join(dir, 'secret.txt');
    writeFileSync(secret, 'TOP-SECRET-CONTENT');
    for (const [method, path] of [
      ['GET', '/api/documents'],
      ['POST', '/api/documents/upload'],
      ['GET', `/api/documents/search?path=${encodeURIComponent(secret)}`],
      ['POST', '/api/admin/import'],
      ['GET', '/api/admin/export'],
    ] as const) {
      const res = await anonymous().request(path, { method, ...(method === 'POST' ? { body: { path: secret } } : {}) });
      assert.ok([401, 404].includes(res.status), `${method} ${path}: ${res.status}`);
      assert.doesNotMatch(JSON.stringify(res.body), /TOP-SECRET-CONTENT/);
    }
    // Even an admin's import of a file that is not a memory store never echoes its content.
    const admin = await new ApiClient(server.url, KEYS.admin).post('/api/admin/import', { path: secret });
    assert.deepEqual([admin.status, admin.body.imported], [200, 0]);
    assert.doesNotMatch(JSON.stringify(admin.body), /TOP-SECRET-CONTENT/);
  });

  it('open client registration never yields a token by itself: no client_credentials, no code without the operator', async () => {
    const registered = await anonymous().post('/register', {
      client_name: 'drive-by',
      redirect_uris: ['https://attacker.example/cb'],
      grant_types: ['client_credentials', 'authorization_code'],
      token_endpoint_auth_method: 'client_secret_post',
    });
    assert.equal(registered.status, 201);
    const { client_id: clientId, client_secret: secret } = registered.body as { client_id: string; client_secret: string };
    const form = (fields: Record<string, string>) => ({
      method: 'POST',
      rawBody: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const credentials = await anonymous().request(
      '/token',
      form({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: 'read write' }),
    );
    assert.equal(credentials.status, 400);
    assert.equal(credentials.body.access_token, undefined);
    const guessedCode = await anonymous().request(
      '/token',
      form({ grant_type: 'authorization_code', code: 'guess', code_verifier: 'v'.repeat(43), client_id: clientId, client_secret: secret }),
    );
    assert.equal(guessedCode.status, 400);
    assert.equal(guessedCode.body.access_token, undefined);
    // The authorization request waits for an operator: the client gets the consent page, not a code.
    const start = await fetch(`${server.url}/authorize?response_type=code&client_id=${clientId}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`, {
      redirect: 'manual',
    });
    assert.equal(new URL(start.headers.get('location')!).pathname, '/oauth-consent.html');
  });

  it('filesystem-path tools: no tool over MCP takes a path, and the upstream names that did answer that they are not offered', async () => {
    const client = await mcpClient(server, KEYS.writer);
    try {
      const tools = (await client.listTools()).tools;
      for (const tool of tools) {
        const names = Object.keys((tool.inputSchema as { properties?: Record<string, unknown> }).properties ?? {});
        assert.ok(!names.some((name) => /path|file|dir/i.test(name)), `${tool.name} takes ${names.join(', ')}`);
      }
      for (const [name, args] of [
        ['memory_ingest', { file_path: '/etc/passwd' }],
        ['ingest_document', { file_path: '/etc/passwd' }],
        ['ingest_directory', { directory_path: '/etc' }],
      ] as const) {
        const result = await callTool(client, name, args);
        assert.equal(result.isError, true, name);
        assert.doesNotMatch(textOf(result), /root:/, name);
      }
    } finally {
      await client.close();
    }
    // The REST import of a server-side path needs the admin scope.
    assert.equal((await new ApiClient(server.url, KEYS.writer).post('/api/admin/import', { path: '/etc/passwd' })).status, 403);
  });

  it('the event streams and the MCP transport need a key like every other route', async () => {
    for (const path of ['/api/events', '/api/events/stream', '/mcp', '/sse']) {
      const res = await fetch(`${server.url}${path}`, { headers: { accept: 'text/event-stream' } });
      assert.ok([401, 404].includes(res.status), `${path}: ${res.status}`);
      await res.body?.cancel();
    }
    const post = await anonymous().post('/mcp', {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'memory_store', arguments: { content: 'anonymous write' } },
    });
    assert.equal(post.status, 401);
    const found = await new ApiClient(server.url, KEYS.admin).post('/api/search', { query: 'anonymous write', mode: 'exact' });
    assert.equal(found.body.results.length, 0);
  });

  it('a read-scope client cannot call a write tool, over MCP or REST, and nothing is written', async () => {
    const client = await mcpClient(server, KEYS.reader);
    try {
      assert.ok((await client.listTools()).tools.every((tool) => tool.annotations?.readOnlyHint === true));
      for (const [name, args] of [
        ['memory_store', { content: 'written with a read key' }],
        ['memory_delete', { tags: ['anything'] }],
        ['memory_update', { content_hash: 'a'.repeat(64), updates: { tags: ['x'] } }],
        ['store_memory', { content: 'written with a read key (old name)' }],
      ] as const) {
        const result = await callTool(client, name, args);
        assert.equal(result.isError, true, name);
        assert.match(textOf(result), /lacks the write scope/, name);
      }
    } finally {
      await client.close();
    }
    assert.equal((await new ApiClient(server.url, KEYS.reader).post('/api/memories', { content: 'written with a read key' })).status, 403);
    const found = await new ApiClient(server.url, KEYS.admin).post('/api/search', { query: 'written with a read key', mode: 'exact' });
    assert.equal(found.body.results.length, 0);
  });

  it('health without a key says whether it is up, nothing about the backend', async () => {
    const health = await anonymous().get('/api/health');
    assert.equal(health.status, 200);
    const text = JSON.stringify(health.body);
    for (const detail of [server.dbPath, 'sqlite', 'database_path', 'embedding', 'statistics', 'pragmas', 'total_memories']) {
      assert.ok(!text.includes(detail), `anonymous health mentions ${detail}: ${text}`);
    }
    assert.equal((await anonymous().get('/api/health/detailed')).status, 401);
  });

  it('API keys never reach the logs, whichever way they are sent', async () => {
    const secret = KEYS.writer;
    await new ApiClient(server.url).get(`/api/memories?api_key=${secret}`);
    await new ApiClient(server.url).get('/api/memories', { headers: { 'x-api-key': secret } });
    await new ApiClient(server.url, secret).get('/api/memories');
    await new ApiClient(server.url).get('/api/memories?api_key=wrong-key-but-still-secret-0123');
    const logs = server.rawLogs();
    assert.ok(logs.includes('"path":"/api/memories"'), 'the requests were logged');
    assert.ok(!logs.includes(secret), 'no valid key in the logs');
    assert.ok(!logs.includes('wrong-key-but-still-secret-0123'), 'no wrong key in the logs either');
    assert.ok(!readFileSync(join(dir, 'keys.yaml'), 'utf8').includes(secret), 'the keys file holds digests only');
  });
});
