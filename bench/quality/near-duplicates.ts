/**
 * `npm run bench:duplicates`: the near-duplicate threshold (MCP_DUPLICATE_SIMILARITY), measured
 * through the REST API of a real server on the project's own corpus (bench/quality/corpus.json).
 *
 * Near-duplicates: each memory stored again lightly restated (lower-cased, a period dropped, a
 * "Note:" prefix, a word swapped for a synonym), as repeated notes arrive; the store answer's
 * `similar` gives its similarity to the original. Different facts: each memory's nearest other
 * memory (GET /api/search/similar), among them the corpus's schedules that differ in one detail.
 * The threshold is chosen on half of the memories (alternate blocks of four, so each half has every
 * kind of restatement; best F0.5) and reported on the other half, which took no part in choosing it.
 */
import { KEY, own, request, withCorpusServer } from './corpora.js';

const RESTATE: ((text: string) => string)[] = [
  (text) => text.toLowerCase(),
  (text) => (text.endsWith('.') ? text.slice(0, -1) : `${text}.`),
  (text) => `Note: ${text}`,
  (text) => text.replace(/\b(is|runs|starts|moved)\b/, (word) => ({ is: "'s", runs: 'is running', starts: 'begins', moved: 'was moved' })[word]!),
];

interface Pair {
  index: number;
  similarity: number;
  duplicate: boolean;
}

/**
 * Precision, recall and F0.5 (precision counted twice: a false near-duplicate is the costlier
 * mistake, since supersede_similar acts on it).
 */
function scoreAt(pairs: readonly Pair[], threshold: number): { precision: number; recall: number; f: number } {
  const flagged = pairs.filter((p) => p.similarity >= threshold);
  const truePositives = flagged.filter((p) => p.duplicate).length;
  const positives = pairs.filter((p) => p.duplicate).length;
  const precision = flagged.length === 0 ? 1 : truePositives / flagged.length;
  const recall = positives === 0 ? 1 : truePositives / positives;
  return { precision, recall, f: precision + recall === 0 ? 0 : (1.25 * precision * recall) / (0.25 * precision + recall) };
}

async function main(): Promise<void> {
  process.env.MCP_DUPLICATE_SIMILARITY = '0.000001';
  const corpus = own();
  const pairs = await withCorpusServer(corpus, async (server) => {
    const api = `${server.url}/api`;
    const headers = { authorization: `Bearer ${KEY}` };
    const hashes: string[] = [];
    const found: Pair[] = [];
    for (const [index, memory] of corpus.memories.entries()) {
      const page = await request(`${api}/search`, { query: memory.content, mode: 'exact', n_results: 1 });
      const hash = page.results[0].memory.content_hash as string;
      hashes.push(hash);
      const res = await fetch(`${api}/search/similar/${hash}?n_results=1`, { headers });
      const nearest = ((await res.json()) as { results: { similarity_score: number }[] }).results[0];
      found.push({ index, similarity: nearest?.similarity_score ?? 0, duplicate: false });
    }
    for (const [index, memory] of corpus.memories.entries()) {
      const restated = RESTATE[index % RESTATE.length]!(memory.content);
      if (restated === memory.content) continue;
      const answer = await request(`${api}/memories`, { content: restated, space: 'default' });
      const original = (answer.similar as { content_hash: string; similarity: number }[]).find((s) => s.content_hash === hashes[index]);
      found.push({ index, similarity: original?.similarity ?? 0, duplicate: true });
    }
    return found;
  });
  // Halves by blocks of RESTATE.length memories, so each half holds every kind of restatement.
  const half = (p: Pair): number => Math.floor(p.index / RESTATE.length) % 2;
  const tuning = pairs.filter((p) => half(p) === 0);
  const heldOut = pairs.filter((p) => half(p) === 1);
  const candidates = Array.from({ length: 201 }, (_, i) => 0.8 + i * 0.001);
  const best = candidates.reduce((a, b) => (scoreAt(tuning, b).f > scoreAt(tuning, a).f ? b : a));
  const show = (name: string, set: readonly Pair[], threshold: number): void => {
    const { precision, recall, f } = scoreAt(set, threshold);
    console.log(`${name.padEnd(28)} threshold ${threshold.toFixed(3)}  precision ${precision.toFixed(3)}  recall ${recall.toFixed(3)}  F0.5 ${f.toFixed(3)}`);
  };
  console.log(`near-duplicate pairs ${pairs.filter((p) => p.duplicate).length}, different-fact pairs ${pairs.filter((p) => !p.duplicate).length}`);
  show('tuning half (chosen here)', tuning, best);
  show('held-out half', heldOut, best);
  for (const threshold of [0.9, 0.93, 0.95, 0.97]) show('held-out half', heldOut, threshold);
  const quantile = (values: number[], q: number): number => values.sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]!;
  const duplicates = heldOut.filter((p) => p.duplicate).map((p) => p.similarity);
  const different = heldOut.filter((p) => !p.duplicate).map((p) => p.similarity);
  console.log(
    `held-out similarities: near-duplicates p5 ${quantile(duplicates, 0.05).toFixed(3)} p50 ${quantile(duplicates, 0.5).toFixed(3)}; ` +
      `different facts p50 ${quantile(different, 0.5).toFixed(3)} p95 ${quantile(different, 0.95).toFixed(3)} max ${quantile(different, 1).toFixed(3)}`,
  );
}

await main();
