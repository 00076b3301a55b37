import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsNotEmpty, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CountProperty } from '../../common/count-property.decorator.js';
import { INPUT_LIMITS } from '../../common/input-limits.js';
import { CONTENT_HASH_PATTERN } from '../../memories/content-hash.js';
import { IsTagList } from '../../memories/dto/is-tag-list.decorator.js';
import { SpaceFields } from '../../spaces/dto/space-fields.dto.js';
import { DEFAULT_EXAMINED, MIN_PAIR_SIMILARITY } from '../consolidation.service.js';
import { TIME_HORIZONS } from '../near-duplicates.js';

const HASH = new RegExp(CONTENT_HASH_PATTERN.source, 'i');
const HASH_MESSAGE = '$property must be content hashes: 64 hexadecimal characters each';
export const HORIZON_NAMES = [...Object.keys(TIME_HORIZONS), 'all'];

export class MergeMemoriesDto extends SpaceFields {
  @ApiProperty({ type: [String], minItems: 2, maxItems: INPUT_LIMITS.mergeSources, description: 'The memories merged: current ones of one space' })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(INPUT_LIMITS.mergeSources)
  @Matches(HASH, { each: true, message: HASH_MESSAGE })
  content_hashes!: string[];

  @ApiProperty({ description: 'The text of the merged memory (it supersedes every source; their history is kept)' })
  @IsString()
  @IsNotEmpty()
  merged_content!: string;

  @ApiPropertyOptional({ type: [String], description: "Default: every source's tags" })
  @IsOptional()
  @IsTagList()
  tags?: string[] | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: "Default: the first source's type" })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_LIMITS.memoryTypeLength)
  memory_type?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Why they were merged (recorded as metadata.evolution_reason)' })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_LIMITS.clientFieldLength)
  reason?: string | null;
}

export class ResolveConflictDto extends SpaceFields {
  @ApiProperty({ description: 'The memory kept as it is' })
  @Matches(HASH, { message: HASH_MESSAGE })
  winner_hash!: string;

  @ApiProperty({ description: 'The memory superseded by the winner (hidden from reads, kept in the history)' })
  @Matches(HASH, { message: HASH_MESSAGE })
  loser_hash!: string;
}

/** Where to look for near-duplicates, and how far. */
export class NearDuplicatesQuery extends SpaceFields {
  @CountProperty(INPUT_LIMITS.consolidationExamined, {
    in: 'query',
    default: DEFAULT_EXAMINED,
    description: 'Memories examined, newest first (each against its nearest neighbours in its space)',
  })
  limit?: number;

  @ApiPropertyOptional({
    minimum: MIN_PAIR_SIMILARITY,
    maximum: 1,
    description: 'Pairs at least this similar (cosine); default MCP_DUPLICATE_SIMILARITY',
  })
  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  @Min(MIN_PAIR_SIMILARITY)
  @Max(1)
  similarity_threshold?: number;

  @ApiPropertyOptional({ enum: HORIZON_NAMES, description: 'Only memories created within the last day, 7, 30, 90 or 365 days (default all)' })
  @IsOptional()
  @IsIn(HORIZON_NAMES)
  time_horizon?: string;
}
