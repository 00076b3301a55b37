/** The labelled sets the quality benchmark and the fusion trainer read, and the server they are stored in. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/app-config.js';
import { type RunningServer, startServer } from '../../src/cli/server.js';
import { makeTempDir } from '../../test/helpers/test-server.js';
import { type Split, splitHalves } from './splits.js';

export interface CorpusMemory {
  content: string;
  tags: string[];
  memory_type?: string | null;
}

export interface CorpusQuery {
  id: string;
  category: string;
  question: string;
  expected_tags: string[];
  /** The own set's fixed halves (splitHalves): settings are chosen on `tuning` only; `held_out` reports them. */
  split?: Split;
}

export interface Corpus {
  name: string;
  memories: CorpusMemory[];
  queries: CorpusQuery[];
  /** Published figures to print beside ours, by category. */
  published?: { label: string; figures: Record<string, { recall5: number; mrr: number }> };
}

export const KEY = 'quality-bench-local-key';

export function devbench(): Corpus | null {
  const path = join('..', 'shared', 'datasets', 'devbench', 'devbench_dataset.json');
  if (!existsSync(path)) {
    console.log(`DevBench skipped: ${path} not found (it sits beside the checkout)`);
    return null;
  }
  const data = JSON.parse(readFileSync(path, 'utf8')) as { memories: CorpusMemory[]; queries: CorpusQuery[] };
  return {
    name: 'DevBench (upstream, Apache-2.0)',
    memories: data.memories,
    queries: data.queries,
    published: {
      label: 'upstream published (all-MiniLM-L6-v2, hybrid)',
      figures: {
        overall: { recall5: 0.911, mrr: 0.861 },
        exact: { recall5: 1.0, mrr: 1.0 },
        semantic: { recall5: 0.8, mrr: 0.7 },
        cross_type: { recall5: 0.9, mrr: 0.867 },
      },
    },
  };
}

export function own(): Corpus {
  const data = JSON.parse(readFileSync(join('bench', 'quality', 'corpus.json'), 'utf8')) as { memories: CorpusMemory[]; queries: CorpusQuery[] };
  return { name: 'own set (bench/quality/corpus.json)', memories: data.memories, queries: splitHalves(data.queries) };
}

export async function request(url: string, body: unknown): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/** The label of a result: the first expected tag it carries, or null (irrelevant). */
export function labelOf(tags: string[], expected: readonly string[]): string | null {
  return tags.find((tag) => expected.includes(tag)) ?? null;
}

/** Recall@5, Recall@10 (distinct labels found over expected) and the reciprocal rank of the first relevant result. */
export function score(resultTags: string[][], expected: readonly string[]): { recall5: number; recall10: number; rr: number } {
  const labels = resultTags.map((tags) => labelOf(tags, expected));
  const recall = (k: number): number => new Set(labels.slice(0, k).filter((l): l is string => l !== null)).size / expected.length;
  const first = labels.findIndex((l) => l !== null);
  return { recall5: recall(5), recall10: recall(10), rr: first === -1 ? 0 : 1 / (first + 1) };
}

/**
 * A real server on a throwaway SQLite database with the corpus stored through its REST API, one
 * memory at a time (content, tags, type), for `use`; stopped and removed afterwards. `env` adds
 * to the configuration.
 */
export async function withCorpusServer<T>(
  corpus: Corpus,
  use: (server: RunningServer, ingestMs: number) => Promise<T>,
  env: Record<string, string> = {},
): Promise<T> {
  const dir = makeTempDir('quality-');
  const config = loadConfig({
    ...process.env,
    ...env,
    MCP_HTTP_HOST: '127.0.0.1',
    MCP_HTTP_PORT: '0',
    MCP_MEMORY_SQLITE_PATH: join(dir, 'memory.db'),
    MCP_API_KEY: KEY,
    MCP_MDNS_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    // Every mode embeds its queries itself, so the latencies compare; the cache is measured apart.
    MCP_QUERY_CACHE_SIZE: '0',
  });
  const server = await startServer(config, createLogger({ logLevel: 'warn', logFile: null }, 2));
  try {
    // QUALITY_TAGS=labels stores each memory with its relevance labels only (as a store whose
    // memories carry no topical tags): how a ranking does when tags say nothing.
    const labels = process.env.QUALITY_TAGS === 'labels' ? new Set(corpus.queries.flatMap((q) => q.expected_tags)) : null;
    const started = performance.now();
    for (const memory of corpus.memories) {
      const tags = labels === null ? memory.tags : memory.tags.filter((tag) => labels.has(tag));
      await request(`${server.url}/api/memories`, { content: memory.content, tags, memory_type: memory.memory_type ?? null });
    }
    return await use(server, performance.now() - started);
  } finally {
    await server.app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
