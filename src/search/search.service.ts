import { Inject, Injectable, Logger } from '@nestjs/common';
import { InvalidInputError, MemoryNotFoundError } from '../common/domain-errors.js';
import { INPUT_LIMITS } from '../common/input-limits.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { SearchMode } from '../config/search-config.js';
import { OperationTimings } from '../stats/operation-timings.js';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '../embeddings/embedding-provider.js';
import { normalizeTags } from '../memories/tags.js';
import { agentIdOf } from '../memories/memory-input.js';
import { isVisible, type KeywordHit, type Memory, type MemoryFilter, type PassageSpan, type ScoredMemory, type TagMatch } from '../storage/memory.js';
import { MEMORY_STORE, type MemoryStore, TEXT_SEARCH, type TextSearch, VECTOR_SEARCH, type VectorSearch, type VectorSearchOptions } from '../storage/roles.js';
import { addEvidence } from './candidate-evidence.js';
import { englishRarity } from './english-frequency.js';
import { type Candidate, fuse } from './fusion.js';
import { keywordTerms, matchedTerms } from './keyword-terms.js';
import { QueryEmbeddingCache, type QueryCacheStats } from './query-embedding-cache.js';
import { ResultCache } from './result-cache.js';
import { EVENT_LOG, type EventLog } from '../storage/change-log.js';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { SearchEvents, type SearchCompletedEvent } from './search-events.js';
import { rankHits, RANKED_CANDIDATES_PER_RESULT, RANKED_MAX_CANDIDATES, rankingWeights, type RankingWeights } from './ranked.js';
import { AccessTracker } from '../access/access-tracker.service.js';
import { timePhrase, timeWindow } from '../time/time-window.js';
import { type Caller, inSpaces, readableSpaces } from '../spaces/space-access.js';
import { withoutRepeatedTurns } from '../sessions/session-memories.js';

export type { SearchMode };

export interface SearchHit {
  memory: Memory;
  /** 0..1: cosine similarity clamped at 0 (0 in keyword mode); 1 for exact tag/time matches. */
  similarity: number;
  /** The keyword leg's score relative to its best hit (0..1], or null when keywords did not match. */
  keywordScore: number | null;
  /** The fused ranking score (hybrid only). */
  fusedScore: number | null;
  reason: string;
  /** The passage of a long memory that matched the query by meaning (closer than its whole text). */
  passage?: PassageSpan;
  /** How a fallback found it (not the search itself). */
  matchMethod?: MatchMethod;
}

/** How a fallback hit was found: the query as a substring, or a tag equal to one of its words. */
export type MatchMethod = 'exact_fallback' | 'tag_fallback';

/** With `fallback`, a search that finds fewer than this adds exact matches, then memories tagged with the query's words. */
export const FALLBACK_BELOW = 3;

export interface SemanticSearchOptions {
  query: string;
  limit: number;
  threshold?: number | null;
  tags?: readonly string[] | null;
  /** How tags combine (default any). */
  tagMatch?: TagMatch | null;
  timeFilter?: string | null;
  /** Created at or after (YYYY-MM-DD = local midnight, or ISO 8601). */
  after?: string | null;
  /** Created before (YYYY-MM-DD = local midnight, or ISO 8601). */
  before?: string | null;
  /** Defaults to the configured mode (hybrid unless MCP_HYBRID_SEARCH_ENABLED=false). */
  mode?: SearchMode | null;
  /** Fewer than FALLBACK_BELOW hits: add exact matches, then memories tagged with the query's words (up to the limit). */
  fallback?: boolean | null;
  /** One space (else, or with "all", every space the caller may read). */
  space?: string | null;
  /** Only this agent's memories (metadata.agent_id or tag agent:<id>). */
  agentId?: string | null;
  /** Superseded versions too (default: current versions only). */
  includeSuperseded?: boolean | null;
  /** Mode ranked: how much meaning, recency and use count (upstream's ranking_weights). */
  rankingWeights?: Partial<RankingWeights> | null;
  caller: Caller;
}

export interface SearchOutcome {
  hits: SearchHit[];
  mode: SearchMode;
  /** Whether the fallback ran (asked for, and the search found too few). */
  fallbackUsed: boolean;
}

export interface TagSearchOptions {
  tags: readonly string[];
  match: TagMatch;
  limit: number;
  timeFilter?: string | null;
  space?: string | null;
  caller: Caller;
}

