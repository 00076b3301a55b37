import type { MemoryListResponse } from '../memories/dto/memory-responses.js';
import type { MemoryResponse } from '../memories/dto/memory.response.js';
import type { SearchMode } from '../config/search-config.js';

/**
 * What the MCP tools need from a memory store, in the REST API's wire shapes. Two backends:
 * the in-process services (stdio server, /mcp endpoint) and a remote server's REST API (bridge).
 */
export interface StoreOutcome {
  success: boolean;
  message: string;
  content_hash: string;
  memory: MemoryResponse | null;
}

export interface ScoredMemory {
  memory: MemoryResponse;
  similarity_score: number;
}

export interface StoreInput {
  content: string;
  tags?: string[];
  memory_type?: string;
  metadata?: Record<string, unknown>;
}

export interface ListInput {
  page: number;
  page_size: number;
  tag?: string;
  memory_type?: string;
}

export interface MemoryToolBackend {
  store(input: StoreInput): Promise<StoreOutcome>;
  retrieve(query: string, nResults: number, similarityThreshold?: number, mode?: SearchMode): Promise<ScoredMemory[]>;
  searchByTag(tags: string[], matchAll: boolean): Promise<ScoredMemory[]>;
  recall(timeQuery: string, semanticQuery: string | undefined, nResults: number): Promise<ScoredMemory[]>;
  delete(contentHash: string): Promise<void>;
  list(input: ListInput): Promise<MemoryListResponse>;
  health(): Promise<Record<string, unknown>>;
}
