import type { DetailedHealthResponse } from '../health/dto/health.responses.js';
import type { BulkDeleteResponse } from '../memories/dto/bulk-delete.dto.js';
import type { MemoryListResponse, StoreMemoryResponse } from '../memories/dto/memory-responses.js';
import type { MemoryResponse } from '../memories/dto/memory.response.js';
import type { SearchResponse } from '../search/dto/search-responses.js';
import type { SearchMode } from '../config/search-config.js';

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
}

export interface ListRequest {
  page: number;
  page_size: number;
  tags?: string[];
  tag_match?: 'any' | 'all';
  memory_type?: string;
  after?: string | null;
  before?: string | null;
}

export interface UpdateRequest {
  tags?: string[];
  memory_type?: string;
  metadata?: Record<string, unknown>;
  preserve_timestamps?: boolean;
}

export interface BulkDeleteRequest {
  tags?: string[];
  tag_match?: 'any' | 'all';
  after?: string | null;
  before?: string | null;
  dry_run?: boolean;
}

export interface MemoryToolBackend {
  /** `actor`: the labelled key the tool was called with (recorded as stored_by; a remote server knows its own). */
  store(request: StoreRequest, actor?: string | null): Promise<StoreMemoryResponse>;
  search(request: SearchRequest): Promise<SearchResponse>;
  list(request: ListRequest): Promise<MemoryListResponse>;
  /** The memory, or null when there is none with that hash. */
  get(contentHash: string): Promise<MemoryResponse | null>;
  update(contentHash: string, request: UpdateRequest, actor?: string | null): Promise<MemoryResponse>;
  delete(contentHash: string, actor?: string | null): Promise<void>;
  bulkDelete(request: BulkDeleteRequest, actor?: string | null): Promise<BulkDeleteResponse>;
  health(): Promise<DetailedHealthResponse>;
}