export interface TimeSearchOptions {
  phrase: string;
  limit: number;
  semanticQuery?: string | null;
  space?: string | null;
  caller: Caller;
}

/** The filter's spaces: the one named, else every space the caller may read (none: every space). */
const spacesFilter = (caller: Caller, space: string | null | undefined): MemoryFilter => inSpaces(readableSpaces(caller, space));

/** Cosine distance (0..2) → similarity in 0..1; opposite-direction vectors score 0, not negative. */
export function similarityFromDistance(distance: number): number {
  return Math.min(1, Math.max(0, 1 - distance));
}

@Injectable()
export class SearchService {
  private readonly logger = new Logger('Search');
  private readonly queryEmbeddings: QueryEmbeddingCache;
  /** Hybrid results by request (query, filter, limit), as sized as the query cache. */
  private readonly hybridResults: ResultCache<SearchHit>;

  constructor(
    @Inject(MEMORY_STORE) private readonly memories: MemoryStore,
    @Inject(EVENT_LOG) private readonly changes: EventLog,
    @Inject(VECTOR_SEARCH) private readonly vectors: VectorSearch,
    @Inject(TEXT_SEARCH) private readonly text: TextSearch,
    @Inject(EMBEDDING_PROVIDER) private readonly embeddings: EmbeddingProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly timings: OperationTimings,
    private readonly events: EventEmitter2,
    private readonly access: AccessTracker,
  ) {
    this.queryEmbeddings = new QueryEmbeddingCache(embeddings, config.search.queryCacheSize);
    this.hybridResults = new ResultCache(config.search.queryCacheSize);
    // The English word counts take tens of milliseconds to read: at start-up, not in the first search.
    if (config.search.fusion.method === 'learned') englishRarity('');
  }

  /** Search by text in the requested mode: meaning, keywords, or both fused; timed for the stats. */
  async search(options: SemanticSearchOptions): Promise<SearchOutcome> {
    const started = performance.now();
    const outcome = await this.timings.time('search', () => this.embeddings.consistently(() => this.searchUntimed(options)));
    this.access.touch(outcome.hits.map((hit) => hit.memory));
    this.events.emit(SearchEvents.completed, {
      query: options.query,
      searchType: outcome.mode,
      resultsCount: outcome.hits.length,
      processingTimeMs: Math.round((performance.now() - started) * 100) / 100,
      by: options.caller.label,
    } satisfies SearchCompletedEvent);
    return outcome;
  }

  private async searchUntimed(options: SemanticSearchOptions): Promise<SearchOutcome> {
    const mode = options.mode ?? this.config.search.defaultMode;
    const filter = this.filterOf(options);
    const hits =
      mode === 'semantic'
        ? await this.semanticHits(options.query, filter, options.limit)
        : mode === 'keyword'
          ? await this.keywordHits(options.query, filter, options.limit)
          : mode === 'exact'
            ? await this.exactHits(options.query, filter, options.limit)
            : mode === 'ranked'
              ? await this.rankedHits(options.query, filter, options.limit, options.rankingWeights)
              : await this.hybridHits(options.query, filter, options.limit);
    const threshold = options.threshold ?? 0;
    // A cached result may hold a memory that expired since (expiry logs no change until the purge).
    const now = Date.now() / 1000;
    const kept = hits.filter(
      (hit) => isVisible(hit.memory, now, options.includeSuperseded === true) && (hit.similarity >= threshold || mode === 'keyword' || mode === 'exact'),
    );
    if (options.fallback !== true || kept.length >= FALLBACK_BELOW) return { hits: kept, mode, fallbackUsed: false };
    return { hits: await this.withFallback(kept, options.query, filter, options.limit), mode, fallbackUsed: true };
  }

  /** Too few hits: exact matches of the query, then memories tagged with one of its words, each memory once, up to the limit. */
  private async withFallback(found: SearchHit[], query: string, filter: MemoryFilter, limit: number): Promise<SearchHit[]> {
    const hits = [...found];
    const key = (hit: SearchHit): string => `${hit.memory.space}\n${hit.memory.contentHash}`;
    const seen = new Set(found.map(key));
    const add = (more: SearchHit[]): void => {
      for (const hit of more) {
        if (hits.length >= limit) return;
        if (seen.has(key(hit))) continue;
        seen.add(key(hit));
        hits.push(hit);
      }
    };
    add((await this.exactHits(query, filter, limit)).map((hit) => ({ ...hit, matchMethod: 'exact_fallback' as const })));
    const words = queryWordsAsTags(query);
    if (words.length > 0 && hits.length < limit) {
      const tagged = await this.memories.find({ ...filter, tags: { tags: words, match: 'any' } }, 0, limit);
      add(tagged.map((memory) => ({ memory, similarity: 0, keywordScore: null, fusedScore: null, reason: 'tag match', matchMethod: 'tag_fallback' as const })));
    }
    return hits;
  }

