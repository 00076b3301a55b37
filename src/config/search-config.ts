import { ConfigError, type Env, readBool, readChoice, readFloat, readInt } from './env-readers.js';

/** hybrid: words and meaning fused; semantic: meaning; keyword: words (full text); exact: the text as a substring. */
export type SearchMode = 'hybrid' | 'semantic' | 'keyword' | 'exact' | 'ranked';

export type FusionMethod = 'learned' | 'rrf' | 'weighted_average';

/**
 * The per-candidate features the `learned` fusion weighs: how close in meaning, where each leg
 * placed it, and what its matching words are worth (search/candidate-evidence.ts). Each is 0..1, so
 * that one weight means the same on any store and any question. (What is the same for every
 * candidate of a question, such as the best similarity, cannot change the order, so is no feature.)
 */
export const FEATURES = [
  'similarity',
  'semantic_place',
  'keyword_place',
  'keyword_score',
  'evidence',
  'rarest_match',
  'coverage',
  'identifier',
  'keyword_place_x_rarest',
  'found_evidence',
  'name',
  'keyword_place_x_evidence',
  'english_evidence',
  'english_rarest',
] as const;

export type Feature = (typeof FEATURES)[number];
export type FusionWeights = Readonly<Record<Feature, number>>;


export interface SearchConfig {
  /** The mode a search runs in when the request names none. */
  readonly defaultMode: SearchMode;
  readonly fusion: {
    readonly method: FusionMethod;
    readonly rrfK: number;
    /** Normalized so the two weights add up to 1. */
    readonly keywordWeight: number;
    readonly semanticWeight: number;
    /** The `learned` method's weights; null: the trained ones it ships with. */
    readonly weights: FusionWeights | null;
  };
  /** Candidates each leg contributes to the fusion. */
  readonly candidates: number;
  /** Query embeddings kept (least recently used out); 0 = no cache. */
  readonly queryCacheSize: number;
}

/**
 * The weights of rrf and weighted_average (not of the default, learned): with the bundled 512-d
 * model, words are the stronger evidence, so they lean 0.7 / 0.3 towards the keyword leg
 * (upstream's 0.3 / 0.7 are for its weighted average with a stronger model). docs/search.md.
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
  const weightsJson = env.MCP_HYBRID_FUSION_WEIGHTS?.trim();
  const weights = weightsJson ? parseFusionWeights(weightsJson) : null;
  if (typeof weights === 'string') throw new ConfigError('MCP_HYBRID_FUSION_WEIGHTS', weights);
  return Object.freeze({
    defaultMode: readBool(env, 'MCP_HYBRID_SEARCH_ENABLED', true) ? 'hybrid' : 'semantic',
    fusion: Object.freeze({
      method: readChoice(env, 'MCP_HYBRID_FUSION_METHOD', ['learned', 'rrf', 'weighted_average'] as const, 'learned'),
      rrfK: readInt(env, 'MCP_HYBRID_RRF_K', 60, 1, 1000),
      keywordWeight: keyword / (keyword + semantic),
      semanticWeight: semantic / (keyword + semantic),
      weights,
    }),
    candidates: readInt(env, 'MCP_HYBRID_CANDIDATES', 50, 1, 1000),
    queryCacheSize: readInt(env, 'MCP_QUERY_CACHE_SIZE', 1000, 0, 1_000_000),
  });
}

/** Weights from configuration: a JSON object naming features; a feature it leaves out weighs 0. */
function parseFusionWeights(json: string): FusionWeights | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return 'is not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return `is not a JSON object of weights by feature (${FEATURES.join(', ')})`;
  const weights = Object.fromEntries(FEATURES.map((name) => [name, 0])) as Record<Feature, number>;
  for (const [name, value] of Object.entries(parsed)) {
    if (!(FEATURES as readonly string[]).includes(name)) return `names an unknown feature "${name}" (known: ${FEATURES.join(', ')})`;
    if (typeof value !== 'number' || !Number.isFinite(value)) return `gives "${name}" a weight that is not a finite number`;
    weights[name as Feature] = value;
  }
  return Object.freeze(weights);
}
