/**
 * Soak: a mixed load (80% search, 20% store) with SSE clients connected, against the real server
 * started as its own process on 127.0.0.1. Afterwards every acknowledged store must be in the
 * database. `npm run soak` runs it for SOAK_SECONDS (default 60); CI runs a few seconds of it.
 */
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnCli } from '../test/helpers/cli-process.js';
import { SseReader } from '../test/helpers/sse-reader.js';
import { makeTempDir } from '../test/helpers/test-server.js';

/** RSS growth over one soak run beyond this is treated as a leak (see docs/reliability.md). */
export const RSS_GROWTH_BOUND_MB = 200;

export interface SoakOptions {
  seconds: number;
  connections: number;
  sseClients: number;
}

export interface SoakResult {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  errors: number;
  timeouts: number;
  status5xx: number;
  non2xx: number;
  acknowledgedStores: number;
  lostStores: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  sseClientsConnected: number;
}

const QUERIES = ['what did we decide about the release', 'database backups', 'who is allergic to peanuts', 'office move plans', 'quarterly numbers'];

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const dir = makeTempDir('mcp-memory-soak-');
  const dbPath = `${dir}/memory.db`;
  const server = spawnCli(['serve'], { MCP_HTTP_PORT: '0', MCP_API_KEY: 'soak', MCP_MEMORY_SQLITE_PATH: dbPath, LOG_LEVEL: 'info' });
  const readers: SseReader[] = [];
  try {
    const url = await server.listening();
    for (let i = 0; i < options.sseClients; i++) readers.push(await SseReader.open(`${url}/api/events/stream?api_key=soak`));
    await Promise.all(readers.map((r) => r.waitFor((x) => x.messages.length >= 1)));
    const rssBeforeMb = rssMb(server.child.pid!);
    const acknowledged = new Set<string>();
    let storeCounter = 0;
    const search = (i: number): autocannon.Request => ({
      method: 'POST',
      path: '/api/search',
      body: JSON.stringify({ query: QUERIES[i % QUERIES.length], n_results: 10 }),
    });
    const result = await autocannon({
      url,
      connections: options.connections,
      duration: options.seconds,
      headers: { 'content-type': 'application/json', authorization: 'Bearer soak' },
      requests: [
        search(0),
        search(1),
        search(2),
        search(3),
        {
          method: 'POST',
          path: '/api/memories',
          setupRequest: (request) => ({ ...request, body: JSON.stringify({ content: `soak memory ${storeCounter++} ${Date.now()}`, tags: ['soak'] }) }),
          onResponse: (status, body) => {
            if (status !== 200) return;
            const parsed = JSON.parse(body) as { success: boolean; content_hash: string };
            if (parsed.success) acknowledged.add(parsed.content_hash);
          },
        },
      ],
    });
    const rssAfterMb = rssMb(server.child.pid!);
    const sseClientsConnected = readers.filter((r) => r.messages.length >= 1).length;
    for (const reader of readers) reader.close();
    server.child.kill('SIGTERM');
    await server.exited();
    const db = new Database(dbPath, { readonly: true });
    const stored = new Set(db.prepare('SELECT content_hash FROM memories').pluck().all() as string[]);
    db.close();
    return {
      requestsPerSecond: result.requests.average,
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      requests: result.requests.total,
      errors: result.errors,
      timeouts: result.timeouts,
      status5xx: result['5xx'],
      non2xx: result.non2xx,
      acknowledgedStores: acknowledged.size,
      lostStores: [...acknowledged].filter((h) => !stored.has(h)).length,
      rssBeforeMb,
      rssAfterMb,
      sseClientsConnected,
    };
  } finally {
    for (const reader of readers) reader.close();
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options: SoakOptions = {
    seconds: Number(process.env.SOAK_SECONDS ?? 60),
    connections: Number(process.env.SOAK_CONNECTIONS ?? 50),
    sseClients: Number(process.env.SOAK_SSE_CLIENTS ?? 100),
  };
  console.log(`Soak: ${options.seconds} s, ${options.connections} connections (80% search / 20% store), ${options.sseClients} SSE clients, 127.0.0.1`);
  const r = await runSoak(options);
  console.log(`requests/s          ${r.requestsPerSecond.toFixed(1)} (${r.requests} requests)`);
  console.log(`latency p50 / p99   ${r.latencyP50Ms} ms / ${r.latencyP99Ms} ms`);
  console.log(`errors / timeouts   ${r.errors} / ${r.timeouts}   (must be 0)`);
  console.log(`5xx / non-2xx       ${r.status5xx} / ${r.non2xx}   (must be 0)`);
  console.log(`stores acknowledged ${r.acknowledgedStores}, lost ${r.lostStores}   (must be 0)`);
  console.log(`server RSS          ${r.rssBeforeMb.toFixed(0)} MB before, ${r.rssAfterMb.toFixed(0)} MB after (bound: +${RSS_GROWTH_BOUND_MB} MB)`);
  console.log(`SSE clients         ${r.sseClientsConnected}/${options.sseClients} connected throughout`);
  const failed = r.errors + r.status5xx + r.non2xx + r.lostStores > 0 || r.rssAfterMb - r.rssBeforeMb > RSS_GROWTH_BOUND_MB;
  process.exit(failed ? 1 : 0);
}