  /** The caller's spaces, tags (any/all), a time phrase and after/before bounds, combined. */
  filterOf(
    options: Pick<SemanticSearchOptions, 'tags' | 'tagMatch' | 'timeFilter' | 'after' | 'before' | 'space' | 'agentId' | 'includeSuperseded' | 'caller'>,
  ): MemoryFilter {
    const tags = normalizeTags(options.tags);
    const agentId = agentIdOf(options.agentId);
    return {
      ...spacesFilter(options.caller, options.space),
      ...(agentId === null ? {} : { agentId }),
      ...(options.includeSuperseded === true ? { includeSuperseded: true } : {}),
      ...(tags.length > 0 ? { tags: { tags, match: options.tagMatch ?? 'any' } } : {}),
      ...timeWindow({ phrase: options.timeFilter, after: options.after, before: options.before }),
    };
  }

  /** Memories whose content contains the query text (case-insensitive), newest first. */
  private async exactHits(query: string, filter: MemoryFilter, limit: number): Promise<SearchHit[]> {
    const memories = await this.text.findContaining(query, filter, limit);
    return memories.map((memory) => ({ memory, similarity: 1, keywordScore: null, fusedScore: null, reason: 'exact match' }));
  }

  queryCacheStats(): QueryCacheStats {
    return this.queryEmbeddings.stats();
  }

  /**
   * Forgets the query vectors and the keyword leg's recent results (the vector leg's results are
   * kept per query vector, so they go with them): what was dropped.
   */
  clearCaches(): { queryEmbeddings: number; results: number; bytes: number } {
    const results = this.text.clearCache();
    const hybrid = this.hybridResults.clear();
    const queryEmbeddings = this.queryEmbeddings.clear();
    return { queryEmbeddings, results: results.entries + hybrid, bytes: queryEmbeddings * this.embeddings.dimension * 4 + results.bytes };
  }

  /** Memories nearest in meaning to one the caller may read, among those it may read (or of the space named). */
  similarTo(contentHash: string, limit: number, caller: Caller, space?: string | null): Promise<SearchHit[]> {
    return this.embeddings.consistently(() => this.similarToUnguarded(contentHash, limit, caller, space));
  }

  private async similarToUnguarded(contentHash: string, limit: number, caller: Caller, space: string | null | undefined): Promise<SearchHit[]> {
    const filter = spacesFilter(caller, space);
    const vector = (await this.memories.findByHash(contentHash, filter.spaces)) ? await this.memories.findEmbedding(contentHash) : null;
    if (!vector) throw new MemoryNotFoundError(contentHash);
    const scored = await this.vectors.searchByVector(vector, { ...filter, excludeHash: contentHash }, limit);
    const now = Date.now() / 1000;
    return scored.filter(({ memory }) => isVisible(memory, now)).map(semanticHit);
  }

  async byTags(options: TagSearchOptions): Promise<SearchHit[]> {
    const tags = normalizeTags(options.tags);
    if (tags.length === 0) throw InvalidInputError.field('tags', 'give at least one non-empty tag');
    const filter: MemoryFilter = {
      ...spacesFilter(options.caller, options.space),
      tags: { tags, match: options.match },
      ...timeWindow({ phrase: options.timeFilter }),
    };
    const memories = await this.memories.find(filter, 0, options.limit);
    const reason = `Tags (${options.match}): ${tags.join(', ')}`;
    return memories.map((memory) => ({ memory, similarity: 1, keywordScore: null, fusedScore: null, reason }));
  }

