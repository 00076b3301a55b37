import type { StoreSessionResponse } from '../sessions/dto/session.dto.js';
import type { IngestDocumentResponse } from '../documents/dto/ingest.dto.js';
import type {
  ConflictsResponse,
  MergeMemoriesResponse,
  RecommendationsResponse,
  ResolveConflictResponse,
} from '../consolidation/dto/consolidation-responses.js';
import type { DetailedHealthResponse } from '../health/dto/health.responses.js';
import type { BulkDeleteResponse } from '../memories/dto/bulk-delete.dto.js';
import type { MemoryHistoryResponse, MemoryListResponse, StoreMemoryResponse } from '../memories/dto/memory-responses.js';
import type { MemoryResponse } from '../memories/dto/memory.response.js';
import type { SearchResponse } from '../search/dto/search-responses.js';
import type { SearchMode } from '../config/search-config.js';
import type { RankingWeightsWire } from '../search/ranked.js';
import type { Caller } from '../spaces/space-access.js';

/**
 * What the MCP tools need from a memory store, in the REST API's wire shapes (so both backends
 * speak the same): the in-process services (stdio server, /mcp endpoint) and a remote server's
 * REST API (the bridge).
 */
export interface StoreRequest {
  content: string;
  tags?: string[];
  memory_type?: string | null;
  metadata?: Record<string, unknown>;
  client_hostname?: string | null;
  conversation_id?: string | null;
  created_at?: number | string | null;
  /** The space (upstream's store); reads without one cover every space the caller may read. */
  space?: string | null;
  /** The agent (upstream's agent_id): recorded on a store, a filter on reads. */
  agent_id?: string | null;
  /** When it expires (epoch seconds or ISO 8601), or in how many seconds. */
  expires_at?: number | string | null;
  ttl_seconds?: number | null;
  /** A near-duplicate in the space is superseded by this memory instead of kept beside it. */
  supersede_similar?: boolean;
}

export interface SearchRequest {
  query: string;
  mode?: SearchMode;
  n_results: number;
  similarity_threshold?: number | null;
  tags?: string[];
  tag_match?: 'any' | 'all';
  after?: string | null;
  before?: string | null;
  /** Too few results: add exact and tag matches (SearchService's fallback). */
  fallback?: boolean;
  /** The space (upstream's store); reads without one cover every space the caller may read. */
  space?: string | null;
  /** The agent (upstream's agent_id): recorded on a store, a filter on reads. */
  agent_id?: string | null;
  include_superseded?: boolean;
  /** Mode ranked: how much meaning, recency and use count. */
  ranking_weights?: RankingWeightsWire;
}

export interface ListRequest {
  page: number;
  page_size: number;
  tags?: string[];
  tag_match?: 'any' | 'all';
  memory_type?: string;
  after?: string | null;
  before?: string | null;
  /** The space (upstream's store); reads without one cover every space the caller may read. */
  space?: string | null;
  /** The agent (upstream's agent_id): recorded on a store, a filter on reads. */
  agent_id?: string | null;
  include_superseded?: boolean;
  /** Only memories not returned for more than this many days. */
  stale_days?: number;
}

export interface UpdateRequest {
  tags?: string[];
  memory_type?: string;
  metadata?: Record<string, unknown>;
  preserve_timestamps?: boolean;
  /** The space (upstream's store); reads without one cover every space the caller may read. */
  space?: string | null;
}

export interface NewVersionRequest {
  content: string;
  reason?: string | null;
  tags?: string[];
  memory_type?: string | null;
  metadata?: Record<string, unknown>;
  space?: string | null;
}

export interface BulkDeleteRequest {
  tags?: string[];
  tag_match?: 'any' | 'all';
  after?: string | null;
  before?: string | null;
  dry_run?: boolean;
  /** The space (upstream's store); reads without one cover every space the caller may read. */
  space?: string | null;
}

export interface SessionRequest {
  turns: { role: string; content: string }[];
  session_id?: string | null;
  tags?: string[];
  metadata?: Record<string, unknown>;
  space?: string | null;
}

export interface IngestRequest {
  source_name: string;
  content?: string | null;
  content_base64?: string | null;
  tags?: string[];
  chunk_size?: number | null;
  chunk_overlap?: number | null;
  memory_type?: string | null;
  space?: string | null;
}

export interface MergeRequest {
  content_hashes: string[];
  merged_content: string;
  tags?: string[];
  memory_type?: string | null;
  reason?: string | null;
  space?: string | null;
}

/** Where to look for near-duplicates (recommendations, conflicts). */
export interface NearDuplicatesRequest {
  space?: string | null;
  time_horizon?: string | null;
  limit?: number;
  similarity_threshold?: number;
}

export interface ResolveRequest {
  winner_hash: string;
  loser_hash: string;
  space?: string | null;
}

/**
 * `caller`: who called the tool (its key's label, recorded as stored_by, and its spaces); a remote
 * server (the bridge) knows its own caller from the bridge's key and ignores it.
 */
export interface MemoryToolBackend {
  store(request: StoreRequest, caller: Caller): Promise<StoreMemoryResponse>;
  search(request: SearchRequest, caller: Caller): Promise<SearchResponse>;
  list(request: ListRequest, caller: Caller): Promise<MemoryListResponse>;
  /** The memory, or null when there is none with that hash (that the caller may read). */
  get(contentHash: string, caller: Caller, space?: string | null): Promise<MemoryResponse | null>;
  update(contentHash: string, request: UpdateRequest, caller: Caller): Promise<MemoryResponse>;
  /** Stores the next version of a memory (it supersedes the one named); the new one and the hash it replaced. */
  newVersion(contentHash: string, request: NewVersionRequest, caller: Caller): Promise<{ memory: MemoryResponse; previous_hash: string }>;
  /** Every version of the memory, oldest first. */
  history(contentHash: string, caller: Caller, space?: string | null): Promise<MemoryHistoryResponse>;
  delete(contentHash: string, caller: Caller, space?: string | null): Promise<void>;
  bulkDelete(request: BulkDeleteRequest, caller: Caller): Promise<BulkDeleteResponse>;
  health(caller: Caller): Promise<DetailedHealthResponse>;
  storeSession(request: SessionRequest, caller: Caller): Promise<StoreSessionResponse>;
  ingest(request: IngestRequest, caller: Caller): Promise<IngestDocumentResponse>;
  merge(request: MergeRequest, caller: Caller): Promise<MergeMemoriesResponse>;
  recommendations(request: NearDuplicatesRequest, caller: Caller): Promise<RecommendationsResponse>;
  conflicts(request: NearDuplicatesRequest, caller: Caller): Promise<ConflictsResponse>;
  resolve(request: ResolveRequest, caller: Caller): Promise<ResolveConflictResponse>;
}
