import assert from 'node:assert/strict';
import { POSTGRES_SCHEMA_VERSION } from '../src/storage/postgres/postgres-migrations.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { contentHash } from '../src/memories/content-hash.js';
import { describe, it } from 'node:test';
import pg from 'pg';
import { spawnCli } from './helpers/cli-process.js';
import { databaseFacts } from './helpers/database-facts.js';
import { ApiClient } from './helpers/http.js';
import { createTestDatabase, POSTGRES_SKIP_REASON, TEST_POSTGRES_URL } from './helpers/postgres.js';
import { SseReader } from './helpers/sse-reader.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

if (TEST_POSTGRES_URL === null) console.log(`# PostgreSQL tests skipped: ${POSTGRES_SKIP_REASON}`);

/** Replicas as separate server processes (the built CLI) on one PostgreSQL database. */
async function replicaProcesses(url: string, count = 2): Promise<{ url: string; stop: () => Promise<void> }[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const cli = spawnCli(['serve'], { MCP_HTTP_PORT: '0', MCP_API_KEY: 'pg-key', MCP_MEMORY_STORAGE_BACKEND: 'postgres', MCP_POSTGRES_URL: url });
      const serverUrl = await cli.listening();
      return {
        url: serverUrl,
        stop: async () => {
          cli.child.kill('SIGTERM');
          assert.equal(await cli.exited(), 0);
        },
      };
    }),
  );
}

/** Two replicas in this process: two real servers, each with its own pool, on one database. */
async function replicas(url: string, count = 2): Promise<TestServer[]> {
  const env = { MCP_API_KEY: 'pg-key', MCP_MEMORY_STORAGE_BACKEND: 'postgres', MCP_POSTGRES_URL: url };
  return Promise.all(Array.from({ length: count }, () => startTestServer({ env })));
}

