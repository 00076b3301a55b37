import { type StoreSessionResponse, toSessionResponse } from '../sessions/dto/session.dto.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { DocumentsService } from '../documents/documents.service.js';
import { type IngestDocumentResponse, toIngestResponse } from '../documents/dto/ingest.dto.js';
import { ConsolidationService, type LookOptions } from '../consolidation/consolidation.service.js';
import {
  type ConflictsResponse,
  type MergeMemoriesResponse,
  type RecommendationsResponse,
  type ResolveConflictResponse,
  toConflictsResponse,
  toMergeResponse,
  toRecommendationsResponse,
  toResolveResponse,
} from '../consolidation/dto/consolidation-responses.js';
import { Injectable } from '@nestjs/common';
import { MemoryNotFoundError } from '../common/domain-errors.js';
import type { DetailedHealthResponse } from '../health/dto/health.responses.js';
import { HealthService } from '../health/health.service.js';
import { type BulkDeleteResponse, toBulkDeleteResponse } from '../memories/dto/bulk-delete.dto.js';
import {
  type MemoryHistoryResponse,
  type MemoryListResponse,
  type StoreMemoryResponse,
  toMemoryListResponse,
  toStoreResponse,
} from '../memories/dto/memory-responses.js';
import { type MemoryResponse, toMemoryResponse } from '../memories/dto/memory.response.js';
import { MemoriesService } from '../memories/memories.service.js';
import { type SearchResponse, toSearchResponse } from '../search/dto/search-responses.js';
import { SearchService } from '../search/search.service.js';
import { rankingWeightsOf } from '../search/ranked.js';
import type { Caller } from '../spaces/space-access.js';
import type {
  BulkDeleteRequest,
  IngestRequest,
  ListRequest,
  MemoryToolBackend,
  MergeRequest,
  NearDuplicatesRequest,
  NewVersionRequest,
  ResolveRequest,
  SearchRequest,
  SessionRequest,
  StoreRequest,
  UpdateRequest,
} from './memory-tool-backend.js';

/** The tools backed by the same services (and response mappers) as the REST API, in this process. */
@Injectable()
export class ServiceToolBackend implements MemoryToolBackend {
  constructor(
    private readonly memories: MemoriesService,
    private readonly searchService: SearchService,
    private readonly healthService: HealthService,
    private readonly consolidation: ConsolidationService,
    private readonly sessions: SessionsService,
    private readonly documents: DocumentsService,
  ) {}

  async store(request: StoreRequest, caller: Caller): Promise<StoreMemoryResponse> {
    return toStoreResponse(
      await this.memories.store(
        {
          content: request.content,
          tags: request.tags,
          memoryType: request.memory_type,
          metadata: request.metadata,
          clientHostname: request.client_hostname,
          conversationId: request.conversation_id,
          createdAt: request.created_at,
          space: request.space,
          agentId: request.agent_id,
          expiresAt: request.expires_at,
          ttlSeconds: request.ttl_seconds,
          supersedeSimilar: request.supersede_similar === true,
        },
        caller,
      ),
    );
  }

  async search(request: SearchRequest, caller: Caller): Promise<SearchResponse> {
    const started = performance.now();
    const { hits, mode, fallbackUsed } = await this.searchService.search({
      query: request.query,
      limit: request.n_results,
      threshold: request.similarity_threshold,
      tags: request.tags,
      tagMatch: request.tag_match,
      after: request.after,
      before: request.before,
      mode: request.mode,
      fallback: request.fallback,
      space: request.space,
      agentId: request.agent_id,
      includeSuperseded: request.include_superseded === true,
      rankingWeights: rankingWeightsOf(request.ranking_weights),
      caller,
    });
    return toSearchResponse(request.query, mode, started, hits, request.fallback === true ? { fallbackUsed } : {});
  }

  async list(request: ListRequest, caller: Caller): Promise<MemoryListResponse> {
    const page = await this.memories.list(
      {
        page: request.page,
        pageSize: request.page_size,
        tags: request.tags ?? [],
        tagMatch: request.tag_match ?? 'any',
        ...(request.memory_type === undefined ? {} : { memoryType: request.memory_type }),
        after: request.after,
        before: request.before,
        space: request.space,
        agentId: request.agent_id,
        includeSuperseded: request.include_superseded === true,
        staleDays: request.stale_days,
      },
      caller,
    );
    return toMemoryListResponse(page, request.page, request.page_size);
  }

