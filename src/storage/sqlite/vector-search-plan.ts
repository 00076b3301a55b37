import { LARGE_INDEX_FROM } from './ann-index.protocol.js';

/** A filter matching at most this many memories is searched exactly (bounded cost); a broader one through the index. */
export const EXACT_FILTERED_MAX = 5_000;
/** Filtered vector searches count the filter's memories up to this many (enough to choose the way and the depth). */
export const FILTER_COUNT_CAP = 20_000;
/** The most candidates ever asked of the index; past it the exact scan of the filter's rows answers. */
export const ANN_MAX_CANDIDATES = 4_096;

/** How a vector search runs (SqliteVectorSearch carries it out). */
export type VectorSearchPlan =
  /** Exact k-nearest over every vector (sqlite-vec's scan): no index, no filter. */
  | { way: 'scan' }
  /** Exact distances over the rows the filter keeps: correct however selective it is. */
  | { way: 'filtered-scan' }
  /**
   * Candidates from the index, re-scored exactly. `candidates` is the first depth asked; with a
   * filter, fewer than `enough` passing it means the filter disagrees with the query's
   * neighbourhood: ask deeper (candidateDepths), then fall back to the filtered scan.
   */
  | { way: 'index'; candidates: number; enough: number };

export interface VectorSearchShape {
  /** Vectors in a ready index; null when there is none (off, below its threshold, building). */
  indexed: number | null;
  /** Whether a filter restricts the memories (the excluded hash aside). */
  filtered: boolean;
  /** Memories the filter keeps, counted up to FILTER_COUNT_CAP (unfiltered: ignored). */
  matching: number;
  limit: number;
  /** Whether one memory (the query's own) is excluded from the results. */
  excluding: boolean;
}

/**
 * Candidates asked of the index per result wanted (re-scored exactly, then cut), and at least a
 * minimum; more for large indexes, where the quantized index's order is rougher. Each candidate
 * costs a vector lookup, so more than recall needs is time for nothing (docs/benchmarks.md).
 */
export function annCandidates(limit: number, indexed: number, selectivity: number): number {
  const [perResult, least] = indexed >= LARGE_INDEX_FROM ? [3, 30] : [2, 20];
  return Math.ceil(Math.max(least, (limit + 1) * perResult * selectivity));
}

/**
 * How many memories the filter keeps decides the way: few are scanned exactly (cheap), many are
 * found through the index with candidates scaled by how selective the filter is (a filter past
 * the count's cap is taken to keep most memories).
 */
export function planVectorSearch({ indexed, filtered, matching, limit, excluding }: VectorSearchShape): VectorSearchPlan {
  if (indexed !== null && (!filtered || matching > EXACT_FILTERED_MAX)) {
    const selectivity = !filtered || matching >= FILTER_COUNT_CAP ? 1 : Math.max(1, indexed / Math.max(1, matching));
    return { way: 'index', candidates: annCandidates(limit, indexed, selectivity), enough: filtered ? Math.min(limit, matching - (excluding ? 1 : 0)) : 0 };
  }
  return { way: filtered ? 'filtered-scan' : 'scan' };
}

/** The depths an index search asks, from the first: four times deeper each time, up to ANN_MAX_CANDIDATES. */
export function* candidateDepths(first: number): Generator<number> {
  for (let depth = first; ; depth *= 4) {
    yield Math.min(ANN_MAX_CANDIDATES, depth);
    if (depth >= ANN_MAX_CANDIDATES) return;
  }
}
