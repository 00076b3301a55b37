import type { SearchMode } from '../../config/search-config.js';
import type { MemoryListResponse } from '../../memories/dto/memory-responses.js';
import type { ListInput, MemoryToolBackend, ScoredMemory, StoreInput, StoreOutcome } from '../memory-tool-backend.js';
import type { RestClient } from './rest-client.js';

interface SearchAnswer {
  results: ScoredMemory[];
}

const scored = (answer: SearchAnswer): ScoredMemory[] =>
  answer.results.map(({ memory, similarity_score }) => ({ memory, similarity_score }));

/** The tools backed by a remote server's REST API (what `mcp-memory bridge` forwards to). */
export class HttpToolBackend implements MemoryToolBackend {
  constructor(private readonly client: RestClient) {}

  store(input: StoreInput): Promise<StoreOutcome> {
    return this.client.call('POST', '/memories', input);
  }

  async retrieve(query: string, nResults: number, similarityThreshold?: number, mode?: SearchMode): Promise<ScoredMemory[]> {
    return scored(await this.client.call('POST', '/search', { query, n_results: nResults, similarity_threshold: similarityThreshold ?? null, ...(mode ? { mode } : {}) }));
  }

  async searchByTag(tags: string[], matchAll: boolean): Promise<ScoredMemory[]> {
    return scored(await this.client.call('POST', '/search/by-tag', { tags, match_all: matchAll }));
  }

  async recall(timeQuery: string, semanticQuery: string | undefined, nResults: number): Promise<ScoredMemory[]> {
    return scored(await this.client.call('POST', '/search/by-time', { query: timeQuery, n_results: nResults, semantic_query: semanticQuery ?? null }));
  }

  async delete(contentHash: string): Promise<void> {
    await this.client.call('DELETE', `/memories/${encodeURIComponent(contentHash)}`);
  }

  list(input: ListInput): Promise<MemoryListResponse> {
    const query = new URLSearchParams({ page: String(input.page), page_size: String(input.page_size) });
    if (input.tag !== undefined) query.set('tag', input.tag);
    if (input.memory_type !== undefined) query.set('memory_type', input.memory_type);
    return this.client.call('GET', `/memories?${query.toString()}`);
  }

  health(): Promise<Record<string, unknown>> {
    return this.client.call('GET', '/health/detailed');
  }
}