  async get(contentHash: string, caller: Caller, space?: string | null): Promise<MemoryResponse | null> {
    try {
      return toMemoryResponse(await this.memories.get(contentHash, caller, space));
    } catch (error) {
      if (error instanceof MemoryNotFoundError) return null;
      throw error;
    }
  }

  async update(contentHash: string, request: UpdateRequest, caller: Caller): Promise<MemoryResponse> {
    return toMemoryResponse(
      await this.memories.update(
        contentHash,
        {
          tags: request.tags,
          memoryType: request.memory_type,
          metadata: request.metadata,
          preserveTimestamps: request.preserve_timestamps,
          space: request.space,
        },
        caller,
      ),
    );
  }

  async newVersion(contentHash: string, request: NewVersionRequest, caller: Caller): Promise<{ memory: MemoryResponse; previous_hash: string }> {
    const { memory, previous } = await this.memories.newVersion(
      contentHash,
      {
        content: request.content,
        reason: request.reason,
        tags: request.tags,
        memoryType: request.memory_type,
        metadata: request.metadata,
        space: request.space,
      },
      caller,
    );
    return { memory: toMemoryResponse(memory), previous_hash: previous.contentHash };
  }

  async history(contentHash: string, caller: Caller, space?: string | null): Promise<MemoryHistoryResponse> {
    const versions = await this.memories.history(contentHash, caller, space);
    return { content_hash: contentHash, space: versions[0]!.space, versions: versions.map(toMemoryResponse) };
  }

  async delete(contentHash: string, caller: Caller, space?: string | null): Promise<void> {
    await this.memories.delete(contentHash, caller, space);
  }

  async bulkDelete(request: BulkDeleteRequest, caller: Caller): Promise<BulkDeleteResponse> {
    const { contentHashes, dryRun } = await this.memories.deleteMatching(
      {
        tags: request.tags,
        tagMatch: request.tag_match,
        after: request.after,
        before: request.before,
        dryRun: request.dry_run,
        space: request.space,
      },
      caller,
    );
    return toBulkDeleteResponse(contentHashes, dryRun);
  }

  health(caller: Caller): Promise<DetailedHealthResponse> {
    return this.healthService.detailed(caller);
  }

  async storeSession(request: SessionRequest, caller: Caller): Promise<StoreSessionResponse> {
    return toSessionResponse(
      await this.sessions.store(
        { turns: request.turns, sessionId: request.session_id, tags: request.tags, metadata: request.metadata, space: request.space },
        caller,
      ),
    );
  }

  async ingest(request: IngestRequest, caller: Caller): Promise<IngestDocumentResponse> {
    return toIngestResponse(
      await this.documents.ingest(
        {
          sourceName: request.source_name,
          content: request.content,
          contentBase64: request.content_base64,
          tags: request.tags,
          chunkSize: request.chunk_size,
          chunkOverlap: request.chunk_overlap,
          memoryType: request.memory_type,
          space: request.space,
        },
        caller,
      ),
    );
  }

  async merge(request: MergeRequest, caller: Caller): Promise<MergeMemoriesResponse> {
    return toMergeResponse(
      await this.consolidation.merge(
        {
          contentHashes: request.content_hashes,
          mergedContent: request.merged_content,
          tags: request.tags,
          memoryType: request.memory_type,
          reason: request.reason,
          space: request.space,
        },
        caller,
      ),
    );
  }

  async recommendations(request: NearDuplicatesRequest, caller: Caller): Promise<RecommendationsResponse> {
    return toRecommendationsResponse(await this.consolidation.recommend(lookOptions(request), caller), request.time_horizon ?? null);
  }

  async conflicts(request: NearDuplicatesRequest, caller: Caller): Promise<ConflictsResponse> {
    return toConflictsResponse(await this.consolidation.conflicts(lookOptions(request), caller));
  }

  async resolve(request: ResolveRequest, caller: Caller): Promise<ResolveConflictResponse> {
    return toResolveResponse(
      await this.consolidation.resolve({ winnerHash: request.winner_hash, loserHash: request.loser_hash, space: request.space }, caller),
    );
  }
}

const lookOptions = (request: NearDuplicatesRequest): LookOptions => ({
  space: request.space,
  timeHorizon: request.time_horizon,
  limit: request.limit,
  threshold: request.similarity_threshold,
});