describe('PostgreSQL + pgvector backend (real PostgreSQL)', { skip: TEST_POSTGRES_URL === null ? POSTGRES_SKIP_REASON : false }, () => {
  it('two replicas starting together migrate once; both serve the same data', async () => {
    const db = await createTestDatabase();
    const [a, b] = await replicas(db.url);
    try {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const migrations = await client.query('SELECT version FROM schema_migrations');
      const index = await client.query("SELECT indexdef FROM pg_indexes WHERE indexname = 'memories_embedding_hnsw'");
      await client.end();
      assert.deepEqual(
        migrations.rows.map((r) => Number(r.version)).sort((x, y) => x - y),
        Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1),
        'each migration applied exactly once',
      );
      assert.match(index.rows[0].indexdef, /USING hnsw \(embedding vector_cosine_ops\)/);

      const stored = await new ApiClient(a!.url, 'pg-key').post('/api/memories', { content: 'Stored on replica A, read on replica B', tags: ['replicas'] });
      const fromB = await new ApiClient(b!.url, 'pg-key').get(`/api/memories/${stored.body.content_hash}`);
      assert.deepEqual(fromB.body, stored.body.memory);
      const health = await new ApiClient(b!.url, 'pg-key').get('/api/health');
      assert.equal(health.body.storage_type, 'postgres');
      assert.equal(health.body.statistics.total_memories, 1);
    } finally {
      await Promise.all([a!.cleanup(), b!.cleanup()]);
      await db.drop();
    }
  });

  it('identical stores racing on two replicas: exactly one is stored, the others are told it is a duplicate', async () => {
    const db = await createTestDatabase();
    const servers = await replicas(db.url);
    try {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          new ApiClient(servers[i % 2]!.url, 'pg-key').post('/api/memories', { content: 'The same content, racing between replicas' }),
        ),
      );
      assert.ok(
        results.every((r) => r.status === 200),
        JSON.stringify(results.map((r) => r.body)),
      );
      assert.equal(results.filter((r) => r.body.success === true).length, 1);
      assert.equal(results.filter((r) => r.body.message === 'Duplicate content detected').length, 9);
    } finally {
      await Promise.all(servers.map((s) => s.cleanup()));
      await db.drop();
    }
  });

  it('2 replica processes x 10 writers x 50 stores: all stored, nothing lost, no error', async () => {
    const db = await createTestDatabase();
    const servers = await replicaProcesses(db.url);
    try {
      const failures: string[] = [];
      const hashes = new Set<string>();
      await Promise.all(
        servers.flatMap((server, r) =>
          Array.from({ length: 10 }, async (_, w) => {
            const api = new ApiClient(server.url, 'pg-key');
            for (let i = 0; i < 50; i++) {
              const res = await api.post('/api/memories', { content: `replica ${r} writer ${w} memory ${i}` });
              if (res.status !== 200 || res.body.success !== true) failures.push(`${res.status} ${JSON.stringify(res.body)}`);
              else hashes.add(res.body.content_hash);
            }
          }),
        ),
      );
      assert.deepEqual(failures, []);
      assert.equal(hashes.size, 1000);
      const total = (await new ApiClient(servers[1]!.url, 'pg-key').get('/api/memories?page_size=1')).body.total;
      assert.equal(total, 1000);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await db.drop();
    }
  });

  it('keeps data across a restart and refuses another embedding model, naming both', async () => {
    const db = await createTestDatabase();
    const env = { MCP_MEMORY_STORAGE_BACKEND: 'postgres', MCP_POSTGRES_URL: db.url };
    try {
      const first = await startTestServer({ env });
      const stored = await new ApiClient(first.url).post('/api/memories', { content: 'Survives a PostgreSQL restart of the server' });
      await first.cleanup();
      const second = await startTestServer({ env });
      try {
        const search = await new ApiClient(second.url).post('/api/search', { query: 'what survives a restart?', n_results: 1 });
        assert.equal(search.body.results[0].memory.content_hash, stored.body.content_hash);
        assert.ok(search.body.results[0].similarity_score > 0 && search.body.results[0].similarity_score <= 1);
      } finally {
        await second.cleanup();
      }
      await assert.rejects(
        startTestServer({ env: { ...env, MCP_EMBEDDING_MODEL: 'fixtures/minilm-arch-random', MCP_MEMORY_MODELS_DIR: resolve('../shared/models') } }),
        /"use-lite" \(512-d\).*"fixtures\/minilm-arch-random" \(384-d\).*MCP_EMBEDDING_MODEL=use-lite mcp-memory reembed --model fixtures\/minilm-arch-random/,
      );
    } finally {
      await db.drop();
    }
  });

  it('answers the admin backup routes with 409, explaining that backups belong to PostgreSQL', async () => {
    const server = await startTestServer({ backend: 'postgres', env: { MCP_API_KEY: 'pg-key', MCP_BACKUP_SCHEDULE: 'daily' } });
    try {
      const api = new ApiClient(server.url, 'pg-key');
      for (const [method, path, body] of [
        ['POST', '/api/admin/backup', undefined],
        ['GET', '/api/admin/backups', undefined],
        ['GET', '/api/admin/backups/status', undefined],
        ['POST', '/api/admin/restore', { backup_id: 'backup-20260101-000000' }],
        ['DELETE', '/api/admin/backups/backup-20260101-000000', undefined],
        ['POST', '/api/backup/now', undefined],
      ] as const) {
        const res = await api.request(path, { method, body });
        assert.equal(res.status, 409, `${method} ${path}`);
        assert.match(res.body.detail, /pg_dump/);
      }
    } finally {
      await server.cleanup();
    }
  });

  it('an unreachable database is a clear start-up error', async () => {
    await assert.rejects(
      startTestServer({ env: { MCP_MEMORY_STORAGE_BACKEND: 'postgres', MCP_POSTGRES_URL: 'postgres://nobody:secret@127.0.0.1:1/none' } }),
      (error: Error) => /PostgreSQL database at postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none/.test(error.message) && !error.message.includes('secret'),
    );
  });
});