  /** Memories from a time phrase; with a semantic query, ranked by it (hybrid by default). */
  async byTime(options: TimeSearchOptions): Promise<SearchHit[]> {
    if (options.phrase.trim() === '') throw InvalidInputError.field('query', 'give a time expression such as "yesterday" or "last week"');
    const { window, rest } = timePhrase(options.phrase, 'query');
    const filter: MemoryFilter = { ...spacesFilter(options.caller, options.space), ...window };
    // A phrase inside a longer text ("deploy decisions last month"): the other words rank the memories of that time.
    const semanticQuery = options.semanticQuery || rest || null;
    if (semanticQuery) {
      const query = semanticQuery;
      const mode = this.config.search.defaultMode;
      return this.embeddings.consistently(() =>
        mode === 'hybrid' ? this.hybridHits(query, filter, options.limit) : this.semanticHits(query, filter, options.limit),
      );
    }
    const memories = await this.memories.find(filter, 0, options.limit);
    return memories.map((memory) => ({ memory, similarity: 1, keywordScore: null, fusedScore: null, reason: `Time: ${options.phrase}` }));
  }

  /** Candidates by meaning, reordered by meaning, recency and use (ranked.ts). */
  private async rankedHits(query: string, filter: MemoryFilter, limit: number, weights: Partial<RankingWeights> | null | undefined): Promise<SearchHit[]> {
    const normalized = rankingWeights(weights);
    const found = await this.semanticHits(query, filter, Math.min(RANKED_MAX_CANDIDATES, Math.max(limit, limit * RANKED_CANDIDATES_PER_RESULT)));
    // Use as of now: the stored counts (search results may come from a cache) and those not written yet.
    const stored = await this.memories.accessCounts(found.map((hit) => hit.memory));
    const candidates = found.map((hit) => {
      const count = (stored.get(`${hit.memory.space}\0${hit.memory.contentHash}`) ?? 0) + this.access.pendingCount(hit.memory);
      return { ...hit, memory: { ...hit.memory, accessCount: count } };
    });
    return rankHits(candidates, normalized, Date.now() / 1000).slice(0, limit);
  }

  private async semanticHits(query: string, filter: MemoryFilter, limit: number): Promise<SearchHit[]> {
    const scored = await this.vectorSearch(this.queryEmbeddings.embed(query), filter, limit);
    return scored.map(semanticHit);
  }

  /**
   * The vector search gets the vector while the model is still computing it (it reads its search
   * state meanwhile); the search is timed from the vector's arrival.
   */
  private async vectorSearch(vector: Promise<Float32Array>, filter: MemoryFilter, limit: number, options?: VectorSearchOptions) {
    let arrived = 0;
    const scored = await this.vectors.searchByVector(
      vector.then((ready) => {
        arrived = performance.now();
        return ready;
      }),
      filter,
      limit,
      options,
    );
    this.timings.record('vector_search', performance.now() - arrived);
    return scored;
  }

  private keywordSearch(terms: readonly string[], filter: MemoryFilter, limit: number) {
    return this.timings.time('keyword_search', () => this.text.searchByKeywords(terms, filter, limit));
  }

  private async keywordHits(query: string, filter: MemoryFilter, limit: number): Promise<SearchHit[]> {
    const terms = keywordTerms(query);
    const hits = await this.keywordSearch(terms, filter, limit);
    return hits.map((hit) => keywordHit(hit, terms, hits[0]!.score));
  }

  /** A hybrid search, answered from the recent results while nothing was written since. */
  private async hybridHits(query: string, filter: MemoryFilter, limit: number): Promise<SearchHit[]> {
    const version = await this.changes.newestId();
    return this.hybridResults.through(JSON.stringify([query, filter, limit]), version, () => this.hybridHitsUncached(query, filter, limit));
  }

  /**
   * Both legs over the same filter, top `candidates` each, fused. The keyword leg needs no vector:
   * it runs while the query is embedded. Keyword hits then get their true cosine (looked up beside
   * the semantic leg), so similarity_score means the same in every mode.
   */
  private async hybridHitsUncached(query: string, filter: MemoryFilter, limit: number): Promise<SearchHit[]> {
    const started = performance.now();
    const { candidates, terms } = await this.hybridCandidates(query, filter, limit);
    const searched = performance.now();
    // A conversation's turn and its session's memory say the same: shown once (the candidates reach past the limit).
    const fused = withoutRepeatedTurns(fuse(candidates, this.config.search.fusion)).slice(0, limit);
    const ms = (from: number, to: number): number => Math.round((to - from) * 10) / 10;
    this.logger.debug({
      msg: 'hybrid search',
      search_ms: ms(started, searched),
      fusion_ms: ms(searched, performance.now()),
      candidates: candidates.length,
      terms: terms.length,
    });
    return fused.map((c) => {
      const similarity = c.similarity ?? 0;
      const parts: string[] = [];
      if (c.semanticRank !== null) parts.push(`semantic ${similarity.toFixed(2)}${c.passage ? ' (passage)' : ''}`);
      if (c.keywordRank !== null) parts.push(`keywords: ${matchedTerms(terms, c.memory.content, c.memory.tags).join(', ') || terms.join(', ')}`);
      const { memory, keywordScore, fusedScore, passage } = c;
      return { memory, similarity, keywordScore, fusedScore, reason: parts.join('; '), ...(passage ? { passage } : {}) };
    });
  }

