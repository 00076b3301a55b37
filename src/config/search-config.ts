import { ConfigError, type Env, readBool, readChoice, readFloat, readInt } from './env-readers.js';

/** hybrid: words and meaning fused; semantic: meaning; keyword: words (full text); exact: the text as a substring. */
export type SearchMode = 'hybrid' | 'semantic' | 'keyword' | 'exact';

export interface SearchConfig {
  /** The mode a search runs in when the request names none. */
  readonly defaultMode: SearchMode;
  readonly fusion: {
    readonly method: 'rrf' | 'weighted_average' | 'evidence';
    readonly rrfK: number;
    /** Normalized so the two weights add up to 1. */
    readonly keywordWeight: number;
    readonly semanticWeight: number;
  };
  /** Candidates each leg contributes to the fusion. */
  readonly candidates: number;
  /** Query embeddings kept (least recently used out); 0 = no cache. */
  readonly queryCacheSize: number;
}

/**
 * Defaults chosen on the quality benchmark (docs/benchmarks.md, "Search quality"): with the bundled 512-d
 * model, words are the stronger evidence, so reciprocal rank fusion leans 0.7 / 0.3 towards the
 * keyword leg (upstream's 0.3 / 0.7 are for its weighted average with a stronger model).
 */
export const DEFAULT_KEYWORD_WEIGHT = 0.7;
export const DEFAULT_SEMANTIC_WEIGHT = 0.3;

/** The upstream service's variable names, so its users' settings carry over. */
export function readSearchConfig(env: Env): SearchConfig {
  const keyword = readFloat(env, 'MCP_HYBRID_KEYWORD_WEIGHT', DEFAULT_KEYWORD_WEIGHT, 0, 1);
  const semantic = readFloat(env, 'MCP_HYBRID_SEMANTIC_WEIGHT', DEFAULT_SEMANTIC_WEIGHT, 0, 1);
  if (keyword + semantic === 0) {
    throw new ConfigError('MCP_HYBRID_KEYWORD_WEIGHT', 'and MCP_HYBRID_SEMANTIC_WEIGHT cannot both be 0');
  }
  return Object.freeze({
    defaultMode: readBool(env, 'MCP_HYBRID_SEARCH_ENABLED', true) ? 'hybrid' : 'semantic',
    fusion: Object.freeze({
      method: readChoice(env, 'MCP_HYBRID_FUSION_METHOD', ['rrf', 'weighted_average', 'evidence'] as const, 'rrf'),
      rrfK: readInt(env, 'MCP_HYBRID_RRF_K', 60, 1, 1000),
      keywordWeight: keyword / (keyword + semantic),
      semanticWeight: semantic / (keyword + semantic),
    }),
    candidates: readInt(env, 'MCP_HYBRID_CANDIDATES', 50, 1, 1000),
    queryCacheSize: readInt(env, 'MCP_QUERY_CACHE_SIZE', 1000, 0, 1_000_000),
  });
}
