/**
 * The scale benchmark's HTTP clients, in a process of their own (as real clients are): the
 * benchmark process itself holds a generated database's worth of work and its own model, and
 * timing requests from there measured its garbage collection as much as the server. The model
 * alone (raw embed) is timed here too, alternating with the one-client searches, so both see the
 * machine in the same state: on a shared 2-core machine speed drifts by 10-30% over minutes.
 * Input: one JSON argument (HttpClientsJob); output: one JSON line (HttpClientsResult).
 */
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkerEmbeddingProvider } from '../src/embeddings/worker-embedding.provider.js';
import { timed } from './stats.js';

/** Pause between two /api/health probes while eight clients search. */
const HEALTH_PROBE_EVERY_MS = 10;

export interface HttpClientsJob {
  url: string;
  key: string;
  model: string;
  queries: string[];
  /** Tags for the filtered searches (each on a known share of the memories). */
  tags: string[];
  /** One space of the ten, for the searches bounded to a space. */
  space: string;
}

export interface HttpClientsResult {
  one_client_ms: number[];
  /** The same kind of searches sent with fetch (undici), alternating with the others. */
  one_client_fetch_ms: number[];
  /** The model alone on the same kind of query, each timed right before a search. */
  embed_ms: number[];
  qps_1_client: number;
  /** Per tag (as in the job): semantic and default-mode (hybrid) searches filtered by it. */
  filtered: { tag: string; semantic_ms: number[]; hybrid_ms: number[] }[];
  /** Semantic searches in one space of ten. */
  space_ms: number[];
  /** Default-mode (hybrid) searches over every space, and in one space of ten. */
  hybrid_ms: number[];
  hybrid_space_ms: number[];
  repeat_ms: number[];
  /** The same question again in the default mode (hybrid): both legs from their caches. */
  repeat_hybrid_ms: number[];
  qps_8_clients: number;
  health_ms: number[];
}

/** `total` calls of `work`, `clients` at a time. */
async function concurrently(clients: number, total: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total) await work(next++);
    }),
  );
}

/**
 * One request on a keep-alive connection with node:http, the whole answer read: the timed client.
 * fetch (undici) took ~1 ms longer per request on the same kind of keep-alive connection for
 * answers from the query cache (2 cores: 2.1 against 0.8 ms p50), time spent in this process,
 * neither the server's nor the network's. For searches that run the model the two measured within
 * 0.4 ms of each other; fetch is still timed and printed beside it.
 */
function send(agent: Agent, url: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, agent, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function run(job: HttpClientsJob): Promise<HttpClientsResult> {
  const search = `${job.url}/api/search`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${job.key}` };
  const agent = new Agent({ keepAlive: true });
  const post = async (body: unknown): Promise<void> => {
    const res = await send(agent, search, 'POST', headers, JSON.stringify(body));
    if (res.status !== 200) throw new Error(`${search} answered ${res.status}: ${res.text}`);
  };
  const postWithFetch = async (body: unknown): Promise<void> => {
    const res = await fetch(search, { method: 'POST', headers, body: JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`${search} answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  };
  const { queries } = job;
  // Warm-up, as a server that has run a while is: its code compiled by V8 and every model thread
  // used (one client alone keeps using the first). Round 0 of a few hundred queries measured
  // 10-30% slower than the rounds after it.
  const warmUp = (i: number): Promise<void> => post({ query: `warm-up question ${i} about ${queries[i % queries.length]}`, n_results: 10, mode: 'semantic' });
  for (let i = 0; i < 100; i++) await warmUp(i);
  for (let i = 0; i < 20; i++) await postWithFetch({ query: `warm-up question ${i} with fetch`, n_results: 10, mode: 'semantic' });
  await concurrently(8, 160, (i) => warmUp(100 + i));
  // One client: distinct queries (each runs the model), each after the model alone on its twin.
  const model = await WorkerEmbeddingProvider.start(job.model, null);
  for (const q of queries.slice(0, 20)) await model.embed([`${q} w`]);
  const oneClient: number[] = [];
  const oneClientFetch: number[] = [];
  const embed: number[] = [];
  let searching = 0;
  for (const q of queries) {
    embed.push(await timed(() => model.embed([`${q} e`])));
    // Each text one letter longer than the query, as the model's text was: its time grows with the text.
    const ms = await timed(() => post({ query: `${q} s`, n_results: 10, mode: 'semantic' }));
    oneClient.push(ms);
    searching += ms;
    oneClientFetch.push(await timed(() => postWithFetch({ query: `${q} t`, n_results: 10, mode: 'semantic' })));
  }
  await model.close();
  const qps1 = queries.length / (searching / 1000);
  const filtered = [];
  for (const [t, tag] of job.tags.entries()) {
    const semantic: number[] = [];
    const hybrid: number[] = [];
    // A text of its own per tag and mode: each search runs the model, as the unfiltered ones do.
    for (const q of queries.slice(0, 30)) {
      semantic.push(await timed(() => post({ query: `${q} f${t}`, n_results: 10, mode: 'semantic', tags: [tag] })));
      hybrid.push(await timed(() => post({ query: `${q} h${t}`, n_results: 10, tags: [tag] })));
    }
    filtered.push({ tag, semantic_ms: semantic, hybrid_ms: hybrid });
  }
  const inSpace: number[] = [];
  for (const q of queries.slice(0, 50)) inSpace.push(await timed(() => post({ query: `${q} p`, n_results: 10, mode: 'semantic', space: job.space })));
  const hybrid: number[] = [];
  const hybridInSpace: number[] = [];
  for (const q of queries.slice(0, 50)) {
    hybrid.push(await timed(() => post({ query: `${q} h`, n_results: 10 })));
    hybridInSpace.push(await timed(() => post({ query: `${q} hp`, n_results: 10, space: job.space })));
  }
  const repeat: number[] = [];
  for (let i = 0; i < 50; i++) repeat.push(await timed(() => post({ query: queries[0], n_results: 10, mode: 'semantic' })));
  const repeatHybrid: number[] = [];
  for (let i = 0; i < 50; i++) repeatHybrid.push(await timed(() => post({ query: queries[1], n_results: 10 })));
  // Eight clients, with /api/health probed throughout: one probe every HEALTH_PROBE_EVERY_MS (a
  // probe sent as soon as the last answered measured its own flood: thousands per second, half
  // of a 2-core machine's CPU between this process and the server, and fewer searches the faster
  // health answered).
  let loading = true;
  const health: number[] = [];
  const probe = (async () => {
    while (loading) {
      health.push(await timed(() => send(agent, `${job.url}/api/health`, 'GET', {})));
      await sleep(HEALTH_PROBE_EVERY_MS);
    }
  })();
  const started8 = performance.now();
  await concurrently(8, 200, (i) => post({ query: `${queries[i % queries.length]} c${i}`, n_results: 10, mode: 'semantic' }));
  const qps8 = 200 / ((performance.now() - started8) / 1000);
  loading = false;
  await probe;
  agent.destroy();
  return {
    one_client_ms: oneClient,
    one_client_fetch_ms: oneClientFetch,
    embed_ms: embed,
    qps_1_client: qps1,
    filtered,
    space_ms: inSpace,
    hybrid_ms: hybrid,
    hybrid_space_ms: hybridInSpace,
    repeat_ms: repeat,
    repeat_hybrid_ms: repeatHybrid,
    qps_8_clients: qps8,
    health_ms: health,
  };
}

const result = await run(JSON.parse(process.argv[2]!) as HttpClientsJob);
process.stdout.write(`${JSON.stringify(result)}\n`);
