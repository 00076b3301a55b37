/**
 * Fits the `learned` fusion's weights (src/search/learned-fusion.ts) on the own set's tuning half
 * and says what they would do, beside reciprocal rank fusion and each leg alone, on both halves
 * (and DevBench, never trained on). `npm run bench:train-fusion`
 * prints the weights to paste into TRAINED_WEIGHTS or to set as MCP_HYBRID_FUSION_WEIGHTS; the
 * figures that count are `npm run bench:quality` with the weights in place (real HTTP searches).
 *
 * Each question's candidates come from the server's own hybrid search (both legs, their ranks,
 * cosine and word evidence), so training sees what the fusion sees. The model is linear; the loss
 * is a softmax over each question's candidates (the answers' share of it), with an L2 penalty whose
 * strength is chosen by 5-fold cross-validation inside the tuning half.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fuse, type Candidate, type FusionSettings } from '../../src/search/fusion.js';
import { FEATURES, type Feature } from '../../src/config/search-config.js';
import { featuresOf } from '../../src/search/learned-fusion.js';
import { SearchService } from '../../src/search/search.service.js';
import { type Corpus, devbench, labelOf, own, score, withCorpusServer } from './corpora.js';

interface Item {
  features: number[];
  tags: string[];
  relevant: boolean;
  candidate: Candidate;
}

interface Question {
  id: string;
  split: string;
  category: string;
  expected: string[];
  items: Item[];
}

type Ranker = (q: Question) => string[][];

const LAMBDAS = [0.1, 0.03, 0.01, 0.003, 0.001, 0.0003, 0.0001];
const RRF: FusionSettings = { method: 'rrf', rrfK: 60, keywordWeight: 0.7, semanticWeight: 0.3 };

/** TRAIN_FEATURES=a,b,c: train on these features only (the others weigh 0), to compare feature sets by cross-validation. */
const ACTIVE = new Set<string>(process.env.TRAIN_FEATURES ? process.env.TRAIN_FEATURES.split(',') : FEATURES);

/** The candidates of every question; TRAIN_CACHE=<file> keeps them between runs (features are recomputed from them). */
async function candidatesOf(corpus: Corpus): Promise<Question[]> {
  const cache = process.env.TRAIN_CACHE ? `${process.env.TRAIN_CACHE}.${corpus.name.split(' ')[0]}.json` : null;
  const questions = cache !== null && existsSync(cache) ? (JSON.parse(readFileSync(cache, 'utf8')) as Question[]) : await searchCandidates(corpus);
  if (cache !== null) writeFileSync(cache, JSON.stringify(questions));
  for (const q of questions) {
    for (const item of q.items) {
      const f = featuresOf(item.candidate);
      item.features = FEATURES.map((name) => (ACTIVE.has(name) ? f[name] : 0));
    }
  }
  return questions;
}

async function searchCandidates(corpus: Corpus): Promise<Question[]> {
  process.env.MCP_HYBRID_FUSION_METHOD = 'learned';
  return withCorpusServer(corpus, async (server) => {
    const search = server.app.get(SearchService);
    const questions: Question[] = [];
    for (const query of corpus.queries) {
      if (query.expected_tags.length === 0) continue;
      const { candidates } = await search.hybridCandidates(query.question, {}, 10);
      questions.push({
        id: query.id,
        split: query.split ?? 'all',
        category: query.category,
        expected: query.expected_tags,
        items: candidates.map((candidate) => ({
          features: [],
          tags: candidate.memory.tags,
          relevant: labelOf(candidate.memory.tags, query.expected_tags) !== null,
          candidate,
        })),
      });
    }
    return questions;
  });
}

const dot = (w: readonly number[], x: readonly number[]): number => w.reduce((sum, wi, i) => sum + wi * x[i]!, 0);

/** Minimizes, with Adam, lambda·|w|² plus each question's softmax loss over its candidates (−log of the answers' share). */
function train(questions: Question[], lambda: number): number[] {
  const usable = questions.filter((q) => q.items.some((i) => i.relevant) && q.items.some((i) => !i.relevant));
  const d = FEATURES.length;
  const w = new Array<number>(d).fill(0);
  const m = new Array<number>(d).fill(0);
  const v = new Array<number>(d).fill(0);
  const rate = 0.05;
  for (let step = 1; step <= 3000; step++) {
    const grad = w.map((wi) => 2 * lambda * wi);
    for (const q of usable) {
      const scores = q.items.map((i) => dot(w, i.features));
      const top = Math.max(...scores);
      const exp = scores.map((s) => Math.exp(s - top));
      const all = exp.reduce((a, b) => a + b, 0);
      const pos = exp.reduce((a, e, k) => a + (q.items[k]!.relevant ? e : 0), 0);
      q.items.forEach((item, k) => {
        // d/dw [log Σall − log Σpos] = E_all[x] − E_pos[x]
        const coefficient = exp[k]! / all - (item.relevant ? exp[k]! / pos : 0);
        for (let j = 0; j < d; j++) grad[j]! += (coefficient * item.features[j]!) / usable.length;
      });
    }
    for (let j = 0; j < d; j++) {
      m[j] = 0.9 * m[j]! + 0.1 * grad[j]!;
      v[j] = 0.999 * v[j]! + 0.001 * grad[j]! ** 2;
      w[j]! -= (rate * (m[j]! / (1 - 0.9 ** step))) / (Math.sqrt(v[j]! / (1 - 0.999 ** step)) + 1e-8);
    }
  }
  return w;
}