  /** Each leg's candidates for a hybrid search, one per memory, with what the fusion weighs (also what bench/quality/train-fusion.ts learns from). */
  async hybridCandidates(query: string, filter: MemoryFilter, limit: number): Promise<{ candidates: Candidate[]; terms: string[] }> {
    const terms = keywordTerms(query);
    const n = Math.max(this.config.search.candidates, limit);
    const keywordLeg = this.keywordSearch(terms, filter, n);
    // What each question word is worth: only the learned fusion weighs it (one count per word, run while the query is embedded).
    const frequencies = this.config.search.fusion.method === 'learned' ? this.text.termFrequencies(terms.filter((term) => !term.includes(' '))) : null;
    const vectorLeg = this.queryEmbeddings.embed(query);
    const [semantic, [keyword, distances]] = await Promise.all([
      // Under a selective filter, the answer's worth of meaning candidates will do (no exact scan for the fusion's extras).
      this.vectorSearch(vectorLeg, filter, n, { enough: limit }),
      Promise.all([keywordLeg, vectorLeg]).then(
        async ([hits, vector]) =>
          [
            hits,
            await this.vectors.distances(
              vector,
              hits.map((hit) => hit.memory.contentHash),
            ),
          ] as const,
      ),
    ]);
    const candidates = new Map<string, Candidate>();
    semantic.forEach(({ memory, distance, passage }, i) => {
      const hit = { memory, similarity: similarityFromDistance(distance), semanticRank: i + 1, keywordRank: null, keywordScore: null };
      candidates.set(memory.contentHash, passage ? { ...hit, passage } : hit);
    });
    const best = keyword[0]?.score ?? 0;
    keyword.forEach(({ memory, score }, i) => {
      const known = candidates.get(memory.contentHash);
      const keywordPart = { keywordRank: i + 1, keywordScore: relativeScore(score, best) };
      const distance = distances.get(memory.contentHash);
      if (known) Object.assign(known, keywordPart);
      else
        candidates.set(memory.contentHash, {
          memory,
          similarity: distance === undefined ? null : similarityFromDistance(distance.distance),
          ...(distance?.passage ? { passage: distance.passage } : {}),
          semanticRank: null,
          ...keywordPart,
        });
    });
    const all = [...candidates.values()];
    addEvidence(all, query, terms, frequencies === null ? null : await frequencies);
    return { candidates: all, terms };
  }
}

/** The query's words of three letters or more, as tags (lower case, punctuation dropped), at most as many as a filter takes. */
function queryWordsAsTags(query: string): string[] {
  const words = query
    .toLowerCase()
    .split(/\s+/u)
    .map((word) => word.replace(/[^\p{L}\p{N}_-]/gu, ''))
    .filter((word) => word.length > 2);
  return normalizeTags([...new Set(words)]).slice(0, INPUT_LIMITS.tags);
}

function keywordHit({ memory, score }: KeywordHit, terms: readonly string[], best: number): SearchHit {
  const matched = matchedTerms(terms, memory.content, memory.tags);
  const reason = `keywords: ${matched.length > 0 ? matched.join(', ') : terms.join(', ')}`;
  return { memory, similarity: 0, keywordScore: relativeScore(score, best), fusedScore: null, reason };
}

function semanticHit({ memory, distance, passage }: ScoredMemory): SearchHit {
  const similarity = similarityFromDistance(distance);
  return {
    memory,
    similarity,
    keywordScore: null,
    fusedScore: null,
    reason: `semantic ${similarity.toFixed(2)}${passage ? ' (passage)' : ''}`,
    ...(passage ? { passage } : {}),
  };
}

/** A keyword score relative to the best of its list: 1 for the best, less for the rest. */
function relativeScore(score: number, best: number): number {
  return best > 0 ? Math.round((score / best) * 1e4) / 1e4 : 0;
}