describe(
  'a PostgreSQL database from the previous release (schema v2) is upgraded on open',
  { skip: TEST_POSTGRES_URL === null ? POSTGRES_SKIP_REASON : false },
  () => {
    it('adds the keyword index over the existing memories and keeps their metadata', async () => {
      const db = await createTestDatabase();
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        await client.query(readFileSync('test/fixtures/postgres-v2.sql', 'utf8'));
        const rows = [
          ['The staging database is rebuilt every Monday at 6am', ['ops', 'staging'], { owner: 'ops' }],
          ['Error ERR-4012 from billing-api means the card issuer timed out', ['billing'], { z: 1, a: 2 }],
          ['The release train leaves every second Thursday', ['release'], {}],
        ] as const;
        for (const [i, [content, tags, metadata]] of rows.entries()) {
          const vector = Array.from({ length: 512 }, (_, d) => (d === i ? 1 : 0));
          const inserted = await client.query(
            `INSERT INTO memories (content_hash, content, tags, metadata, created_at, updated_at, embedding) VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id`,
            [contentHash(content), content, JSON.stringify(tags), JSON.stringify(metadata), 1_790_000_000 + i, `[${vector.join(',')}]`],
          );
          for (const tag of tags) await client.query('INSERT INTO memory_tags (tag, memory_id) VALUES ($1, $2)', [tag, inserted.rows[0].id]);
        }
      } finally {
        await client.end();
      }
      const server = await startTestServer({ env: { MCP_API_KEY: 'pg-key', MCP_MEMORY_STORAGE_BACKEND: 'postgres', MCP_POSTGRES_URL: db.url } });
      try {
        const api = new ApiClient(server.url, 'pg-key');
        const detailed = (await api.get('/api/health/detailed')).body;
        assert.equal(detailed.schema_version, POSTGRES_SCHEMA_VERSION);
        assert.deepEqual([detailed.storage.backend, detailed.storage.status], ['postgres', 'connected']);
        assert.ok(detailed.system.disk_total_gb > 0);
        const keyword = await api.post('/api/search', { query: 'ERR-4012 billing', mode: 'keyword' });
        assert.match(keyword.body.results[0].memory.content, /ERR-4012/);
        assert.equal((await api.post('/api/search', { query: 'staging', mode: 'keyword' })).body.results[0].memory.tags[1], 'staging');
        const hybrid = await api.post('/api/search', { query: 'when is staging reset?' });
        assert.equal(hybrid.body.search_type, 'hybrid');
        assert.match(hybrid.body.results[0].memory.content, /staging database/);
        const stored = await api.get(`/api/memories/${contentHash('Error ERR-4012 from billing-api means the card issuer timed out')}`);
        assert.deepEqual(stored.body.metadata, { z: 1, a: 2 });
      } finally {
        await server.stop();
        await db.drop();
      }
    });
  },
);

describe('events across replicas (real PostgreSQL, LISTEN/NOTIFY)', { skip: TEST_POSTGRES_URL === null ? POSTGRES_SKIP_REASON : false }, () => {
  it('a store on replica process A reaches an SSE client of replica process B; a client resuming on the other replica gets exactly what it missed', async () => {
    const db = await createTestDatabase();
    const [a, b] = await replicaProcesses(db.url);
    try {
      const onB = await SseReader.open(`${b!.url}/api/events/stream?api_key=pg-key`);
      const onA = await SseReader.open(`${a!.url}/api/events/stream?api_key=pg-key`);
      await Promise.all([onA, onB].map((r) => r.waitFor((x) => x.messages.length === 1)));
      const stored = await new ApiClient(a!.url, 'pg-key').post('/api/memories', { content: 'Stored on A, announced on B' });
      await onB.waitFor((r) => r.events.length === 1);
      await onA.waitFor((r) => r.events.length === 1);
      assert.equal(onB.events[0]!.data.type, 'memory_stored');
      assert.equal(onB.events[0]!.data.content_hash, stored.body.content_hash);
      assert.equal(onB.events[0]!.id, onA.events[0]!.id, 'event ids are global');
      const lastSeen = onA.events[0]!.id!;
      onA.close();

      const missed: string[] = [];
      for (let i = 0; i < 5; i++) {
        const replica = i % 2 === 0 ? a! : b!;
        missed.push((await new ApiClient(replica.url, 'pg-key').post('/api/memories', { content: `missed while away ${i}` })).body.content_hash);
      }
      await onB.waitFor((r) => r.events.length === 6);
      const resumed = await SseReader.open(`${b!.url}/api/events/stream?api_key=pg-key`, { 'last-event-id': lastSeen });
      try {
        // A marker stored after the resume ends the check: everything before it is what was
        // missed, once each and in order (no sleeping to see whether more arrives).
        const marker = (await new ApiClient(a!.url, 'pg-key').post('/api/memories', { content: 'marker after the resume' })).body.content_hash;
        await resumed.waitFor((r) => r.events.some((m) => m.data.content_hash === marker), 30_000);
        assert.deepEqual(
          resumed.events.map((m) => m.data.content_hash),
          [...missed, marker],
        );
        const ids = resumed.events.map((m) => Number(m.id));
        assert.deepEqual(
          ids,
          [...ids].sort((x, y) => x - y),
        );
        assert.ok(ids[0]! > Number(lastSeen));
      } finally {
        resumed.close();
        onB.close();
      }
    } finally {
      await Promise.all([a!.stop(), b!.stop()]);
      await db.drop();
    }
  });
});

