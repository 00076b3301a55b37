/** The keyword leg within its budget beside every term selecting candidates, for `npm run bench` (both backends). */
import { keywordTerms } from '../src/search/keyword-terms.js';
import type { KeywordHit } from '../src/storage/memory.js';
import type { StorageBackend } from '../src/storage/storage-backend.js';
import { percentile, round, timed } from './stats.js';

/** p50 as it runs and with every term selecting candidates, and the share of its top 10 / 50 that score at least the exact 10th / 50th (1: as good as exact). */
export interface KeywordLegFigures {
  p50_ms: number;
  all_terms_p50_ms: number;
  as_good_as_exact_10th: number;
  as_good_as_exact_50th: number;
}

/** The keyword leg as it runs (`current`) beside every term selecting candidates (`reference`), on the same questions, 50 results each. */
export async function keywordLeg(current: StorageBackend, reference: StorageBackend, queries: readonly string[]): Promise<KeywordLegFigures> {
  const [ms, referenceMs] = [[] as number[], [] as number[]];
  let [good10, good50] = [0, 0];
  for (const query of queries) {
    const terms = keywordTerms(query);
    let hits: KeywordHit[] = [];
    let truth: KeywordHit[] = [];
    // In turns first (the first reads the terms' pages from disk for both).
    const runs = [
      async () => ms.push(await timed(async () => (hits = await current.text.searchByKeywords(terms, {}, 50)))),
      async () => referenceMs.push(await timed(async () => (truth = await reference.text.searchByKeywords(terms, {}, 50)))),
    ];
    for (const run of ms.length % 2 === 0 ? runs : runs.reverse()) await run();
    // Ties are common (copies of one sentence): a result counts when its exact score (every term
    // selecting candidates; the budgeted SQLite search extrapolates very common terms' counts) is the k-th's or more.
    const exactScore = new Map((await reference.text.searchByKeywords(terms, {}, 1000)).map((hit) => [hit.memory.contentHash, hit.score]));
    const asGood = (k: number): number => {
      const kth = truth[Math.min(k, truth.length) - 1]?.score ?? 0;
      return (
        hits.slice(0, k).filter((hit) => (exactScore.get(hit.memory.contentHash) ?? -Infinity) >= kth - 1e-9).length / Math.max(1, Math.min(k, truth.length))
      );
    };
    good10 += asGood(10);
    good50 += asGood(50);
  }
  return {
    p50_ms: round(percentile(ms, 50)),
    all_terms_p50_ms: round(percentile(referenceMs, 50)),
    as_good_as_exact_10th: round(good10 / queries.length, 3),
    as_good_as_exact_50th: round(good50 / queries.length, 3),
  };
}
