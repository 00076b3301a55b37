/**
 * Part of `npm run bench`: the PostgreSQL backend against SQLite. Needs MCP_BENCH_POSTGRES_URL (or
 * MCP_TEST_POSTGRES_URL): a server where it may create and drop a database.
 *
 * - Search latency (storage-level KNN, p50/p95) at BENCH_PG_SIZES memories (default 10000,100000) on
 *   both backends, over the generated data sets of bench/synthetic-data.ts (BENCH_DATA) around
 *   BENCH_PG_REAL (default 3000) real embeddings of notes.
 * - HNSW recall@10 on PostgreSQL against exact search (SQLite's brute-force KNN) for real queries,
 *   at several hnsw.ef_search values (BENCH_PG_EF, default 40,100,200; the server's default is 100).
 * - The keyword leg (ts_rank_cd, 50 results, after ANALYZE; bench/keyword-leg.ts) within the keyword budget and with every
 *   term selecting candidates, and how many of its results rank as well as the exact 10th / 50th.
 * - Store throughput over HTTP with 1 and with 2 replicas on one database.
 */
import { rmSync } from 'node:fs';
import { createLogger } from '../src/common/logger.js';
import { loadConfig } from '../src/config/app-config.js';
import { WorkerEmbeddingProvider } from '../src/embeddings/worker-embedding.provider.js';
import { startServer } from '../src/cli/server.js';
import { PostgresBackend } from '../src/storage/postgres/postgres-backend.js';
import type { ScoredMemory } from '../src/storage/memory.js';
import { SqliteBackend } from '../src/storage/sqlite/sqlite-backend.js';
import { createTestDatabase } from '../test/helpers/postgres.js';
import { makeTempDir } from '../test/helpers/test-server.js';
import { keywordLeg } from './keyword-leg.js';
import { percentile, timed } from './stats.js';
import { DATA_SETS, type DataSet, dataSets, fillWithSyntheticMemories } from './synthetic-data.js';

const ADMIN_URL = process.env.MCP_BENCH_POSTGRES_URL ?? process.env.MCP_TEST_POSTGRES_URL;
const SIZES = (process.env.BENCH_PG_SIZES ?? '10000,100000').split(',').map(Number);
const REAL = Number(process.env.BENCH_PG_REAL ?? 3000);
const QUERIES = 100;
const EF_VALUES = (process.env.BENCH_PG_EF ?? '40,100,200').split(',').map(Number);

function note(i: number): string {
  const topics = ['release', 'database', 'hiring', 'budget', 'incident', 'roadmap', 'office', 'customer', 'security', 'design'];
  const verbs = ['was discussed', 'was postponed', 'needs review', 'got approved', 'caused trouble', 'was mentioned'];
  return `The ${topics[i % 10]} item ${i} ${verbs[(i >> 3) % 6]} in week ${i % 52} with team ${(i >> 5) % 13}`;
}

