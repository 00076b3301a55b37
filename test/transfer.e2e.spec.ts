import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnCli } from './helpers/cli-process.js';
import { ApiClient } from './helpers/http.js';
import { TEST_BACKENDS } from './helpers/postgres.js';
import { makeTempDir, startTestServer, type TestServer } from './helpers/test-server.js';
import { type UpstreamFixture, writeBaselineUpstreamDatabase, writeUpstreamDatabase } from './helpers/upstream-fixture.js';

const KEY = 'transfer-test-key';
const MAX_CONTENT = 1_048_576;

interface Report {
  imported: number;
  duplicates: number;
  skipped: Record<string, number>;
  refused: number;
  refusals: { source: string; content_hash: string | null; reason: string }[];
  vectors_reused: number;
  per_second: number;
}

describe('import-upstream: an upstream-schema database (CLI and admin route)', () => {
  const dir = makeTempDir();
  const upstreamPath = join(dir, 'sqlite_vec.db');
  const baselinePath = join(dir, 'baseline.db');
  const database = join(dir, 'memory.db');
  let fixture: UpstreamFixture;
  let server: TestServer | null = null;

  before(() => {
    fixture = writeUpstreamDatabase(upstreamPath, 2000, MAX_CONTENT);
    writeBaselineUpstreamDatabase(baselinePath);
  });

  after(async () => {
    await server?.cleanup();
  });

  const importUpstream = (...extra: string[]) => spawnCli(['import-upstream', upstreamPath, ...extra], { MCP_MEMORY_SQLITE_PATH: database, LOG_LEVEL: 'warn' });

  it('imports every live row, survives a kill midway and resumes, then finds nothing new', async () => {
    const first = importUpstream();
    // Killed once the first batches are committed: the next run must resume, not start over.
    await first.output('stderr', /imported ([1-9]\d*)\/\d+ entries/, 180_000);
    first.child.kill('SIGKILL');
    await first.exited();

    const second = importUpstream('--json');
    assert.equal(await second.exited(), 0, second.stderr());
    const report = JSON.parse(second.stdout()) as Report;
    assert.ok(report.duplicates >= 64, `the killed run's committed batches are skipped, not redone: ${report.duplicates}`);
    assert.equal(report.imported + report.duplicates, fixture.expected.imported);
    assert.deepEqual(report.skipped, { 'deleted upstream': fixture.expected.deleted, 'superseded upstream by a newer version': fixture.expected.superseded });
    assert.equal(report.refused, fixture.expected.refused);
    assert.deepEqual(report.refusals.map((r) => r.reason.split(':')[0]).sort(), ['content', 'content', 'metadata'], JSON.stringify(report.refusals));
    assert.ok(report.refusals.every((r) => /^row \d+$/.test(r.source) && r.content_hash !== null));
    assert.match(second.stderr(), /entries\/s|\/s/);

    const third = importUpstream();
    assert.equal(await third.exited(), 0, third.stderr());
    assert.match(third.stdout(), new RegExp(`Imported 0 memories[\\s\\S]*Already present \\(same content hash\\): ${fixture.expected.imported}`));
  });

  it('keeps hashes, times, types and metadata, normalizes tags, and the memories are found by meaning and by time', async () => {
    server = await startTestServer({ dir, env: { MCP_API_KEY: KEY, MCP_MEMORY_SQLITE_PATH: database } });
    const api = new ApiClient(server.url, KEY);
    const health = await api.get('/api/health');
    assert.equal(health.body.statistics.total_memories, fixture.expected.imported);
    const byContent = new Map(fixture.rows.map((row) => [row.content, row]));

    const row5 = fixture.rows[5]!;
    const five = (await api.get(`/api/memories/${row5.content_hash}`)).body;
    assert.equal(five.content, row5.content);
    assert.equal(five.created_at, row5.created_at);
    assert.equal(five.updated_at, row5.updated_at);
    assert.equal(five.memory_type, row5.memory_type);
    assert.deepEqual(five.metadata, JSON.parse(row5.metadata!));
    assert.deepEqual(
      five.tags,
      row5.tags!.split(',').map((t) => t.trim().toLowerCase()),
    );

    for (const [i, metadata] of [
      [13, {}],
      [29, {}],
      [31, {}],
    ] as const) {
      const row = fixture.rows[i]!;
      assert.deepEqual((await api.get(`/api/memories/${row.content_hash}`)).body.metadata, metadata, `row ${i}: ${row.metadata}`);
    }
    const noTime = fixture.rows[37]!;
    assert.equal((await api.get(`/api/memories/${noTime.content_hash}`)).body.created_at, Date.parse(noTime.created_at_iso!) / 1000);
    const oldHash = byContent.get('Hashed the old way')!;
    assert.equal((await api.get(`/api/memories/${oldHash.content_hash}`)).status, 200, 'an old-rule hash stays the id');
    assert.deepEqual((await api.get(`/api/memories/${byContent.get('Tagged with commas and spaces')!.content_hash}`)).body.tags, ['alpha', 'beta', 'gamma']);
    assert.equal(
      (await api.get(`/api/memories/${byContent.get('Only an ISO time')!.content_hash}`)).body.created_at,
      Date.parse('2024-06-01T12:00:00.5Z') / 1000,
    );
    assert.equal(
      (await api.get(`/api/memories/${byContent.get('Unicode survives: café, 東京, emoji 🚀')!.content_hash}`)).body.content,
      'Unicode survives: café, 東京, emoji 🚀',
    );
    assert.equal((await api.get(`/api/memories/${byContent.get('A deleted memory')!.content_hash}`)).status, 404);

    const target = fixture.rows[1234]!;
    const search = await api.post('/api/search', { query: target.content, n_results: 3, mode: 'semantic' });
    assert.equal(search.body.results[0].memory.content_hash, target.content_hash, 're-embedded with this model');
    const around = (seconds: number, delta: number) => new Date((seconds + delta) * 1000).toISOString();
    const window = await api.get(`/api/memories?after=${around(target.created_at!, -1)}&before=${around(target.created_at!, 1)}`);
    assert.deepEqual(
      window.body.memories.map((m: { content_hash: string }) => m.content_hash),
      [target.content_hash],
    );
  });

  it('POST /api/admin/import reads a file on the server: an older schema, and clear 400s for what is not an upstream database', async () => {
    const api = new ApiClient(server!.url, KEY);
    const baseline = await api.post('/api/admin/import', { path: baselinePath });
    assert.equal(baseline.status, 200, JSON.stringify(baseline.body));
    assert.equal(baseline.body.imported, 3);
    const tips = await api.post('/api/search', { query: 'Second memory, Python tips', n_results: 1, mode: 'exact' });
    assert.deepEqual(tips.body.results[0].memory.tags, ['python', 'tips']);
    assert.equal(tips.body.results[0].memory.created_at, 1_722_000_001);

    for (const [path, pattern] of [
      [join(dir, 'missing.db'), /cannot read .*ENOENT/],
      [database, /looks like a database of this service/],
      ['/dev/zero', /not a regular file/],
      [dir, /not a regular file/],
    ] as const) {
      const res = await api.post('/api/admin/import', { path });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.body.detail, pattern);
    }
    assert.equal((await api.post('/api/admin/import', { path: baselinePath }, { apiKey: null })).status, 401);
    // Any other file is read as JSON Lines: its lines are refused without being echoed back.
    writeFileSync(join(dir, 'not-memories.txt'), 'root:x:0:0:topsecret\nsecond line\n');
    const other = await api.post('/api/admin/import', { path: join(dir, 'not-memories.txt') });
    assert.deepEqual([other.status, other.body.imported, other.body.refused], [200, 0, 2]);
    assert.ok(!JSON.stringify(other.body).includes('topsecret'));
  });
});

