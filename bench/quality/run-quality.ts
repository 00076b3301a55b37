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
import { writeFileSync } from 'node:fs';
import { percentile } from '../stats.js';
import { type Corpus, devbench, labelOf, own, request, score, withCorpusServer } from './corpora.js';
import type { Split } from './splits.js';

interface Figures {
  recall5: number;
  recall10: number;
  mrr: number;
  queries: number;
}

type Mode = 'semantic' | 'keyword' | 'hybrid';

const MODES = (process.env.QUALITY_MODES ?? 'semantic,keyword,hybrid').split(',') as Mode[];
const CORPORA = (process.env.QUALITY_CORPORA ?? 'devbench,own').split(',');
const LABEL_PREFIX = /^(bench|q):/;

async function runCorpus(corpus: Corpus): Promise<Record<string, unknown>> {
  return withCorpusServer(corpus, async (server, ingestMs) => {
    const api = `${server.url}/api`;
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
        const s = score(
          (answer.results as { memory: { tags: string[] } }[]).map((r) => r.memory.tags),
          query.expected_tags,
        );
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
  });
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
