import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CountProperty } from '../../common/count-property.decorator.js';
import { INPUT_LIMITS } from '../../common/input-limits.js';
import { NO_NUL, NO_NUL_MESSAGE } from './is-tag-list.decorator.js';
import { QueryTagList } from './query-tag-list.decorator.js';
import { SpaceFields } from '../../spaces/dto/space-fields.dto.js';

const TAG_LIST_DESCRIPTION = 'Tags: comma-separated (tag=a,b) or repeated (tag=a&tag=b; repeated values are taken as they are, so tags with commas work)';

export class ListMemoriesQuery extends SpaceFields {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @CountProperty(INPUT_LIMITS.pageSize, { in: 'query', default: 10 })
  page_size?: number;

  @ApiPropertyOptional({ type: [String], description: TAG_LIST_DESCRIPTION })
  @IsOptional()
  @QueryTagList()
  tag?: string[];

  @ApiPropertyOptional({ enum: ['any', 'all'], default: 'any' })
  @IsOptional()
  @IsIn(['any', 'all'])
  tag_match?: 'any' | 'all';

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_LIMITS.memoryTypeLength)
  @Matches(NO_NUL, { message: NO_NUL_MESSAGE })
  memory_type?: string;

  @ApiPropertyOptional({ example: '2026-11-01', description: 'Only memories created at or after (YYYY-MM-DD = local midnight, or ISO 8601)' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  after?: string;

  @ApiPropertyOptional({ example: '2026-11-25', description: 'Only memories created before (YYYY-MM-DD = local midnight, or ISO 8601)' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  before?: string;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Only memories of this agent (metadata.agent_id, or the tag agent:<id>)' })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_LIMITS.agentIdLength)
  agent_id?: string | null;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Superseded versions too (default false: current versions only)' })
  @IsOptional()
  @IsIn(['true', 'false'])
  include_superseded?: 'true' | 'false';

  @ApiPropertyOptional({
    minimum: 1,
    description: 'Only memories no search or read returned for more than N days (never returned: created more than N days ago)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  stale_days?: number;
}

export class LegacyTagSearchQuery extends SpaceFields {
  @ApiProperty({ type: [String], description: `${TAG_LIST_DESCRIPTION}; any of them matches unless match_all=true` })
  @QueryTagList()
  tags!: string[];

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsIn(['true', 'false'])
  match_all?: 'true' | 'false';
}
