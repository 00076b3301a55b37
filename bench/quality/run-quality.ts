/**
 * `npm run bench:quality`: retrieval quality by the upstream project's protocol, through the REST
 * API of a real server on a throwaway database, for each search mode side by side.
 *
 * For every corpus: one fresh store; every memory stored with its content, tags and type; every
 * query asked for the top 10 in each mode; each result labelled with the first expected label tag
 * it carries; Recall@k = relevant results in the top k / expected; MRR = 1 / rank of the first
 * relevant result. Averaged per category and overall (negatives excluded; their false-positive
 * rate is reported, not optimized).
 *
 * Corpora: DevBench (the upstream project's set, read from ../shared/datasets/devbench/) and this
 * repository's own set (bench/quality/corpus.json, see bench/quality/README.md). QUALITY_CORPORA
 * picks some (devbench,own), QUALITY_MODES the modes; BENCH_JSON=<file> also writes the figures.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/app-config.js';
import { startServer } from '../../src/cli/server.js';
import { makeTempDir } from '../../test/helpers/test-server.js';
import { percentile } from '../stats.js';
import { type Split, splitHalves } from './splits.js';

interface CorpusMemory {
  content: string;
  tags: string[];
  memory_type?: string | null;
}

interface CorpusQuery {
  id: string;
  category: string;
  question: string;
  expected_tags: string[];
  /** The own set's fixed halves (splitHalves): settings are chosen on `tuning` only; `held_out` reports them. */
  split?: Split;
}

interface Corpus {
  name: string;
  memories: CorpusMemory[];
  queries: CorpusQuery[];
  /** Published figures to print beside ours, by category. */
  published?: { label: string; figures: Record<string, { recall5: number; mrr: number }> };
}

interface Figures {
  recall5: number;
  recall10: number;
  mrr: number;
  queries: number;
}

type Mode = 'semantic' | 'keyword' | 'hybrid';

const KEY = 'quality-bench';
const MODES = (process.env.QUALITY_MODES ?? 'semantic,keyword,hybrid').split(',') as Mode[];
const CORPORA = (process.env.QUALITY_CORPORA ?? 'devbench,own').split(',');
const LABEL_PREFIX = /^(bench|q):/;

