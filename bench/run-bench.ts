/**
 * `npm run bench`: store throughput, search latency, raw embedding and raw KNN time, peak RSS, at
 * growing database sizes (BENCH_SIZES, default 1000,10000). Talks to a real server on 127.0.0.1.
 */
import { rmSync } from 'node:fs';
import { createLogger } from '../src/common/logger.js';
import { loadConfig } from '../src/config/app-config.js';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '../src/embeddings/embedding-provider.js';
import { startServer } from '../src/cli/server.js';
import { STORAGE_BACKEND, type StorageBackend } from '../src/storage/storage-backend.js';
import { makeTempDir } from '../test/helpers/test-server.js';
import { runFanoutBench } from './fanout-bench.js';
import { runImportBench } from './import-bench.js';
import { runPostgresBench } from './postgres-bench.js';
import { runScaleBench } from './scale-bench.js';
import { percentile, timed } from './stats.js';

const ALL_SIZES = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);
/** Sizes up to this are stored through HTTP (store throughput); larger ones are generated (bench/scale-bench.ts). */
const HTTP_STORE_MAX = 20_000;
const SIZES = ALL_SIZES.filter((n) => n <= HTTP_STORE_MAX);
const LARGE_SIZES = ALL_SIZES.filter((n) => n > HTTP_STORE_MAX);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);

const SUBJECTS = [
  'The deploy',
  'Our database',
  'The new hire',
  'Customer feedback',
  'The billing service',
  'A flaky test',
  'The roadmap',
  'The office move',
  'Quarterly revenue',
  'The mobile app',
];
const VERBS = [
  'was discussed in',
  'broke during',
  'improved after',
  'was postponed until',
  'needs review before',
  'was mentioned at',
  'caused trouble in',
  'got approved at',
];
const OBJECTS = [
  'the standup',
  'the retro',
  'the planning meeting',
  'the incident review',
  'the all-hands',
  'the design review',
  'the customer call',
  'the release',
];

function sentence(i: number): string {
  return `${SUBJECTS[i % SUBJECTS.length]} ${VERBS[(i >> 3) % VERBS.length]} ${OBJECTS[(i >> 6) % OBJECTS.length]} (note ${i}, week ${i % 52})`;
}

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bench' }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

async function main(): Promise<void> {
  if (SIZES.length === 0) return;
  const dir = makeTempDir('mcp-memory-bench-');
  const config = loadConfig({
    MCP_HTTP_HOST: '127.0.0.1',
    MCP_HTTP_PORT: '0',
    MCP_API_KEY: 'bench',
    MCP_MDNS_ENABLED: 'false',
    MCP_MEMORY_SQLITE_PATH: `${dir}/memory.db`,
    MCP_EMBEDDING_MODEL: process.env.MCP_EMBEDDING_MODEL ?? 'use-lite',
    ...(process.env.MCP_MEMORY_MODELS_DIR ? { MCP_MEMORY_MODELS_DIR: process.env.MCP_MEMORY_MODELS_DIR } : {}),
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL === 'debug' ? 'debug' : 'warn',
    // Every search runs the model, so latencies compare across modes (the cache is measured apart).
    MCP_QUERY_CACHE_SIZE: '0',
  });
  const { app, url } = await startServer(config, createLogger({ logLevel: process.env.BENCH_LOG_LEVEL === 'debug' ? 'debug' : 'warn', logFile: null }, 2));
  const embeddings = app.get<EmbeddingProvider>(EMBEDDING_PROVIDER, { strict: false });
  const backend = app.get<StorageBackend>(STORAGE_BACKEND, { strict: false });
  console.log(
    `mcp-memory-service benchmark: model ${embeddings.modelId} (${embeddings.dimension}-d), ${CLIENTS} concurrent store clients, ${QUERIES} queries per size`,
  );
  console.log('size    store/s  search p50  search p95  hybrid p50  hybrid/semantic  embed p50  knn p50  http/raw  peak RSS');
  let stored = 0;
  try {
    for (const size of SIZES) {
      const toStore = size - stored;
      let next = stored;
      const storeMs = await timed(() =>
        Promise.all(
          Array.from({ length: CLIENTS }, async () => {
            while (next < size) await post(`${url}/api/memories`, { content: sentence(next++), tags: [`t${next % 20}`] });
          }),
        ),
      );
      stored = size;

      const queries = Array.from(
        { length: QUERIES },
        (_, i) => `what happened with ${SUBJECTS[i % SUBJECTS.length]!.toLowerCase()} at ${OBJECTS[i % OBJECTS.length]}`,
      );
      const searchMs: number[] = [];
      for (const query of queries) searchMs.push(await timed(() => post(`${url}/api/search`, { query, n_results: 10, mode: 'semantic' })));
      const hybridMs: number[] = [];
      for (const query of queries) hybridMs.push(await timed(() => post(`${url}/api/search`, { query, n_results: 10, mode: 'hybrid' })));
      const embedMs: number[] = [];
      const vectors: Float32Array[] = [];
      for (const query of queries) embedMs.push(await timed(async () => vectors.push(...(await embeddings.embed([query])))));
      const knnMs: number[] = [];
      for (const vector of vectors) knnMs.push(await timed(() => backend.vectors.searchByVector(vector, {}, 10)));

      const p50 = percentile(searchMs, 50);
      const raw = percentile(embedMs, 50) + percentile(knnMs, 50);
      const rssMb = process.resourceUsage().maxRSS / 1024;
      console.log(
        [
          String(size).padEnd(6),
          (toStore / (storeMs / 1000)).toFixed(0).padStart(8),
          `${p50.toFixed(1)} ms`.padStart(11),
          `${percentile(searchMs, 95).toFixed(1)} ms`.padStart(11),
          `${percentile(hybridMs, 50).toFixed(1)} ms`.padStart(11),
          `${(percentile(hybridMs, 50) / p50).toFixed(2)}x`.padStart(16),
          `${percentile(embedMs, 50).toFixed(1)} ms`.padStart(10),
          `${percentile(knnMs, 50).toFixed(2)} ms`.padStart(8),
          `${(p50 / raw).toFixed(2)}x`.padStart(9),
          `${rssMb.toFixed(0)} MB`.padStart(9),
        ].join(' '),
      );
    }
    await runImportBench(url, embeddings, dir);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('search = semantic mode; hybrid = keyword and semantic legs fused (the default mode).');
  console.log('http/raw = search p50 over HTTP / (embed p50 + knn p50): the cost of HTTP, validation and JSON.');
}

main()
  .then(() => runScaleBench(LARGE_SIZES))
  .then(() => (LARGE_SIZES.length > 0 && SIZES.length === 0 ? undefined : runFanoutBench()))
  .then(() => runPostgresBench())
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