const linesOf = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

for (const backend of TEST_BACKENDS)
  describe(`export and import as JSON Lines on ${backend} (round trip over HTTP)`, () => {
    const servers: TestServer[] = [];
    const start = async (): Promise<ApiClient> => {
      const server = await startTestServer({ backend, env: { MCP_API_KEY: KEY } });
      servers.push(server);
      return new ApiClient(server.url, KEY);
    };
    after(async () => {
      for (const server of servers) await server.cleanup();
    });
    const exportOf = async (api: ApiClient, withVectors: boolean): Promise<string> => {
      const res = await fetch(`${api.baseUrl}/api/admin/export${withVectors ? '?with_vectors=true' : ''}`, { headers: { authorization: `Bearer ${KEY}` } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/);
      return res.text();
    };
    const importInto = (api: ApiClient, body: string) =>
      api.request<Report>('/api/admin/import/jsonl', { method: 'POST', rawBody: body, headers: { 'content-type': 'application/x-ndjson' } });
    const queries = ['when is the team lunch', 'database migration plan', 'unicode text'];
    const ranked = async (api: ApiClient) =>
      Promise.all(
        queries.map(async (query) =>
          (await api.post('/api/search', { query, n_results: 5, mode: 'semantic' })).body.results.map(
            (r: { memory: { content_hash: string }; similarity_score: number }) => [r.memory.content_hash, r.similarity_score],
          ),
        ),
      );

    it('exports every field, imports into an empty database identically (with and without vectors), idempotently', async () => {
      const source = await start();
      for (let i = 0; i < 24; i++) {
        const res = await source.post('/api/memories', {
          content:
            i === 23
              ? 'Unicode text: naïve café, 東京 🚀'
              : `Memory ${i}: ${['team lunch on Thursday', 'database migration plan', 'release notes draft'][i % 3]} #${i}`,
          tags: i % 4 === 0 ? [] : [`t${i % 3}`, 'shared'],
          memory_type: i % 5 === 0 ? null : 'note',
          metadata: i % 6 === 0 ? {} : { n: i, nested: { list: [1, 'two', null] } },
          created_at: 1_700_000_000 + i * 86_400 + 0.125,
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      const updated = await source.put(`/api/memories/${(await source.get('/api/memories?page_size=1')).body.memories[0].content_hash}`, { tags: ['changed'] });
      assert.equal(updated.status, 200);

      const plain = await exportOf(source, false);
      const withVectors = await exportOf(source, true);
      const records = linesOf(plain);
      assert.equal(records.length, 24);
      assert.deepEqual(Object.keys(records[0]!).sort(), [
        'content',
        'content_hash',
        'created_at',
        'created_at_iso',
        'expires_at',
        'memory_type',
        'metadata',
        'space',
        'superseded_by',
        'supersedes',
        'tags',
        'updated_at',
        'updated_at_iso',
      ]);
      assert.deepEqual(
        records.map((r) => r.created_at),
        [...records.map((r) => r.created_at as number)].sort((a, b) => a - b),
        'oldest first',
      );
      const vectorRecord = linesOf(withVectors)[0]!;
      assert.equal((vectorRecord.embedding as number[]).length, vectorRecord.embedding_dimension);
      assert.equal(typeof vectorRecord.embedding_model, 'string');

      const copy = await start();
      const report = await importInto(copy, withVectors);
      assert.equal(report.status, 200, JSON.stringify(report.body));
      assert.equal(report.body.imported, 24);
      assert.equal(report.body.vectors_reused, 24);
      assert.equal(await exportOf(copy, false), plain, 'every field of every memory, in the same order');
      assert.deepEqual(await ranked(copy), await ranked(source));
      const again = await importInto(copy, withVectors);
      assert.deepEqual([again.body.imported, again.body.duplicates], [0, 24]);

      const reembedded = await start();
      const fresh = await importInto(reembedded, plain);
      assert.deepEqual([fresh.body.imported, fresh.body.vectors_reused], [24, 0]);
      assert.equal(await exportOf(reembedded, false), plain);
      const [a, b] = [await ranked(reembedded), await ranked(source)];
      assert.deepEqual(
        a.map((list: [string, number][]) => list.map(([hash]) => hash)),
        b.map((list: [string, number][]) => list.map(([hash]) => hash)),
      );
    });

    it('refuses bad lines one by one (listed with the reason) and takes the good ones', async () => {
      const api = await start();
      const lines = [
        '{not json',
        '[1, 2]',
        JSON.stringify({ content: 5 }),
        JSON.stringify({ content: 'From the future', created_at: '2999-01-01T00:00:00Z' }),
        JSON.stringify({ content: 'Bad hash', content_hash: 'xyz' }),
        JSON.stringify({ content: 'Another model vector', embedding: [0.1, 0.2], embedding_model: 'other-model' }),
        '',
        JSON.stringify({ content: 'Minimal line' }),
        `{"content": "${'z'.repeat(9 * MAX_CONTENT)}"}`,
        JSON.stringify({ content: 'After the long line' }),
      ];
      const res = await importInto(api, `${lines.join('\r\n')}\n`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.imported, 3);
      assert.deepEqual(
        res.body.refusals.map((r) => r.source),
        ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 9'],
      );
      assert.match(res.body.refusals[3]!.reason, /created_at lies in the future/);
      assert.match(res.body.refusals[5]!.reason, /longer than \d+ bytes/);
      const wrongType = await api.request('/api/admin/import/jsonl', { method: 'POST', rawBody: '{}', headers: { 'content-type': 'text/plain' } });
      assert.equal(wrongType.status, 415);
      const jsonOnJsonl = await api.request('/api/admin/import/jsonl', { method: 'POST', rawBody: '{}', headers: { 'content-type': 'application/json' } });
      assert.equal(jsonOnJsonl.status, 415);
      const ndjsonElsewhere = await api.request('/api/memories', {
        method: 'POST',
        rawBody: '{"content":"x"}',
        headers: { 'content-type': 'application/x-ndjson' },
      });
      assert.equal(ndjsonElsewhere.status, 415);
      assert.equal((await api.get('/api/admin/export?with_vectors=maybe')).status, 400);
    });
  });

describe('export and import on the command line (SQLite files)', () => {
  it('mcp-memory export > file, then mcp-memory import file into another database, same memories', async () => {
    const dir = makeTempDir();
    const server = await startTestServer({ env: { MCP_API_KEY: KEY } });
    try {
      const api = new ApiClient(server.url, KEY);
      for (const content of ['Alpha memory for the CLI', 'Beta memory for the CLI', 'Gamma memory for the CLI'])
        assert.equal((await api.post('/api/memories', { content, tags: ['cli'] })).status, 200);
      const exported = spawnCli(['export', '--with-vectors', '--output', join(dir, 'out.jsonl')], { MCP_MEMORY_SQLITE_PATH: server.dbPath, LOG_LEVEL: 'warn' });
      assert.equal(await exported.exited(), 0, exported.stderr());
      assert.match(exported.stderr(), /Exported 3 memories with their vectors/);
      const onStdout = spawnCli(['export'], { MCP_MEMORY_SQLITE_PATH: server.dbPath, LOG_LEVEL: 'warn' });
      assert.equal(await onStdout.exited(), 0, onStdout.stderr());
      assert.equal(linesOf(onStdout.stdout()).length, 3);
      writeFileSync(join(dir, 'plain.jsonl'), onStdout.stdout());

      const imported = spawnCli(['import', join(dir, 'out.jsonl'), '--json'], { MCP_MEMORY_SQLITE_PATH: join(dir, 'copy.db'), LOG_LEVEL: 'warn' });
      assert.equal(await imported.exited(), 0, imported.stderr());
      const report = JSON.parse(imported.stdout()) as Report;
      assert.deepEqual([report.imported, report.vectors_reused, report.refused], [3, 3, 0]);
      const back = spawnCli(['export'], { MCP_MEMORY_SQLITE_PATH: join(dir, 'copy.db'), LOG_LEVEL: 'warn' });
      assert.equal(await back.exited(), 0);
      assert.equal(back.stdout(), readFileSync(join(dir, 'plain.jsonl'), 'utf8'));
    } finally {
      await server.cleanup();
    }
  });
});