const byWeights =
  (w: readonly number[]): Ranker =>
  (q) =>
    [...q.items]
      .map((item) => ({ item, s: dot(w, item.features) }))
      .sort((a, b) => b.s - a.s || (b.item.candidate.similarity ?? 0) - (a.item.candidate.similarity ?? 0))
      .slice(0, 10)
      .map(({ item }) => item.tags);
const byRank =
  (leg: 'semanticRank' | 'keywordRank'): Ranker =>
  (q) =>
    q.items
      .filter((i) => i.candidate[leg] !== null)
      .sort((a, b) => a.candidate[leg]! - b.candidate[leg]!)
      .slice(0, 10)
      .map((i) => i.tags);
const byRrf: Ranker = (q) =>
  fuse(
    q.items.map((i) => i.candidate),
    RRF,
  )
    .slice(0, 10)
    .map((c) => c.memory.tags);

function evaluate(questions: Question[], ranker: Ranker): { recall5: number; mrr: number; n: number } {
  let recall5 = 0;
  let rr = 0;
  for (const q of questions) {
    const s = score(ranker(q), q.expected);
    recall5 += s.recall5;
    rr += s.rr;
  }
  return { recall5: recall5 / Math.max(1, questions.length), mrr: rr / Math.max(1, questions.length), n: questions.length };
}

/** The penalty with the best mean R@5 + MRR over 5 folds of the tuning half (folds by position, no randomness). */
function chooseLambda(tuning: Question[]): number {
  let best = { lambda: LAMBDAS[0]!, value: -Infinity };
  for (const lambda of LAMBDAS) {
    let value = 0;
    for (let fold = 0; fold < 5; fold++) {
      const w = train(
        tuning.filter((_, i) => i % 5 !== fold),
        lambda,
      );
      const e = evaluate(
        tuning.filter((_, i) => i % 5 === fold),
        byWeights(w),
      );
      value += e.recall5 + e.mrr;
    }
    console.log(`  lambda ${lambda}: cross-validated R@5 + MRR ${(value / 5).toFixed(3)}`);
    if (value > best.value) best = { lambda, value };
  }
  return best.lambda;
}

function table(title: string, questions: Question[], rankers: Record<string, Ranker>): void {
  console.log(`\n${title}`);
  const categories = ['overall', ...new Set(questions.map((q) => q.category))];
  console.log(['category'.padEnd(20), ...Object.keys(rankers).map((name) => `${name} R@5 / MRR`.padEnd(22))].join(''));
  for (const category of categories) {
    const subset = category === 'overall' ? questions : questions.filter((q) => q.category === category);
    const cells = Object.values(rankers).map((ranker) => {
      const e = evaluate(subset, ranker);
      return `${(e.recall5 * 100).toFixed(1)}% / ${e.mrr.toFixed(3)}`.padEnd(22);
    });
    console.log([`${category} (${subset.length})`.padEnd(20), ...cells].join(''));
  }
}

async function main(): Promise<void> {
  const questions = await candidatesOf(own());
  const tuning = questions.filter((q) => q.split === 'tuning');
  console.log(`own set: ${questions.length} questions, ${tuning.length} in the tuning half; choosing the L2 penalty:`);
  const lambda = chooseLambda(tuning);
  const w = train(tuning, lambda);
  const weights = Object.fromEntries(FEATURES.map((name, i) => [name, Math.round(w[i]! * 1000) / 1000])) as Record<Feature, number>;
  console.log(`\nlambda ${lambda}; weights:\n${JSON.stringify(weights)}`);
  const rankers = { semantic: byRank('semanticRank'), keyword: byRank('keywordRank'), rrf: byRrf, learned: byWeights(FEATURES.map((name) => weights[name])) };
  table('own set, tuning half (trained on)', tuning, rankers);
  table(
    'own set, held-out half',
    questions.filter((q) => q.split === 'held_out'),
    rankers,
  );
  // TRAIN_DEBUG=<category>: the held-out questions of that category the learned ranking misses in its top 5.
  for (const q of questions.filter((q) => q.split === 'held_out' && q.category === process.env.TRAIN_DEBUG)) {
    const w2 = FEATURES.map((name) => weights[name]);
    const ranked = [...q.items].sort((a, b) => dot(w2, b.features) - dot(w2, a.features));
    if (
      score(
        ranked.map((i) => i.tags),
        q.expected,
      ).recall5 === 1
    )
      continue;
    console.log(`\n${q.id}: ${q.expected.join(',')}`);
    for (const item of ranked.filter((item, i) => i < 4 || (item.relevant && i >= 5))) {
      const f = Object.fromEntries(FEATURES.map((name, i) => [name, Math.round(item.features[i]! * 100) / 100]).filter(([, v]) => v !== 0));
      console.log(
        `  ${item.relevant ? '*' : ' '} #${ranked.indexOf(item) + 1} sem ${item.candidate.semanticRank} kw ${item.candidate.keywordRank} ${dot(w2, item.features).toFixed(2)} ${item.candidate.memory.content.slice(0, 70)} ${JSON.stringify(f)}`,
      );
    }
  }
  const dev = devbench();
  if (dev) table('DevBench (never trained on)', await candidatesOf(dev), rankers);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
