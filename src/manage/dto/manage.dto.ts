import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { INPUT_LIMITS, MAX_TAG_LENGTH } from '../../common/input-limits.js';
import { NO_NUL, NO_NUL_MESSAGE } from '../../memories/dto/is-tag-list.decorator.js';
import { SpaceFields } from '../../spaces/dto/space-fields.dto.js';
import type { TagStat } from '../../storage/memory.js';
import type { BulkOperation } from '../manage.service.js';

export class ManageBulkDeleteDto extends SpaceFields {
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Delete the memories with this tag' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TAG_LENGTH)
  @Matches(NO_NUL, { message: NO_NUL_MESSAGE })
  tag?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: '2026-01-01', description: 'Delete the memories created before this day (YYYY-MM-DD)' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  before_date?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Delete the memories of this type' })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_LIMITS.memoryTypeLength)
  memory_type?: string | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, description: 'How many you expect to delete: a different count refuses (400)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  confirm_count?: number | null;
}

export class ConfirmCountQuery extends SpaceFields {
  @ApiProperty({ type: 'integer', description: 'How many you expect to delete: a different count refuses (400)' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  confirm_count!: number;
}

export class RenameTagQuery extends SpaceFields {
  @ApiProperty({ description: 'The new name (an existing tag: the two merge)' })
  @IsString()
  @MaxLength(MAX_TAG_LENGTH)
  @Matches(NO_NUL, { message: NO_NUL_MESSAGE })
  new_tag!: string;

  @ApiPropertyOptional({ type: 'integer', description: 'How many memories you expect to change: a different count refuses (400)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  confirm_count?: number;
}

export class BulkOperationResponse {
  @ApiProperty({ description: "upstream's meaning: true when something was affected" })
  success!: boolean;

  @ApiProperty()
  message!: string;

  @ApiProperty()
  affected_count!: number;

  @ApiProperty()
  operation!: string;
}

export class UntaggedCountResponse {
  @ApiProperty({ description: 'Memories without any tag that the key may delete' })
  count!: number;
}

export class TagStatResponse {
  @ApiProperty()
  tag!: string;

  @ApiProperty()
  count!: number;

  @ApiProperty({ description: 'Creation time of the newest memory with the tag (epoch seconds)' })
  last_used!: number;

  @ApiProperty({ type: [String] })
  memory_types!: string[];
}

export class TagStatsResponse {
  @ApiProperty({ type: [TagStatResponse], description: 'Most used first' })
  tags!: TagStatResponse[];

  @ApiProperty()
  total_tags!: number;
}

export const toBulkOperationResponse = (op: BulkOperation): BulkOperationResponse => ({
  success: op.success,
  message: op.message,
  affected_count: op.affectedCount,
  operation: op.operation,
});

export const toTagStatsResponse = (stats: TagStat[]): TagStatsResponse => ({
  tags: stats.map((s) => ({ tag: s.tag, count: s.count, last_used: s.lastUsed, memory_types: s.memoryTypes })),
  total_tags: stats.length,
});
