/**
 * Event fan-out: the server runs as its own process (the built CLI); N SSE clients connect from
 * this process; for each store, the delay from POST /api/memories returning to the event arriving
 * at every client, and the server's RSS with N clients connected.
 */
import { readFileSync, rmSync } from 'node:fs';
import { spawnCli } from '../test/helpers/cli-process.js';
import { SseReader } from '../test/helpers/sse-reader.js';
import { makeTempDir } from '../test/helpers/test-server.js';
import { percentile } from './stats.js';

const CLIENT_COUNTS = (process.env.BENCH_SSE_CLIENTS ?? '100,1000').split(',').map(Number);
const STORES = Number(process.env.BENCH_SSE_STORES ?? 20);

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

export async function runFanoutBench(): Promise<void> {
  const dir = makeTempDir('mcp-memory-fanout-');
  const server = spawnCli(['serve'], { MCP_HTTP_PORT: '0', MCP_API_KEY: 'bench', MCP_MEMORY_SQLITE_PATH: `${dir}/memory.db`, LOG_LEVEL: 'info' });
  try {
    const url = await server.listening();
    console.log(`\nEvent fan-out: server in its own process, ${STORES} stores per client count`);
    console.log('clients  after-POST p50  after-POST p99  from-request p50  server RSS');
    let seq = 0;
    for (const count of CLIENT_COUNTS) {
      const readers: SseReader[] = [];
      for (let opened = 0; opened < count; opened += 100) {
        const batch = await Promise.all(Array.from({ length: Math.min(100, count - opened) }, () => SseReader.open(`${url}/api/events/stream?api_key=bench`)));
        readers.push(...batch);
      }
      await Promise.all(readers.map((r) => r.waitFor((x) => x.messages.length >= 1, 60_000)));
      const rss = rssMb(server.child.pid!);
      const afterReturn: number[] = [];
      const fromRequest: number[] = [];
      for (let i = 0; i < STORES; i++) {
        const started = performance.now();
        const res = await fetch(`${url}/api/memories`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
          body: JSON.stringify({ content: `fan-out benchmark memory ${seq++} for ${count} clients` }),
        });
        const { content_hash: hash } = (await res.json()) as { content_hash: string };
        const returned = performance.now();
        await Promise.all(readers.map((r) => r.waitFor((x) => x.events.some((m) => m.data.content_hash === hash), 60_000)));
        for (const reader of readers) {
          const arrival = reader.events.find((m) => m.data.content_hash === hash)!.receivedAt;
          // Events are written before the HTTP answer, so some arrive "before" it returns.
          afterReturn.push(Math.max(0, arrival - returned));
          fromRequest.push(arrival - started);
        }
      }
      console.log(
        [
          String(count).padEnd(7),
          `${percentile(afterReturn, 50).toFixed(1)} ms`.padStart(15),
          `${percentile(afterReturn, 99).toFixed(1)} ms`.padStart(15),
          `${percentile(fromRequest, 50).toFixed(1)} ms`.padStart(17),
          `${rss.toFixed(0)} MB`.padStart(11),
        ].join(' '),
      );
      for (const reader of readers) reader.close();
    }
  } finally {
    server.child.kill('SIGTERM');
    await server.exited();
    rmSync(dir, { recursive: true, force: true });
  }
}