async function storeThroughput(url: string, replicas: number, perReplicaClients: number, stores: number): Promise<number> {
  const servers = await Promise.all(
    Array.from({ length: replicas }, () =>
      startServer(
        loadConfig({ MCP_HTTP_PORT: '0', MCP_MDNS_ENABLED: 'false', MCP_MEMORY_STORAGE_BACKEND: 'postgres', MCP_POSTGRES_URL: url, LOG_LEVEL: 'warn' }),
        createLogger({ logLevel: 'warn', logFile: null }, 2),
      ),
    ),
  );
  let next = 0;
  const started = performance.now();
  await Promise.all(
    servers.flatMap((server) =>
      Array.from({ length: perReplicaClients }, async () => {
        while (next < stores) {
          const i = next++;
          await fetch(`${server.url}/api/memories`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ content: `${replicas}-replica throughput note ${i} ${note(i)}` }),
          });
        }
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(servers.map((s) => s.app.close()));
  return stores / seconds;
}

/** Search latency on both backends and HNSW recall at each ef_search, on one data set (a database of its own). */
async function searchFigures(data: DataSet, realTexts: string[], real: Float32Array[], queries: Float32Array[], queryTexts: string[]): Promise<void> {
  const dir = makeTempDir('mcp-memory-pgbench-');
  const db = await createTestDatabase(ADMIN_URL!);
  const identity = { embeddingModel: 'use-lite', embeddingDimension: 512 };
  const sqlite = SqliteBackend.open({ path: `${dir}/bench.db`, pragmas: [], busyBudgetMs: 30_000, ...identity });
  const byEf = new Map<number, PostgresBackend>();
  for (const ef of EF_VALUES) byEf.set(ef, await PostgresBackend.open({ url: db.url, poolSize: 2, efSearch: ef, ...identity }));
  const postgres = byEf.values().next().value!;
  const everyTerm = await PostgresBackend.open({ url: db.url, poolSize: 2, efSearch: 100, ...identity, keywordPostingsBudget: Number.MAX_SAFE_INTEGER });
  console.log(`\nPostgreSQL (HNSW) vs SQLite (exact), ${data} data (bench/synthetic-data.ts) around ${REAL} real USE-lite vectors; ${QUERIES} real queries`);
  console.log('size      sqlite p50  sqlite p95  ef_search  postgres p50  postgres p95  HNSW recall@10  as near as 10th');
  try {
    let filled = 0;
    for (const size of SIZES) {
      // The same rows on both: one generator, one seed, the same steps.
      const rows = { count: size - filled, start: filled, sentences: realTexts, vectors: real, seed: 42 + filled, ...DATA_SETS[data] };
      await fillWithSyntheticMemories(sqlite.store, rows);
      await fillWithSyntheticMemories(postgres.store, rows);
      filled = size;
      /** Per query: the exact 10 nearest (hashes) and the 10th's distance. */
      const exact: { hashes: string[]; tenth: number }[] = [];
      const sqliteMs: number[] = [];
      for (const query of queries)
        sqliteMs.push(
          await timed(async () => {
            const hits = await sqlite.vectors.searchByVector(query, {}, 10);
            exact.push({ hashes: hits.map((r) => r.memory.contentHash), tenth: hits.at(-1)?.distance ?? 0 });
          }),
        );
      for (const [ef, repo] of byEf) {
        const postgresMs: number[] = [];
        let hits = 0;
        let asNear = 0;
        for (const [q, query] of queries.entries()) {
          let approx: ScoredMemory[] = [];
          postgresMs.push(await timed(async () => (approx = await repo.vectors.searchByVector(query, {}, 10))));
          hits += approx.filter((h) => exact[q]!.hashes.includes(h.memory.contentHash)).length;
          // Near-duplicates tie: a result as near as the exact 10th (float rounding aside) is as good.
          asNear += approx.filter((h) => h.distance <= exact[q]!.tenth + 1e-5).length;
        }
        console.log(
          [
            String(size).padEnd(8),
            `${percentile(sqliteMs, 50).toFixed(1)} ms`.padStart(11),
            `${percentile(sqliteMs, 95).toFixed(1)} ms`.padStart(11),
            String(ef).padStart(10),
            `${percentile(postgresMs, 50).toFixed(1)} ms`.padStart(13),
            `${percentile(postgresMs, 95).toFixed(1)} ms`.padStart(13),
            (hits / (QUERIES * 10)).toFixed(3).padStart(15),
            (asNear / (QUERIES * 10)).toFixed(3).padStart(16),
          ].join(' '),
        );
      }
      await postgres.sideTables.query('ANALYZE memories', []);
      const keyword = await keywordLeg(postgres, everyTerm, queryTexts);
      console.log(
        `  keyword leg (50 results): p50 ${keyword.p50_ms} ms within the budget, ${keyword.all_terms_p50_ms} ms every term; ` +
          `as good as the exact 10th / 50th: ${keyword.as_good_as_exact_10th} / ${keyword.as_good_as_exact_50th}`,
      );
    }
  } finally {
    await everyTerm.close();
    await sqlite.close();
    for (const repo of byEf.values()) await repo.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runPostgresBench(): Promise<void> {
  if (!ADMIN_URL) {
    console.log('\nPostgreSQL benchmark skipped: set MCP_BENCH_POSTGRES_URL (a server where it may create a database)');
    return;
  }
  const embeddings = await WorkerEmbeddingProvider.start('use-lite', null);
  const realTexts = Array.from({ length: REAL }, (_, i) => note(i));
  const real: Float32Array[] = [];
  for (let i = 0; i < realTexts.length; i += 64) real.push(...(await embeddings.embed(realTexts.slice(i, i + 64))));
  const queryTexts = Array.from(
    { length: QUERIES },
    (_, i) => `what happened with the ${['release', 'budget', 'incident', 'roadmap'][i % 4]} in week ${i % 52}`,
  );
  const queries = await embeddings.embed(queryTexts);
  for (const data of dataSets()) await searchFigures(data, realTexts, real, queries, queryTexts);
  await embeddings.close();
  const stores = Number(process.env.BENCH_PG_STORES ?? 400);
  for (const replicas of [1, 2]) {
    const target = await createTestDatabase(ADMIN_URL!);
    try {
      const rate = await storeThroughput(target.url, replicas, 16 / replicas, stores);
      console.log(`store throughput, ${replicas} replica${replicas > 1 ? 's' : ''} (16 clients): ${rate.toFixed(0)} memories/s`);
    } finally {
      await target.drop();
    }
  }
}
