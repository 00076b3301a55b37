import { MetricKind, ScalarKind } from './usearch.js';

/**
 * HNSW settings: cosine on 8-bit quantized vectors (a quarter of the memory of floats); the
 * candidates are re-scored with the exact stored vectors, so quantization costs no accuracy in
 * the similarities returned, and the generous expansion keeps recall high.
 */
export const ANN_INDEX_SETTINGS = {
  metric: MetricKind.Cos,
  quantization: ScalarKind.I8,
  connectivity: 16,
  expansion_add: 128,
  expansion_search: 128,
  multi: false,
} as const;

/**
 * Large indexes are searched with a wider expansion: their graph is deeper, and the default
 * expansion loses recall there while smaller indexes already find nearly every neighbour with it
 * (figures: docs/benchmarks.md, "Behind the code's constants").
 */
export const LARGE_INDEX_FROM = 250_000;
export const LARGE_INDEX_EXPANSION_SEARCH = 256;

/**
 * Candidate lists longer than this are searched with an expansion in proportion to their depth
 * (filtered searches ask for hundreds of candidates, a hybrid search's meaning leg for a hundred
 * or so; HNSW finds a list that deep accurately only with an expansion beyond it).
 */
export const SHALLOW_MAX_CANDIDATES = 100;
/** A deep list's expansion per candidate asked (recall of a 50-result list from 102 candidates at 100,000: docs/benchmarks.md). */
export const DEEP_EXPANSION_PER_CANDIDATE = 2.5;
/** The widest expansion a deep list gets (beyond it the cost grows faster than the recall). */
export const DEEP_EXPANSION_SEARCH = 1024;

/**
 * Approximate distances (8-bit quantized) differ from the exact ones by up to about this much
 * (p99 at 100,000 memories; docs/benchmarks.md): candidates this close to the nearest ones may be
 * nearer than the index says, so they are re-scored too.
 */
export const NEAR_TIE_BAND = 0.01;
/** The most candidates near ties add (each is one exact vector lookup). */
export const MAX_TIED_CANDIDATES = 1024;
/**
 * Near ties (within NEAR_TIE_BAND of the `limit`-th nearest) this many times `limit` make a
 * neighbourhood crowded (near-duplicates): an ordinary one has fewer (at 100,000 memories p90 2.8x
 * for 10 results, 2.1x for 50; near-duplicates 3.4-23x).
 */
export const CROWDED_TIES_PER_RESULT = 3;
/**
 * A crowded neighbourhood is searched once more, looking at this many vectors per near tie: among
 * many near-equals HNSW finds the nearest ones only by looking well past them.
 */
export const WIDTH_PER_TIE = 16;
/** The widest search a crowded neighbourhood gets (results and expansion). */
export const MAX_SEARCH_WIDTH = 4096;

/**
 * After a search `width` wide found `ties` vectors within NEAR_TIE_BAND of the `limit`-th
 * nearest: how wide to search again (once), or null when it looked far enough.
 */
export function widerSearch(width: number, ties: number, limit: number, indexed: number): number | null {
  const wanted = Math.min(MAX_SEARCH_WIDTH, indexed, ties * WIDTH_PER_TIE);
  return ties >= limit * CROWDED_TIES_PER_RESULT && wanted > width ? searchWidth(wanted, indexed) : null;
}

/**
 * How many results to ask of the index for `k` candidates. usearch searches with an expansion of
 * max(its configured expansion, results wanted), so asking for more results is how one memory
 * mapping of the file serves every expansion (a second view of the file would be a second
 * mapping, counted again in the process's RSS as searches touch it). Results up to the expansion
 * cost nothing more, and show how crowded the neighbourhood is past the first `k`.
 */
export function searchWidth(k: number, indexed: number): number {
  const base = indexed >= LARGE_INDEX_FROM ? LARGE_INDEX_EXPANSION_SEARCH : ANN_INDEX_SETTINGS.expansion_search;
  const expansion = k > SHALLOW_MAX_CANDIDATES ? Math.max(base, Math.min(DEEP_EXPANSION_SEARCH, Math.ceil(k * DEEP_EXPANSION_PER_CANDIDATE))) : base;
  return Math.min(Math.max(k, expansion), indexed);
}

export interface AnnBuildJob {
  dbPath: string;
  /** Where the worker saves the index: a file of this build only, adopted (moved to the index file) or deleted by its owner. */
  buildFile: string;
  dimension: number;
  /** Int32Array over a SharedArrayBuffer: set to 1 to stop the build between chunks (a worker busy in native code must not be terminated). */
  stop: SharedArrayBuffer;
}

export type AnnBuildReply = { ok: true; lastChangeId: number; count: number; buildMs: number } | { ok: false; message: string; stopped?: boolean };
