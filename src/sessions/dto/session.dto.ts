import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { INPUT_LIMITS } from '../../common/input-limits.js';
import { KeepAsSent } from '../../common/keep-as-sent.decorator.js';
import { IsTagList } from '../../memories/dto/is-tag-list.decorator.js';
import { SpaceFields } from '../../spaces/dto/space-fields.dto.js';
import type { StoredSession } from '../sessions.service.js';

/** Turns one session request carries, at most. */
export const MAX_SESSION_TURNS = 1_000;

export class SessionTurnDto {
  @ApiProperty({ example: 'user' })
  @IsString()
  @MaxLength(64)
  role!: string;

  @ApiProperty({ example: 'How do I rotate the staging keys?' })
  @IsString()
  content!: string;
}

export class StoreSessionDto extends SpaceFields {
  @ApiProperty({ type: [SessionTurnDto], minItems: 1, maxItems: MAX_SESSION_TURNS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SESSION_TURNS)
  @ValidateNested({ each: true })
  @Type(() => SessionTurnDto)
  turns!: SessionTurnDto[];

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Default: a new UUID' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  session_id?: string | null;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsTagList()
  tags?: string[] | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  @IsOptional()
  @IsObject()
  @KeepAsSent()
  metadata?: Record<string, unknown> | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'The agent storing it (as on a store)' })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_LIMITS.agentIdLength)
  agent_id?: string | null;
}

export class StoreSessionResponse {
  @ApiProperty()
  success!: boolean;

  @ApiProperty({ example: 'Session stored (3 turns)' })
  message!: string;

  @ApiProperty()
  session_id!: string;

  @ApiProperty({ description: 'The (first) memory it became' })
  content_hash!: string;

  @ApiProperty({ type: [String], description: 'Every memory it became, one per chunk' })
  content_hashes!: string[];

  @ApiProperty({
    type: [String],
    description: 'The memories of its turns, in order (MCP_SESSION_TURN_MEMORIES; none for one turn or turns under 20 characters)',
  })
  turn_hashes!: string[];

  @ApiProperty()
  turn_count!: number;
}

/** The session answer, shared by REST and the MCP tool. */
export function toSessionResponse(stored: StoredSession): StoreSessionResponse {
  return {
    success: true,
    message: stored.chunks === 1 ? `Session stored (${stored.turns} turns)` : `Session stored as ${stored.chunks} chunks (${stored.turns} turns)`,
    session_id: stored.sessionId,
    content_hash: stored.contentHashes[0]!,
    content_hashes: stored.contentHashes,
    turn_hashes: stored.turnHashes,
    turn_count: stored.turns,
  };
}
