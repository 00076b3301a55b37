import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { keyDigest } from '../src/auth/keys-file.js';
import { ApiClient } from './helpers/http.js';
import { callTool, textOf } from './helpers/mcp-client.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { makeTempDir, startTestServer, type TestServer } from './helpers/test-server.js';

const ADMIN = 'hardening-admin-key-0123456789';
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

interface Report {
  imported: number;
  duplicates: number;
  refused: number;
  refusals: { source: string; content_hash: string | null; reason: string }[];
}

/** A value nested `depth` objects deep: {"a":{"a":...{"a":1}}}. */
const nested = (depth: number): unknown => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

describe('what a hostile client of import and update can still try', () => {
  let server: TestServer;
  let api: ApiClient;

  const importLines = (lines: unknown[]) =>
    api.request<Report>('/api/admin/import/jsonl', {
      method: 'POST',
      rawBody: lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n'),
      headers: { 'content-type': 'application/x-ndjson' },
    });

  before(async () => {
    server = await startTestServer({ env: { MCP_API_KEY: ADMIN } });
    api = new ApiClient(server.url, ADMIN);
  });
  after(async () => {
    await server.cleanup();
  });

  it('refuses a line whose metadata nests thousands deep on its own, and imports the rest', async () => {
    // Built as text: nothing in this test walks the value recursively either.
    const deep = `{"content":"deep metadata line","metadata":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const res = await importLines([{ content: 'a line before the deep one' }, deep, { content: 'a line after the deep one' }]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.imported, 2);
    assert.deepEqual(
      res.body.refusals.map((r) => [r.source, r.reason]),
      [['line 2', 'metadata: metadata nests deeper than 24 levels']],
    );
  });

  it('applies the same nesting bound to metadata on REST and MCP: a clear 400 or tool error, never a crash', async () => {
    const rest = await api.post('/api/memories', { content: 'nested through REST', metadata: nested(25) as Record<string, unknown> });
    assert.equal(rest.status, 400);
    assert.match(rest.body.detail, /nests deeper than 24 levels/);
    assert.equal((await api.post('/api/memories', { content: 'nested just enough', metadata: nested(24) as Record<string, unknown> })).status, 200);
    const client = new Client({ name: 'hardening', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${ADMIN}` } } }));
    try {
      const result = await callTool(client, 'memory_store', { content: 'nested through MCP', metadata: nested(25) });
      assert.equal(result.isError, true);
      assert.match(textOf(result), /nests deeper than 24 levels/);
      // Far deeper, the request body itself is refused before anything reads it.
      await assert.rejects(
        callTool(client, 'memory_store', { content: 'nested far deeper', metadata: nested(1000) }),
        /400.*nests deeper than 32 levels|nests deeper than 32 levels/s,
      );
    } finally {
      await client.close();
    }
  });

  it('recomputes a given content hash: a line claiming another hash is refused with its line number, and cannot squat that hash', async () => {
    const squatted = 'The quarterly report is due on Friday';
    const res = await importLines([
      { content: 'Planted under a made-up hash', content_hash: '0'.repeat(64) },
      { content: 'Planted under the hash of other content', content_hash: sha256(squatted.toLowerCase()) },
      { content: 'An honest line', content_hash: sha256('an honest line') },
      { content: 'A line without a hash' },
    ]);
    assert.equal(res.status, 200);
    assert.equal(res.body.imported, 2);
    assert.equal(res.body.refused, 2);
    assert.deepEqual(
      res.body.refusals.map((r) => r.source),
      ['line 1', 'line 2'],
    );
    assert.ok(res.body.refusals.every((r) => /content_hash .* does not match the content/.test(r.reason)));
    assert.equal((await api.get(`/api/memories/${'0'.repeat(64)}`)).status, 404);
    // The content whose hash was claimed is stored as new, not reported as a duplicate.
    const stored = await api.post('/api/memories', { content: squatted });
    assert.equal(stored.body.success, true, JSON.stringify(stored.body));
  });

  it("accepts upstream's earlier content-and-metadata hash, so exports of memories migrated from old upstream databases import again", async () => {
    const content = 'Migrated from an old upstream database';
    const metadata = { source: 'upstream', n: 2, tags_note: 'caf\u00e9' };
    const legacy = sha256(`${content.toLowerCase()}${'{"n": 2, "source": "upstream", "tags_note": "caf\\u00e9"}'}`);
    const res = await importLines([{ content, metadata, content_hash: legacy }]);
    assert.deepEqual([res.body.imported, res.body.refused], [1, 0], JSON.stringify(res.body.refusals));
    assert.equal((await api.get(`/api/memories/${legacy}`)).body.content, content);
  });

  it('never takes stored_by from a client: not on store, not on update (REST or MCP), and keeps the one the server recorded', async () => {
    const stored = await api.post('/api/memories', { content: 'Who stored me?', metadata: { stored_by: 'admin1', kept: true } });
    const hash = stored.body.content_hash as string;
    assert.deepEqual((await api.get(`/api/memories/${hash}`)).body.metadata, { kept: true });
    const forged = await api.put(`/api/memories/${hash}`, { metadata: { stored_by: 'admin1', note: 'changed' } });
    assert.equal(forged.status, 200);
    assert.deepEqual((await api.get(`/api/memories/${hash}`)).body.metadata, { kept: true, note: 'changed' });
    const client = new Client({ name: 'hardening', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${ADMIN}` } } }));
    try {
      await callTool(client, 'memory_update', { content_hash: hash, updates: { stored_by: 'admin1', metadata: { stored_by: 'admin1' } } });
      const viaTool = await callTool(client, 'memory_store', { content: 'Stored by a tool', metadata: { stored_by: 'admin1' } });
      const toolHash = (viaTool.structuredContent as { content_hash: string }).content_hash;
      assert.equal((await api.get(`/api/memories/${toolHash}`)).body.metadata.stored_by, undefined);
    } finally {
      await client.close();
    }
    assert.equal((await api.get(`/api/memories/${hash}`)).body.metadata.stored_by, undefined);
  });

  it('refuses a tag with a comma on every way in, since ?tag= could never find it again', async () => {
    const res = await api.post('/api/memories', { content: 'A memory with a comma tag', tags: ['project,alpha'] });
    assert.equal(res.status, 400);
    assert.match(res.body.detail, /must not contain a comma/);
    const plain = await api.post('/api/memories', { content: 'A memory with plain tags', tags: ['project', 'alpha'] });
    assert.equal((await api.put(`/api/memories/${plain.body.content_hash}`, { tags: ['a,b'] })).status, 400);
    const imported = await importLines([{ content: 'An imported comma tag', tags: ['x,y'] }]);
    assert.equal(imported.body.refused, 1);
    assert.match(imported.body.refusals[0]!.reason, /comma/);
    // What is stored is found by each of its tags.
    const found = await api.get('/api/memories?tag=alpha');
    assert.ok(found.body.memories.some((m: { content_hash: string }) => m.content_hash === plain.body.content_hash));
  });

  it('refuses to restore a backup that is a link to the live database, saying so (4xx), and the database is untouched', async () => {
    const made = await api.post('/api/admin/backup', {});
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const id = made.body.backup_id as string;
    const file = made.body.file as string;
    unlinkSync(file);
    symlinkSync(server.dbPath, file);
    const restore = await api.post('/api/admin/restore', { backup_id: id });
    assert.equal(restore.status, 422, JSON.stringify(restore.body));
    assert.match(restore.body.detail, /is a symbolic link/);
    assert.equal((await api.get('/api/health')).status, 200);
    assert.equal((await api.post('/api/memories', { content: 'Still writable after the refused restore' })).status, 200);
  });
});

describe('killed backups and the keys file at start-up', () => {
  it("removes a killed backup's partial file when the server starts again, and never lists it", async () => {
    const server = await startTestServer({ env: { MCP_API_KEY: ADMIN } });
    let second: TestServer | null = null;
    try {
      const made = await new ApiClient(server.url, ADMIN).post('/api/admin/backup', {});
      const dir = join(made.body.file as string, '..');
      await server.stop();
      // What a backup killed halfway leaves: the partial copy, named with the process that wrote it.
      const partial = join(dir, `backup-20260101-000000.${process.pid + 100_000}.db.partial`);
      writeFileSync(partial, Buffer.alloc(1_048_576));
      second = await startTestServer({ dir: server.dir, env: { MCP_API_KEY: ADMIN } });
      assert.equal(existsSync(partial), false);
      assert.ok(!readdirSync(dir).some((name) => name.endsWith('.partial')));
      const listed = await new ApiClient(second.url, ADMIN).get('/api/admin/backups');
      assert.deepEqual(
        listed.body.backups.map((b: { backup_id: string }) => b.backup_id),
        [made.body.backup_id],
      );
    } finally {
      await second?.stop();
      await server.cleanup();
    }
  });

  it('stops start-up when MCP_API_KEYS_FILE does not exist, naming the path (no open server that answers 401 to all)', async () => {
    const dir = makeTempDir();
    const missing = join(dir, 'no-such-keys.yaml');
    try {
      await assert.rejects(startTestServer({ dir, env: { MCP_API_KEYS_FILE: missing } }), (error: Error) => error.message.includes(missing));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a keys file that holds plain keys and is readable by group or others; digests may be read', async () => {
    const dir = makeTempDir();
    const file = join(dir, 'keys.yaml');
    writeFileSync(file, 'keys:\n  - label: ops\n    key: plain-key-0123456789abcdef\n    scopes: [read]\n');
    chmodSync(file, 0o644);
    await assert.rejects(
      startTestServer({ dir, env: { MCP_API_KEYS_FILE: file } }),
      /holds keys in clear and is readable by anyone on this machine \(mode 0644\): run chmod 600/,
    );
    chmodSync(file, 0o640);
    await assert.rejects(startTestServer({ dir, env: { MCP_API_KEYS_FILE: file } }), /readable by its group/);
    chmodSync(file, 0o600);
    const server = await startTestServer({ dir, env: { MCP_API_KEYS_FILE: file } });
    try {
      assert.equal((await new ApiClient(server.url, 'plain-key-0123456789abcdef').get('/api/memories')).status, 200);
    } finally {
      await server.stop();
    }
    writeFileSync(file, `keys:\n  - label: ops\n    sha256: ${keyDigest('plain-key-0123456789abcdef')}\n    scopes: [read]\n`);
    chmodSync(file, 0o644);
    const digests = await startTestServer({ dir, env: { MCP_API_KEYS_FILE: file } });
    await digests.cleanup();
    assert.equal(existsSync(dir), false);
  });

  it('reads expires as a date or an ISO date-time, and refuses anything else (99999 is not the year 99999)', async () => {
    const dir = makeTempDir();
    const file = join(dir, 'keys.yaml');
    const entry = (expires: string) => `keys:\n  - label: ops\n    sha256: ${'a'.repeat(64)}\n    scopes: [read]\n    expires: ${expires}\n`;
    for (const bad of ['99999', '"99999"', 'tomorrow', '"2027-13-40"', 'true']) {
      writeFileSync(file, entry(bad), { mode: 0o600 });
      await assert.rejects(startTestServer({ dir, env: { MCP_API_KEYS_FILE: file } }), /expires must be a date \(2027-01-31\) or an ISO 8601 date-time/, bad);
    }
    for (const good of ['2027-01-31', '2027-01-31T12:00:00Z', '"2027-01-31T12:00:00+02:00"']) {
      writeFileSync(file, entry(good), { mode: 0o600 });
      const server = await startTestServer({ dir, env: { MCP_API_KEYS_FILE: file } });
      await server.stop();
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