function devbench(): Corpus | null {
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

function own(): Corpus {
  const data = JSON.parse(readFileSync(join('bench', 'quality', 'corpus.json'), 'utf8')) as { memories: CorpusMemory[]; queries: CorpusQuery[] };
  return { name: 'own set (bench/quality/corpus.json)', memories: data.memories, queries: splitHalves(data.queries) };
}

async function request(url: string, body: unknown): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/** The label of a result: the first expected tag it carries, or null (irrelevant). */
function labelOf(tags: string[], expected: readonly string[]): string | null {
  return tags.find((tag) => expected.includes(tag)) ?? null;
}

function score(results: { memory: { tags: string[] } }[], expected: readonly string[]): { recall5: number; recall10: number; rr: number } {
  const labels = results.map((r) => labelOf(r.memory.tags, expected));
  const recall = (k: number): number => new Set(labels.slice(0, k).filter((l): l is string => l !== null)).size / expected.length;
  const first = labels.findIndex((l) => l !== null);
  return { recall5: recall(5), recall10: recall(10), rr: first === -1 ? 0 : 1 / (first + 1) };
}

async function runCorpus(corpus: Corpus): Promise<Record<string, unknown>> {
  const dir = makeTempDir('quality-');
  const config = loadConfig({
    ...process.env,
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
    const api = `${server.url}/api`;
    const ingestStarted = performance.now();
    for (const memory of corpus.memories) {
      await request(`${api}/memories`, { content: memory.content, tags: memory.tags, memory_type: memory.memory_type ?? null });
    }
    const ingestMs = performance.now() - ingestStarted;

    const categories = [...new Set(corpus.queries.map((q) => q.category))];
    const splits = [...new Set(corpus.queries.map((q) => q.split).filter((s): s is Split => s !== undefined))];
    // Figures by mode, then by "<split>/<category>" (split "all" for every query).
    const byMode: Record<string, Record<string, Figures>> = {};
    const latency: Record<string, number[]> = {};
    const falsePositives: Record<string, number> = {};
    for (const mode of MODES) {
      const sums: Record<string, { recall5: number; recall10: number; rr: number; n: number }> = {};
      latency[mode] = [];
      let negativeResults = 0;
      let negativeHits = 0;
      for (const query of corpus.queries) {
        const started = performance.now();
        const answer = await request(`${api}/search`, { query: query.question, n_results: 10, mode });
        latency[mode]!.push(performance.now() - started);
        if (query.expected_tags.length === 0) {
          const top = answer.results.slice(0, 5) as { memory: { tags: string[] } }[];
          negativeResults += 5;
          negativeHits += top.filter((r) => r.memory.tags.some((t) => LABEL_PREFIX.test(t))).length;
          continue;
        }
        const s = score(answer.results, query.expected_tags);
        if (process.env.QUALITY_DEBUG && (s.rr < 1 || s.recall5 < 1)) {
          console.log(`\n[${mode}] ${query.id} "${query.question}" expects ${query.expected_tags.join(',')} (rr ${s.rr.toFixed(2)})`);
          for (const r of answer.results.slice(0, Number(process.env.QUALITY_DEBUG) || 5)) {
            const mark = labelOf(r.memory.tags, query.expected_tags) ? '*' : ' ';
            console.log(
              `  ${mark} ${r.relevance_reason.padEnd(40).slice(0, 40)} fused ${Number(r.fused_score ?? 0).toFixed(4)} | ${r.memory.content.slice(0, 90)}`,
            );
          }
        }
        for (const key of ['all', ...(query.split ? [query.split] : [])].flatMap((split) => [`${split}/${query.category}`, `${split}/overall`])) {
          const sum = (sums[key] ??= { recall5: 0, recall10: 0, rr: 0, n: 0 });
          sum.recall5 += s.recall5;
          sum.recall10 += s.recall10;
          sum.rr += s.rr;
          sum.n += 1;
        }
      }
      byMode[mode] = Object.fromEntries(
        Object.entries(sums).map(([key, sum]) => [key, { recall5: sum.recall5 / sum.n, recall10: sum.recall10 / sum.n, mrr: sum.rr / sum.n, queries: sum.n }]),
      );
      falsePositives[mode] = negativeResults === 0 ? 0 : negativeHits / negativeResults;
    }
    console.log(`\n${corpus.name}: ${corpus.memories.length} memories, ${corpus.queries.length} queries; ingest ${(ingestMs / 1000).toFixed(1)} s`);
    const scored = categories.filter((c) => c !== 'negative');
    for (const split of splits.length > 0 ? splits : ['all']) {
      const title = split === 'all' ? 'every query' : split === 'tuning' ? 'tuning half (settings may be chosen on it)' : 'held-out half (never tuned on)';
      printTable(corpus, title, split, scored, byMode);
      printCombiningGain(split, scored, byMode);
    }
    console.log(
      MODES.map((m) => `${m}: search p50 ${percentile(latency[m]!, 50).toFixed(1)} ms, negatives' false-positive rate ${pct(falsePositives[m])}`).join('\n'),
    );
    if (corpus.published) console.log(`(published: ${corpus.published.label})`);
    return {
      corpus: corpus.name,
      memories: corpus.memories.length,
      queries: corpus.queries.length,
      ingest_ms: Math.round(ingestMs),
      modes: Object.fromEntries(
        MODES.map((m) => [m, { ...byMode[m], search_p50_ms: percentile(latency[m]!, 50), negative_false_positive_rate: falsePositives[m] }]),
      ),
    };
  } finally {
    await server.app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (v: number | undefined): string => (v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
const num = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(3));

function printTable(corpus: Corpus, title: string, split: string, categories: string[], byMode: Record<string, Record<string, Figures>>): void {
  console.log(`\n${title}`);
  const header = ['category', ...MODES.flatMap((m) => [`${m} R@5`, 'R@10', 'MRR']), ...(corpus.published ? ['published R@5', 'MRR'] : [])];
  const rows = ['overall', ...categories].map((category) => [
    `${category} (${byMode[MODES[0]!]![`${split}/${category}`]?.queries ?? 0})`,
    ...MODES.flatMap((m) => {
      const f = byMode[m]![`${split}/${category}`];
      return [pct(f?.recall5), pct(f?.recall10), num(f?.mrr)];
    }),
    ...(corpus.published ? [pct(corpus.published.figures[category]?.recall5), num(corpus.published.figures[category]?.mrr)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

/** Per category, hybrid's R@5 minus the better single mode's: where combining loses what one leg alone finds. */
function printCombiningGain(split: string, categories: string[], byMode: Record<string, Record<string, Figures>>): void {
  const singles = MODES.filter((m) => m !== 'hybrid');
  if (!MODES.includes('hybrid') || singles.length === 0) return;
  const gains = ['overall', ...categories].map((category) => {
    const best = Math.max(...singles.map((m) => byMode[m]![`${split}/${category}`]?.recall5 ?? 0));
    const gain = (byMode.hybrid![`${split}/${category}`]?.recall5 ?? 0) - best;
    return `${category} ${gain >= 0 ? '+' : ''}${(gain * 100).toFixed(1)}`;
  });
  console.log(`hybrid R@5 minus the better of ${singles.join('/')} (points): ${gains.join(', ')}`);
}

async function main(): Promise<void> {
  const corpora = [CORPORA.includes('devbench') ? devbench() : null, CORPORA.includes('own') ? own() : null].filter((c): c is Corpus => c !== null);
  const results = [];
  for (const corpus of corpora) results.push(await runCorpus(corpus));
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ corpora: results }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
