import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, Min, ValidateBy } from 'class-validator';
import { INPUT_LIMITS, MAX_TAGS } from '../../common/input-limits.js';
import { IsTagList } from './is-tag-list.decorator.js';
import { KeepAsSent } from '../../common/keep-as-sent.decorator.js';
import { SpaceFields } from '../../spaces/dto/space-fields.dto.js';

export class StoreMemoryDto extends SpaceFields {
  @ApiProperty({
    description: 'The text to remember (at most MCP_MEMORY_MAX_CONTENT_BYTES bytes, UTF-8)',
    example: 'The staging database is rebuilt every Monday at 6am',
  })
  @IsString()
  @IsNotEmpty()
  content!: string;

  @ApiPropertyOptional({ type: [String], description: `Up to ${MAX_TAGS} tags; trimmed, lower-cased, de-duplicated`, example: ['staging', 'database'] })
  @IsOptional()
  @IsTagList()
  tags?: string[] | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'note' })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_LIMITS.memoryTypeLength)
  memory_type?: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true, example: { source: 'ops-runbook' } })
  @IsOptional()
  @IsObject()
  @KeepAsSent()
  metadata?: Record<string, unknown> | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Sent by older clients: recorded as metadata.hostname and tag source:<hostname>',
  })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_LIMITS.clientFieldLength)
  client_hostname?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Sent by older clients: recorded as metadata.conversation_id' })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_LIMITS.clientFieldLength)
  conversation_id?: string | null;

  @ApiPropertyOptional({
    oneOf: [{ type: 'number' }, { type: 'string' }],
    description:
      'When it really happened, for imports and replayed history: epoch seconds or ISO 8601 (without an offset: server local time); not in the future beyond 5 minutes. Also sets updated_at. Omitted: now.',
    example: '2025-03-04T10:30:00Z',
  })
  @IsOptional()
  @ValidateBy({
    name: 'isTimestamp',
    validator: {
      validate: (value: unknown) => (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.length <= 64),
      defaultMessage: () => 'created_at must be epoch seconds (a number) or an ISO 8601 string',
    },
  })
  created_at?: number | string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: "The agent storing it (upstream's agent_id; the X-Agent-ID header says the same): recorded as metadata.agent_id and tag agent:<id>",
  })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_LIMITS.agentIdLength)
  agent_id?: string | null;

  @ApiPropertyOptional({
    oneOf: [{ type: 'number' }, { type: 'string' }],
    description: 'When it expires: epoch seconds or ISO 8601, in the future. From then on it is left out of every read, and purged. Default never.',
    example: '2027-01-31T00:00:00Z',
  })
  @IsOptional()
  @ValidateBy({
    name: 'isTimestamp',
    validator: {
      validate: (value: unknown) => (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.length <= 64),
      defaultMessage: () => 'expires_at must be epoch seconds (a number) or an ISO 8601 string',
    },
  })
  expires_at?: number | string | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 1, description: 'Expires this many seconds from now (instead of expires_at)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  ttl_seconds?: number | null;

  @ApiPropertyOptional({
    type: 'boolean',
    nullable: true,
    description: 'When a near-duplicate is in the space (see similar), store this as its new version (it supersedes it) instead of beside it',
  })
  @IsOptional()
  @IsBoolean()
  supersede_similar?: boolean | null;
}
