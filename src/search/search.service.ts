import { Inject, Injectable } from '@nestjs/common';
import { InvalidInputError, MemoryNotFoundError } from '../common/domain-errors.js';
import { echo, MAX_TIME_PHRASE_LENGTH } from '../common/input-limits.js';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '../embeddings/embedding-provider.js';
import { normalizeTags } from '../memories/tags.js';
import {
  MEMORY_REPOSITORY,
  type Memory,
  type MemoryFilter,
  type MemoryRepository,
  type TagMatch,
} from '../storage/memory-repository.js';
import { parseTimeRange } from './time-range.parser.js';

export interface SearchHit {
  memory: Memory;
  /** 0..1: cosine similarity clamped at 0 for semantic hits; 1 for exact tag/time matches. */
  similarity: number;
  reason: string;
}

export interface SemanticSearchOptions {
  query: string;
  limit: number;
  threshold?: number | null;
  tags?: readonly string[] | null;
  timeFilter?: string | null;
}

export interface TagSearchOptions {
  tags: readonly string[];
  match: TagMatch;
  limit: number;
  timeFilter?: string | null;
}

export interface TimeSearchOptions {
  phrase: string;
  limit: number;
  semanticQuery?: string | null;
}

/** Cosine distance (0..2) → similarity in 0..1; opposite-direction vectors score 0, not negative. */
export function similarityFromDistance(distance: number): number {
  return Math.min(1, Math.max(0, 1 - distance));
}

@Injectable()
export class SearchService {
  constructor(
    @Inject(MEMORY_REPOSITORY) private readonly repository: MemoryRepository,
    @Inject(EMBEDDING_PROVIDER) private readonly embeddings: EmbeddingProvider,
  ) {}

  async semantic(options: SemanticSearchOptions): Promise<SearchHit[]> {
    const tags = normalizeTags(options.tags);
    const filter: MemoryFilter = {
      ...(tags.length > 0 ? { tags: { tags, match: 'any' as const } } : {}),
      ...this.timeFilter(options.timeFilter, 'time_filter'),
    };
    const [vector] = await this.embeddings.embed([options.query]);
    return this.nearest(vector!, filter, options.limit, options.threshold ?? 0);
  }

  async similarTo(contentHash: string, limit: number): Promise<SearchHit[]> {
    const vector = await this.repository.findEmbedding(contentHash);
    if (!vector) throw new MemoryNotFoundError(contentHash);
    return this.nearest(vector, { excludeHash: contentHash }, limit, 0);
  }

  async byTags(options: TagSearchOptions): Promise<SearchHit[]> {
    const tags = normalizeTags(options.tags);
    if (tags.length === 0) throw InvalidInputError.field('tags', 'give at least one non-empty tag');
    const filter: MemoryFilter = { tags: { tags, match: options.match }, ...this.timeFilter(options.timeFilter, 'time_filter') };
    const page = await this.repository.list(filter, 0, options.limit);
    const reason = `Tags (${options.match}): ${tags.join(', ')}`;
    return page.memories.map((memory) => ({ memory, similarity: 1, reason }));
  }

  async byTime(options: TimeSearchOptions): Promise<SearchHit[]> {
    if (options.phrase.trim() === '') throw InvalidInputError.field('query', 'give a time expression such as "yesterday" or "last week"');
    const filter = this.timeFilter(options.phrase, 'query');
    if (options.semanticQuery) {
      const [vector] = await this.embeddings.embed([options.semanticQuery]);
      return this.nearest(vector!, filter, options.limit, 0);
    }
    const page = await this.repository.list(filter, 0, options.limit);
    return page.memories.map((memory) => ({ memory, similarity: 1, reason: `Time: ${options.phrase}` }));
  }

  private async nearest(vector: Float32Array, filter: MemoryFilter, limit: number, threshold: number): Promise<SearchHit[]> {
    const scored = await this.repository.searchByVector(vector, filter, limit);
    return scored
      .map(({ memory, distance }) => {
        const similarity = similarityFromDistance(distance);
        return { memory, similarity, reason: `Semantic similarity ${similarity.toFixed(3)}` };
      })
      .filter((hit) => hit.similarity >= threshold);
  }

  private timeFilter(phrase: string | null | undefined, field: string): Pick<MemoryFilter, 'createdFrom' | 'createdBefore'> {
    if (phrase === null || phrase === undefined || phrase.trim() === '') return {};
    if (phrase.length > MAX_TIME_PHRASE_LENGTH) {
      throw InvalidInputError.field(field, `a time expression has at most ${MAX_TIME_PHRASE_LENGTH} characters; this one has ${phrase.length}`);
    }
    const range = parseTimeRange(phrase);
    if (!range) {
      throw InvalidInputError.field(
        field,
        `could not understand the time expression "${echo(phrase)}" (try "yesterday", "last week", "3 days ago", "since March")`,
      );
    }
    return { createdFrom: range.start.getTime() / 1000, createdBefore: range.end.getTime() / 1000 };
  }
}
