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
 * The search expansion for deep candidate lists (filtered searches ask for hundreds of
 * candidates; HNSW finds a list that deep accurately only with an expansion beyond it).
 */
export const DEEP_EXPANSION_SEARCH = 1024;
/** Candidate lists longer than this are searched with the deep expansion. */
export const SHALLOW_MAX_CANDIDATES = 100;

/**
 * How many results to ask of the index for `k` candidates. usearch searches with an expansion of
 * max(its configured expansion, results wanted), so asking for more results is how one memory
 * mapping of the file serves every expansion (a second view of the file would be a second
 * mapping, counted again in the process's RSS as searches touch it). The first `k` are kept.
 */
export function searchWidth(k: number, indexed: number): number {
  const expansion = k > SHALLOW_MAX_CANDIDATES ? DEEP_EXPANSION_SEARCH : indexed >= LARGE_INDEX_FROM ? LARGE_INDEX_EXPANSION_SEARCH : 0;
  return Math.min(Math.max(k, expansion), indexed);
}

export interface AnnBuildJob {
  dbPath: string;
  indexFile: string;
  dimension: number;
  /** Int32Array over a SharedArrayBuffer: set to 1 to stop the build between chunks (a worker busy in native code must not be terminated). */
  stop: SharedArrayBuffer;
}

export type AnnBuildReply = { ok: true; lastChangeId: number; count: number; buildMs: number } | { ok: false; message: string; stopped?: boolean };