describe('mcp-memory migrate between SQLite and PostgreSQL', { skip: TEST_POSTGRES_URL === null ? POSTGRES_SKIP_REASON : false }, () => {
  it('copies memories with their vectors both ways, resumably, and verifies the counts', async () => {
    const db = await createTestDatabase();
    const sqlite = await startTestServer();
    try {
      const api = new ApiClient(sqlite.url);
      const hashes: string[] = [];
      for (let i = 0; i < 30; i++) {
        hashes.push(
          (
            await api.post('/api/memories', {
              content: `migration memory ${i}: topic ${i % 4}`,
              tags: [`t${i % 3}`],
              memory_type: i % 2 ? 'note' : null,
              metadata: { i },
            })
          ).body.content_hash,
        );
      }
      const target = `${sqlite.dir}/back.db`;
      await sqlite.stop();

      const forward = spawnCli(['migrate', '--from', sqlite.dbPath, '--to', db.url], {});
      assert.equal(await forward.exited(), 0, forward.stderr());
      assert.match(forward.stdout(), /Migrated 30 memories \(30 copied, 0 already there\)/);
      assert.match(forward.stderr(), /migrated 30\/30/);
      const again = spawnCli(['migrate', '--from', sqlite.dbPath, '--to', db.url], {});
      assert.equal(await again.exited(), 0);
      assert.match(again.stdout(), /\(0 copied, 30 already there\)/);

      const onPostgres = await startTestServer({ env: { MCP_MEMORY_STORAGE_BACKEND: 'postgres', MCP_POSTGRES_URL: db.url } });
      try {
        const pgApi = new ApiClient(onPostgres.url);
        const original = databaseFacts(sqlite.dbPath);
        assert.equal((await pgApi.get('/api/memories?page_size=1')).body.total, original.memories);
        const one = await pgApi.get(`/api/memories/${hashes[7]}`);
        assert.deepEqual(one.body.metadata, { i: 7 });
        assert.deepEqual(one.body.tags, ['t1']);
        const search = await pgApi.post('/api/search', { query: 'migration memory 5: topic 1', n_results: 1 });
        assert.equal(search.body.results[0].memory.content_hash, hashes[5]);
        assert.ok(search.body.results[0].similarity_score > 0.99, 'vectors were copied, not recomputed differently');
      } finally {
        await onPostgres.stop();
      }

      const back = spawnCli(['migrate', '--from', db.url, '--to', target], {});
      assert.equal(await back.exited(), 0, back.stderr());
      const facts = databaseFacts(target);
      assert.equal(facts.integrity, 'ok');
      assert.deepEqual([...facts.hashes].sort(), [...hashes].sort());
      assert.equal(facts.vectors, 30);
    } finally {
      await sqlite.cleanup();
      await db.drop();
    }
  });
});
