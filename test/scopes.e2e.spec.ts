import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { keyDigest, writeKeysFile } from '../src/auth/keys-file.js';
import type { Scope } from '../src/auth/scopes.js';
import { registeredRoutes } from '../src/common/route-registry.js';
import { spawnCli } from './helpers/cli-process.js';
import { ApiClient } from './helpers/http.js';
import { concrete, isDocsAsset, PUBLIC_ROUTES } from './helpers/routes.js';
import { callTool, textOf } from './helpers/mcp-client.js';
import { SseReader } from './helpers/sse-reader.js';
import { waitUntil } from './helpers/wait.js';
import { makeTempDir, startTestServer, type TestServer } from './helpers/test-server.js';

const KEYS = {
  reader: 'reader-key-0123456789abcdef',
  writer: 'writer-key-0123456789abcdef',
  admin: 'admin-key-0123456789abcdefgh',
  both: 'read-write-key-0123456789abc',
  expired: 'expired-key-0123456789abcdef',
  scraper: 'scraper-key-0123456789abcdef',
};
const SCOPES_OF: Record<'reader' | 'writer' | 'admin' | 'scraper', Scope> = { reader: 'read', writer: 'write', admin: 'admin', scraper: 'metrics' };

/** What each route should need, by rule (not read from the code): admin surfaces, reads, writes; /metrics also takes a metrics key. */
function expectedScopes(method: string, url: string): Scope[] {
  if (url === '/metrics') return ['admin', 'metrics'];
  if (url.startsWith('/api/admin') || url.startsWith('/api/backup') || url.startsWith('/api/oauth')) return ['admin'];
  // upstream's management and process-memory routes need write, reads included; documents too.
  if (url.startsWith('/api/manage') || url === '/api/memory-stats' || url.startsWith('/api/documents')) return ['write'];
  if (url === '/mcp' || method === 'GET' || url.startsWith('/api/search')) return ['read'];
  return ['write'];
}
/** Status (and detail of a refusal) without reading a stream to its end. */
async function probe(base: string, method: string, path: string, key: string): Promise<{ status: number; detail: string | null }> {
  const controller = new AbortController();
  const body = ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined;
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      accept: 'application/json, text/event-stream',
      ...(body
        ? {
            'content-type': path.endsWith('/jsonl') ? 'application/x-ndjson' : path.endsWith('upload') ? 'multipart/form-data; boundary=x' : 'application/json',
          }
        : {}),
    },
    body,
    signal: controller.signal,
  });
  let detail: string | null = null;
  if (res.status === 401 || res.status === 403) detail = ((await res.json()) as { detail: string }).detail;
  controller.abort();
  return { status: res.status, detail };
}

