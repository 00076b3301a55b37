import { ApiProperty } from '@nestjs/swagger';
import type { Memory } from '../../storage/memory.js';

export class MemoryResponse {
  @ApiProperty({ example: 'Deployed v2.3 to production on Friday' })
  content!: string;

  @ApiProperty({ description: 'SHA-256 hex of the trimmed, lower-cased content', example: 'a3f1…' })
  content_hash!: string;

  @ApiProperty({ description: 'The space it belongs to', example: 'default' })
  space!: string;

  @ApiProperty({ type: [String], example: ['deploy', 'production'] })
  tags!: string[];

  @ApiProperty({ type: String, nullable: true, example: 'note' })
  memory_type!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  metadata!: Record<string, unknown>;

  @ApiProperty({ description: 'Epoch seconds (fractional)' })
  created_at!: number;

  @ApiProperty({ example: '2026-11-25T15:06:00.000Z' })
  created_at_iso!: string;

  @ApiProperty({ description: 'Epoch seconds (fractional)' })
  updated_at!: number;

  @ApiProperty({ example: '2026-11-25T15:06:00.000Z' })
  updated_at_iso!: string;

  @ApiProperty({ type: String, nullable: true, description: 'The newer version that replaced it (then it is hidden from reads unless include_superseded)' })
  superseded_by!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The version it replaced' })
  supersedes!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'When it expires (ISO 8601); null: never' })
  expires_at!: string | null;
}

export function toMemoryResponse(memory: Memory): MemoryResponse {
  return {
    content: memory.content,
    content_hash: memory.contentHash,
    space: memory.space,
    tags: memory.tags,
    memory_type: memory.memoryType,
    metadata: memory.metadata,
    created_at: memory.createdAt,
    created_at_iso: new Date(memory.createdAt * 1000).toISOString(),
    updated_at: memory.updatedAt,
    updated_at_iso: new Date(memory.updatedAt * 1000).toISOString(),
    superseded_by: memory.supersededBy ?? null,
    supersedes: memory.supersedes ?? null,
    expires_at: memory.expiresAt === undefined ? null : new Date(memory.expiresAt * 1000).toISOString(),
  };
}
