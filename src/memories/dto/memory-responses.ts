import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { MemoryPage } from '../../storage/memory.js';
import type { StoreResult } from '../memories.service.js';
import { MemoryResponse, toMemoryResponse } from './memory.response.js';

export class SimilarMemoryResponse {
  @ApiProperty()
  content_hash!: string;

  @ApiProperty({ description: 'Cosine similarity, 0-1' })
  similarity!: number;
}

export class StoreMemoryResponse {
  @ApiProperty({ description: 'false when the same content was already stored' })
  success!: boolean;

  @ApiProperty({ example: 'Memory stored successfully' })
  message!: string;

  @ApiProperty()
  content_hash!: string;

  @ApiProperty({ type: MemoryResponse, nullable: true })
  memory!: MemoryResponse | null;

  @ApiProperty({
    type: [SimilarMemoryResponse],
    description: 'Memories of the same space at least MCP_DUPLICATE_SIMILARITY similar (near-duplicates), most similar first',
  })
  similar!: SimilarMemoryResponse[];

  @ApiPropertyOptional({ description: 'With supersede_similar: the near-duplicate this memory replaced (as its new version)' })
  superseded?: string;
}

export class UpdateMemoryResponse {
  @ApiProperty()
  success!: boolean;

  @ApiProperty()
  message!: string;

  @ApiProperty({ description: 'The memory changed; for a new version, the new one' })
  content_hash!: string;

  @ApiProperty({ type: MemoryResponse })
  memory!: MemoryResponse;

  @ApiPropertyOptional({ description: 'For a new version: the version it supersedes' })
  previous_hash?: string;
}

export class MemoryHistoryResponse {
  @ApiProperty({ description: 'The memory asked about' })
  content_hash!: string;

  @ApiProperty()
  space!: string;

  @ApiProperty({ type: [MemoryResponse], description: 'Every version, oldest first; the newest has superseded_by null' })
  versions!: MemoryResponse[];
}

export class DeleteMemoryResponse {
  @ApiProperty()
  success!: boolean;

  @ApiProperty()
  message!: string;

  @ApiProperty()
  content_hash!: string;
}

export class MemoryListResponse {
  @ApiProperty({ type: [MemoryResponse] })
  memories!: MemoryResponse[];

  @ApiProperty()
  total!: number;

  @ApiProperty()
  page!: number;

  @ApiProperty()
  page_size!: number;

  @ApiProperty()
  has_more!: boolean;
}

export class LegacyTagSearchResponse {
  @ApiProperty({ type: [MemoryResponse] })
  memories!: MemoryResponse[];
}

export class TagCountResponse {
  @ApiProperty()
  tag!: string;

  @ApiProperty()
  count!: number;
}

export class TagListResponse {
  @ApiProperty({ type: [TagCountResponse] })
  tags!: TagCountResponse[];
}

export function toMemoryListResponse(result: MemoryPage, page: number, pageSize: number): MemoryListResponse {
  return {
    memories: result.memories.map(toMemoryResponse),
    total: result.total,
    page,
    page_size: pageSize,
    has_more: page * pageSize < result.total,
  };
}

/** The store answer, shared by REST and the MCP tools. */
export function toStoreResponse(result: StoreResult): StoreMemoryResponse {
  const similar = result.similar.map(({ contentHash, similarity }) => ({ content_hash: contentHash, similarity: Math.round(similarity * 1e4) / 1e4 }));
  if (!result.stored) return { success: false, message: 'Duplicate content detected', content_hash: result.contentHash, memory: null, similar };
  return {
    success: true,
    message: result.superseded ? 'Memory stored as the new version of a near-duplicate' : 'Memory stored successfully',
    content_hash: result.memory.contentHash,
    memory: toMemoryResponse(result.memory),
    similar,
    ...(result.superseded ? { superseded: result.superseded } : {}),
  };
}
