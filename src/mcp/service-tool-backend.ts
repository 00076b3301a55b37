import { Injectable } from '@nestjs/common';
import { HealthService } from '../health/health.service.js';
import { toMemoryResponse } from '../memories/dto/memory.response.js';
import { type MemoryListResponse, toMemoryListResponse } from '../memories/dto/memory-responses.js';
import { MemoriesService } from '../memories/memories.service.js';
import { parseTagList } from '../memories/tags.js';
import { type SearchHit, type SearchMode, SearchService } from '../search/search.service.js';
import type { ListInput, MemoryToolBackend, ScoredMemory, StoreInput, StoreOutcome } from './memory-tool-backend.js';

const TAG_SEARCH_LIMIT = 100;

function scored(hits: SearchHit[]): ScoredMemory[] {
  return hits.map((hit) => ({ memory: toMemoryResponse(hit.memory), similarity_score: hit.similarity }));
}

/** The tools backed by the same services as the REST API, in this process. */
@Injectable()
export class ServiceToolBackend implements MemoryToolBackend {
  constructor(
    private readonly memories: MemoriesService,
    private readonly search: SearchService,
    private readonly healthService: HealthService,
  ) {}

  async store(input: StoreInput): Promise<StoreOutcome> {
    const result = await this.memories.store({
      content: input.content,
      tags: input.tags,
      memoryType: input.memory_type,
      metadata: input.metadata,
    });
    return result.stored
      ? { success: true, message: 'Memory stored successfully', content_hash: result.memory.contentHash, memory: toMemoryResponse(result.memory) }
      : { success: false, message: 'Duplicate content detected', content_hash: result.contentHash, memory: null };
  }

  async retrieve(query: string, nResults: number, similarityThreshold?: number, mode?: SearchMode): Promise<ScoredMemory[]> {
    return scored((await this.search.search({ query, limit: nResults, threshold: similarityThreshold, mode })).hits);
  }

  async searchByTag(tags: string[], matchAll: boolean): Promise<ScoredMemory[]> {
    return scored(await this.search.byTags({ tags, match: matchAll ? 'all' : 'any', limit: TAG_SEARCH_LIMIT }));
  }

  async recall(timeQuery: string, semanticQuery: string | undefined, nResults: number): Promise<ScoredMemory[]> {
    return scored(await this.search.byTime({ phrase: timeQuery, semanticQuery, limit: nResults }));
  }

  async delete(contentHash: string): Promise<void> {
    await this.memories.delete(contentHash);
  }

  async list(input: ListInput): Promise<MemoryListResponse> {
    const page = await this.memories.list({
      page: input.page,
      pageSize: input.page_size,
      tags: parseTagList(input.tag),
      tagMatch: 'any',
      ...(input.memory_type === undefined ? {} : { memoryType: input.memory_type }),
    });
    return toMemoryListResponse(page, input.page, input.page_size);
  }

  async health(): Promise<Record<string, unknown>> {
    return { ...(await this.healthService.detailed()) };
  }
}
