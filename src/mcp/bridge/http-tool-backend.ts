import type { StoreSessionResponse } from '../../sessions/dto/session.dto.js';
import type { IngestDocumentResponse } from '../../documents/dto/ingest.dto.js';
import type {
  ConflictsResponse,
  MergeMemoriesResponse,
  RecommendationsResponse,
  ResolveConflictResponse,
} from '../../consolidation/dto/consolidation-responses.js';
import type { DetailedHealthResponse } from '../../health/dto/health.responses.js';
import type { BulkDeleteResponse } from '../../memories/dto/bulk-delete.dto.js';
import type {
  DeleteMemoryResponse,
  MemoryHistoryResponse,
  MemoryListResponse,
  StoreMemoryResponse,
  UpdateMemoryResponse,
} from '../../memories/dto/memory-responses.js';
import { MemoryNotFoundError } from '../../common/domain-errors.js';
import type { MemoryResponse } from '../../memories/dto/memory.response.js';
import type { SearchResponse } from '../../search/dto/search-responses.js';
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
} from '../memory-tool-backend.js';
import { RemoteCallError, type RestClient } from './rest-client.js';
import type { Caller } from '../../spaces/space-access.js';

const spaceQuery = (space: string | null | undefined): string => (space ? `?space=${encodeURIComponent(space)}` : '');

/** The tools backed by a remote server's REST API (what `mcp-memory bridge` forwards to). */
export class HttpToolBackend implements MemoryToolBackend {
  constructor(private readonly client: RestClient) {}

  store(request: StoreRequest): Promise<StoreMemoryResponse> {
    return this.client.call('POST', '/memories', request);
  }

  search(request: SearchRequest): Promise<SearchResponse> {
    return this.client.call('POST', '/search', request);
  }

  list(request: ListRequest): Promise<MemoryListResponse> {
    const query = new URLSearchParams({ page: String(request.page), page_size: String(request.page_size) });
    // Repeated parameters: tags that contain commas stay whole.
    for (const tag of request.tags ?? []) query.append('tag', tag);
    if (request.tag_match !== undefined) query.set('tag_match', request.tag_match);
    if (request.memory_type !== undefined) query.set('memory_type', request.memory_type);
    if (request.after) query.set('after', request.after);
    if (request.before) query.set('before', request.before);
    if (request.space) query.set('space', request.space);
    if (request.agent_id) query.set('agent_id', request.agent_id);
    if (request.include_superseded) query.set('include_superseded', 'true');
    if (request.stale_days) query.set('stale_days', String(request.stale_days));
    return this.client.call('GET', `/memories?${query.toString()}`);
  }

  async get(contentHash: string, _caller: Caller, space?: string | null): Promise<MemoryResponse | null> {
    try {
      return await this.client.call<MemoryResponse>('GET', `/memories/${encodeURIComponent(contentHash)}${spaceQuery(space)}`);
    } catch (error) {
      if (error instanceof RemoteCallError && error.status === 404) return null;
      throw error;
    }
  }

  async update(contentHash: string, request: UpdateRequest): Promise<MemoryResponse> {
    return (await this.client.call<UpdateMemoryResponse>('PUT', `/memories/${encodeURIComponent(contentHash)}`, request)).memory;
  }

  async newVersion(contentHash: string, request: NewVersionRequest): Promise<{ memory: MemoryResponse; previous_hash: string }> {
    const answer = await this.client.call<UpdateMemoryResponse>('PUT', `/memories/${encodeURIComponent(contentHash)}`, { ...request, versioned: true });
    return { memory: answer.memory, previous_hash: answer.previous_hash ?? contentHash };
  }

  history(contentHash: string, _caller: Caller, space?: string | null): Promise<MemoryHistoryResponse> {
    return this.client.call('GET', `/memories/${encodeURIComponent(contentHash)}/history${spaceQuery(space)}`);
  }

  async delete(contentHash: string, _caller: Caller, space?: string | null): Promise<void> {
    const answer = await this.client.call<DeleteMemoryResponse>('DELETE', `/memories/${encodeURIComponent(contentHash)}${spaceQuery(space)}`);
    // An unknown hash is a 200 with success: false (upstream's shape).
    if (!answer.success) throw new MemoryNotFoundError(contentHash);
  }

  bulkDelete(request: BulkDeleteRequest): Promise<BulkDeleteResponse> {
    return this.client.call('POST', '/memories/bulk-delete', request);
  }

  health(): Promise<DetailedHealthResponse> {
    return this.client.call('GET', '/health/detailed');
  }

  ingest(request: IngestRequest): Promise<IngestDocumentResponse> {
    return this.client.call('POST', '/documents/ingest', request);
  }

  storeSession(request: SessionRequest): Promise<StoreSessionResponse> {
    return this.client.call('POST', '/sessions', request);
  }

  merge(request: MergeRequest): Promise<MergeMemoriesResponse> {
    return this.client.call('POST', '/consolidation/merge', request);
  }

  recommendations(request: NearDuplicatesRequest): Promise<RecommendationsResponse> {
    return this.client.call('GET', `/consolidation/recommendations?${nearDuplicatesQuery(request)}`);
  }

  conflicts(request: NearDuplicatesRequest): Promise<ConflictsResponse> {
    return this.client.call('GET', `/conflicts?${nearDuplicatesQuery(request)}`);
  }

  resolve(request: ResolveRequest): Promise<ResolveConflictResponse> {
    return this.client.call('POST', '/conflicts/resolve', request);
  }
}

function nearDuplicatesQuery(request: NearDuplicatesRequest): string {
  const query = new URLSearchParams();
  if (request.space) query.set('space', request.space);
  if (request.time_horizon) query.set('time_horizon', request.time_horizon);
  if (request.limit !== undefined) query.set('limit', String(request.limit));
  if (request.similarity_threshold !== undefined) query.set('similarity_threshold', String(request.similarity_threshold));
  return query.toString();
}