async function mcpClient(url: string, key: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } });
  const client = new Client({ name: 'scopes-tests', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

describe('scoped keys (MCP_API_KEYS_FILE)', () => {
  const dir = makeTempDir();
  const keysFile = join(dir, 'keys.yaml');
  let server: TestServer;

  before(async () => {
    writeKeysFile(keysFile, [
      { label: 'reader', sha256: keyDigest(KEYS.reader), scopes: ['read'], expires: null, created: null },
      { label: 'writer', sha256: keyDigest(KEYS.writer), scopes: ['write'], expires: null, created: null },
      { label: 'admin', sha256: keyDigest(KEYS.admin), scopes: ['admin'], expires: null, created: null },
      { label: 'both', sha256: keyDigest(KEYS.both), scopes: ['read', 'write'], expires: '2999-01-01T00:00:00Z', created: null },
      { label: 'expired', sha256: keyDigest(KEYS.expired), scopes: ['read'], expires: '2020-01-01T00:00:00Z', created: null },
      { label: 'scraper', sha256: keyDigest(KEYS.scraper), scopes: ['metrics'], expires: null, created: null },
    ]);
    server = await startTestServer({
      env: { MCP_API_KEYS_FILE: keysFile, MCP_METRICS_ENABLED: 'true', MCP_OAUTH_ENABLED: 'true', MCP_AUTH_MAX_FAILURES: '100000' },
    });
  });
  after(async () => {
    await server.cleanup();
  });

  it('every route needs its scope: a key without it gets 403 naming the scope, with it never 401/403 (routes from the route table)', async () => {
    const routes = registeredRoutes(server.app.getHttpAdapter().getInstance()).filter(
      (r) => !['HEAD', 'OPTIONS'].includes(r.method) && !PUBLIC_ROUTES.has(`${r.method} ${r.url}`) && !isDocsAsset(r.url),
    );
    assert.ok(routes.length >= 30, `only ${routes.length} routes`);
    for (const route of routes) {
      const needed = expectedScopes(route.method, route.url);
      for (const [name, scope] of Object.entries(SCOPES_OF) as ['reader' | 'writer' | 'admin' | 'scraper', Scope][]) {
        const { status, detail } = await probe(server.url, route.method, concrete(route.url), KEYS[name]);
        const what = `${route.method} ${route.url} with the ${scope} key`;
        if (needed.includes(scope)) assert.ok(status !== 401 && status !== 403, `${what}: ${status} ${detail}`);
        else {
          assert.equal(status, 403, what);
          assert.match(detail ?? '', new RegExp(`"${name}" lacks the ${needed.join(' or ')} scope`), what);
        }
      }
    }
  });

  it('no anonymous access with a keys file; an expired key is refused; stored_by and logs carry the label, never the key', async () => {
    assert.equal((await new ApiClient(server.url).get('/api/memories')).status, 401);
    const expired = await new ApiClient(server.url, KEYS.expired).get('/api/memories');
    assert.equal(expired.status, 403);
    assert.equal(expired.body.detail, 'Expired API key');
    const stored = await new ApiClient(server.url, KEYS.writer).post('/api/memories', { content: 'Stored by the writer key', metadata: { n: 1 } });
    assert.equal(stored.status, 200);
    const read = await new ApiClient(server.url, KEYS.reader).get(`/api/memories/${stored.body.content_hash}`);
    assert.deepEqual(read.body.metadata, { n: 1, stored_by: 'writer' });
    assert.ok(server.logs.some((line) => line.msg === 'request' && line.key === 'writer' && line.path === '/api/memories'));
    for (const key of Object.values(KEYS)) assert.ok(!server.rawLogs().includes(key), 'no key in the logs');
  });

  it('GET /api/admin/keys lists the keys in force with their use, never a key or digest', async () => {
    await new ApiClient(server.url, KEYS.reader).get('/api/tags');
    const res = await new ApiClient(server.url, KEYS.admin).get('/api/admin/keys');
    assert.equal(res.status, 200);
    const reader = res.body.keys.find((k: { label: string }) => k.label === 'reader');
    assert.deepEqual(
      { ...reader, requests: 0, last_used_at: null },
      { label: 'reader', scopes: ['read'], source: 'keys_file', expires_at: null, expired: false, requests: 0, last_used_at: null, spaces: null },
    );
    assert.ok(reader.requests >= 1 && Date.parse(reader.last_used_at) > 0);
    assert.equal(res.body.keys.find((k: { label: string }) => k.label === 'expired').expired, true);
    for (const key of Object.values(KEYS)) assert.ok(!JSON.stringify(res.body).includes(key) && !JSON.stringify(res.body).includes(keyDigest(key)));
  });

  it('events carry the label of the labelled key behind each change as actor (a reader may follow them)', async () => {
    const events = await SseReader.open(`${server.url}/api/events/stream`, { authorization: `Bearer ${KEYS.reader}` });
    try {
      const writer = new ApiClient(server.url, KEYS.writer);
      const stored = await writer.post('/api/memories', { content: 'A memory whose events name their actor' });
      assert.equal((await new ApiClient(server.url, KEYS.both).put(`/api/memories/${stored.body.content_hash}`, { tags: ['x'] })).status, 200);
      assert.equal((await writer.delete(`/api/memories/${stored.body.content_hash}`)).status, 200);
      const hash = stored.body.content_hash as string;
      await events.waitFor((r) => r.events.filter((e) => e.data.content_hash === hash).length === 3, 30_000);
      assert.deepEqual(
        events.events.filter((e) => e.data.content_hash === hash).map((e) => [e.data.type, e.data.actor]),
        [
          ['memory_stored', 'writer'],
          ['memory_updated', 'both'],
          ['memory_deleted', 'writer'],
        ],
      );
    } finally {
      events.close();
    }
  });

  it('MCP: a read key lists only the read-only tools and is refused the others, naming the scope; tools come from the full list', async () => {
    const full = await mcpClient(server.url, KEYS.both);
    const reader = await mcpClient(server.url, KEYS.reader);
    try {
      const all = (await full.listTools()).tools;
      const readOnly = all.filter((t) => t.annotations?.readOnlyHint === true).map((t) => t.name);
      assert.ok(readOnly.length >= 3 && readOnly.length < all.length);
      assert.deepEqual(
        (await reader.listTools()).tools.map((t) => t.name),
        readOnly,
      );
      for (const tool of all.filter((t) => !readOnly.includes(t.name))) {
        const refused = await callTool(reader, tool.name, { content: 'x', content_hash: 'a'.repeat(64), turns: [{ role: 'user', content: 'x' }] });
        assert.equal(refused.isError, true, tool.name);
        assert.match(textOf(refused), new RegExp(`"reader" lacks the write scope that ${tool.name} needs`));
      }
      const stored = await callTool(full, 'memory_store', { content: 'Stored over MCP by the read-write key' });
      assert.equal(stored.isError, undefined, textOf(stored));
      assert.equal((stored.structuredContent as { memory: { metadata: Record<string, unknown> } }).memory.metadata.stored_by, 'both');
      assert.equal((await callTool(reader, 'memory_search', { query: 'read-write key' })).isError, undefined);
    } finally {
      await full.close();
      await reader.close();
    }
    const writerOnly = await probe(server.url, 'POST', '/mcp', KEYS.writer);
    assert.equal(writerOnly.status, 403, 'MCP needs read');
  });

  it('mcp-memory keys add prints a key once (the file keeps its SHA-256), the server takes it; list; revoke, the server refuses it', async () => {
    const env = { MCP_API_KEYS_FILE: keysFile, LOG_LEVEL: 'warn' };
    const add = spawnCli(['keys', 'add', '--label', 'ci-bot', '--scopes', 'read,write', '--json'], env);
    assert.equal(await add.exited(), 0, add.stderr());
    const { key } = JSON.parse(add.stdout()) as { key: string };
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(keysFile, 'utf8');
    assert.ok(!text.includes(key) && text.includes(keyDigest(key)), 'only the digest is kept');
    const api = new ApiClient(server.url, key);
    const until = (status: number): Promise<void> =>
      waitUntil(async () => (await api.get('/api/memories')).status === status, { what: `the key to be answered ${status}` });
    await until(200);
    const list = spawnCli(['keys', 'list', '--json'], env);
    assert.equal(await list.exited(), 0);
    const listed = JSON.parse(list.stdout()) as { keys: { label: string; scopes: string[]; expired: boolean }[] };
    assert.deepEqual(listed.keys.find((k) => k.label === 'ci-bot')?.scopes, ['read', 'write']);
    assert.equal(listed.keys.find((k) => k.label === 'expired')?.expired, true);
    assert.ok(!list.stdout().includes(keyDigest(KEYS.reader)), 'no digests listed');
    const duplicate = spawnCli(['keys', 'add', '--label', 'ci-bot', '--scopes', 'read'], env);
    assert.equal(await duplicate.exited(), 1);
    const badScope = spawnCli(['keys', 'add', '--label', 'x', '--scopes', 'root'], env);
    assert.equal(await badScope.exited(), 1);
    assert.match(badScope.stderr(), /--scopes takes read, write, admin, metrics/);
    const revoke = spawnCli(['keys', 'revoke', 'ci-bot'], env);
    assert.equal(await revoke.exited(), 0, revoke.stderr());
    await until(403);
  });

  it('mcp-memory keys add --write-spaces/--read-spaces binds a key to spaces: its writes go to its default, list shows them', async () => {
    const env = { MCP_API_KEYS_FILE: keysFile, LOG_LEVEL: 'warn' };
    const add = spawnCli(['keys', 'add', '--label', 'team-bot', '--scopes', 'read,write', '--write-spaces', 'team', '--read-spaces', 'docs', '--json'], env);
    assert.equal(await add.exited(), 0, add.stderr());
    const { key, spaces } = JSON.parse(add.stdout()) as { key: string; spaces: unknown };
    assert.deepEqual(spaces, { write: ['team'], read: ['docs'] });
    const api = new ApiClient(server.url, key);
    await waitUntil(async () => (await api.get('/api/spaces')).status === 200, { what: 'the new key to be taken' });
    const stored = await api.post('/api/memories', { content: 'Stored by a key bound to the team space' });
    assert.equal(stored.body.memory.space, 'team');
    assert.equal((await api.post('/api/memories', { content: 'Into docs', space: 'docs' })).status, 403);
    const list = spawnCli(['keys', 'list'], env);
    assert.equal(await list.exited(), 0);
    assert.match(list.stdout(), /team-bot .*writes team,~team-bot \(default team\), reads docs/);
    assert.match(list.stdout(), /reader .* all/);
    const bad = spawnCli(['keys', 'add', '--label', 'y', '--scopes', 'read', '--read-spaces', 'all'], env);
    assert.equal(await bad.exited(), 1);
    assert.match(bad.stderr(), /--read-spaces takes space names/);
  });
});
