import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsNumber, IsOptional, IsString, Max, MaxLength, Min, ValidateBy, ValidateNested } from 'class-validator';
import type { SearchMode } from '../../config/search-config.js';
import { FALLBACK_BELOW } from '../search.service.js';
import { IsTagList } from '../../memories/dto/is-tag-list.decorator.js';
import { QueryTagList } from '../../memories/dto/query-tag-list.decorator.js';

export const SEARCH_MODES: readonly SearchMode[] = ['hybrid', 'semantic', 'keyword', 'exact', 'ranked'];
import { ResultCount } from '../../common/count-property.decorator.js';
import { INPUT_LIMITS, MAX_QUERY_LENGTH, MAX_TIME_PHRASE_LENGTH } from '../../common/input-limits.js';
import { SpaceFields } from '../../spaces/dto/space-fields.dto.js';

const MODE_DESCRIPTION =
  'hybrid (keywords + meaning), semantic (meaning only), keyword (words only), exact (the text as a substring, newest first) or ranked (meaning, recency and use, weighed by ranking_weights); default hybrid unless MCP_HYBRID_SEARCH_ENABLED=false';

/** One ranking weight: any amount from 0 (the weights are normalized). */
const RankingWeight = (description: string): PropertyDecorator =>
  applyDecorators(ApiPropertyOptional({ minimum: 0, description }), IsOptional(), IsNumber({ allowNaN: false, allowInfinity: false }), Min(0), Max(1000));

/** upstream's ranking_weights for mode ranked: any of the four (normalized to sum 1). */
export class RankingWeightsDto {
  @RankingWeight('How much meaning counts (default 0.6)')
  semantic?: number;

  @RankingWeight('How much recency counts (default 0.25; halves every 30 days)')
  time_decay?: number;

  @RankingWeight('How much use counts: how often searches and reads returned it (default 0.15)')
  access_frequency?: number;

  @RankingWeight("upstream's quality signal: no quality scores are kept here, so it adds nothing (default 0)")
  quality?: number;
}

export class SemanticSearchDto extends SpaceFields {
  @ApiProperty({ description: 'What to look for, in plain words', example: 'when is staging reset?' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_QUERY_LENGTH)
  query!: string;

  @ResultCount({ in: 'body' })
  n_results?: number | null;

  @ApiPropertyOptional({ type: 'number', minimum: 0, maximum: 1, nullable: true, description: 'Drop results scoring below this' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  similarity_threshold?: number | null;

  @ApiPropertyOptional({ type: [String], description: 'Only memories with any of these tags', example: ['staging'] })
  @IsOptional()
  @IsTagList()
  tags?: string[] | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Natural-language time limit, e.g. "last week"' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TIME_PHRASE_LENGTH)
  time_filter?: string | null;

  @ApiPropertyOptional({
    oneOf: [
      { type: 'boolean', nullable: true },
      { type: 'number', minimum: 0, maximum: 1, nullable: true },
    ],
    description: "Accepted for older clients and ignored: upstream's boolean, or a weight from 0 to 1",
  })
  @IsOptional()
  @ValidateBy({
    name: 'isQualityBoost',
    validator: {
      validate: (value: unknown) => typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1),
      defaultMessage: () => 'quality_boost must be true, false or a number from 0 to 1',
    },
  })
  quality_boost?: boolean | number | null;

  @ApiPropertyOptional({ enum: SEARCH_MODES, nullable: true, description: MODE_DESCRIPTION })
  @IsOptional()
  @IsIn(SEARCH_MODES)
  mode?: SearchMode | null;

  @ResultCount({ in: 'body', description: 'The same as n_results (upstream tools say limit)' })
  limit?: number | null;

  @ApiPropertyOptional({
    type: Boolean,
    nullable: true,
    description: `With fewer than ${FALLBACK_BELOW} results, add exact matches of the query, then memories tagged with one of its words (match_method says which)`,
  })
  @IsOptional()
  @IsBoolean()
  fallback?: boolean | null;

  @ApiPropertyOptional({ enum: ['any', 'all'], description: 'How tags combine (default any)' })
  @IsOptional()
  @IsIn(['any', 'all'])
  tag_match?: 'any' | 'all' | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '2026-11-01',
    description: 'Only memories created at or after (YYYY-MM-DD = local midnight, or ISO 8601)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  after?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '2026-11-25',
    description: 'Only memories created before (YYYY-MM-DD = local midnight, or ISO 8601)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  before?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Only memories of this agent (metadata.agent_id, or the tag agent:<id>)' })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_LIMITS.agentIdLength)
  agent_id?: string | null;

  @ApiPropertyOptional({ type: 'boolean', nullable: true, description: 'Superseded versions too (default false: current versions only)' })
  @IsOptional()
  @IsBoolean()
  include_superseded?: boolean | null;

  @ApiPropertyOptional({ type: RankingWeightsDto, nullable: true, description: 'Mode ranked: how much each signal counts (normalized to sum 1)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RankingWeightsDto)
  ranking_weights?: RankingWeightsDto | null;
}

export class SemanticSearchQuery extends SpaceFields {
  @ApiProperty({ description: 'What to look for' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_QUERY_LENGTH)
  q!: string;

  @ResultCount({ in: 'query' })
  n_results?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  similarity_threshold?: number;

  @ApiPropertyOptional({ enum: SEARCH_MODES, description: MODE_DESCRIPTION })
  @IsOptional()
  @IsIn(SEARCH_MODES)
  mode?: SearchMode;

  @ApiPropertyOptional({ type: [String], description: 'Only memories with any of these tags (comma-separated or repeated)' })
  @IsOptional()
  @QueryTagList()
  tags?: string[];
}

/** Older clients send tags as one comma-separated string; both forms are accepted. */
const splitCommaString = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.split(',') : value);

export class TagSearchDto extends SpaceFields {
  @ApiProperty({ type: [String], description: 'Tags (a comma-separated string is accepted too)' })
  @Transform(splitCommaString)
  @IsTagList()
  tags!: string[];

  @ApiPropertyOptional({ type: 'boolean', nullable: true, description: 'Require every tag instead of any (default false)' })
  @IsOptional()
  @IsBoolean()
  match_all?: boolean | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Natural-language time limit' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TIME_PHRASE_LENGTH)
  time_filter?: string | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 1, maximum: 1000, description: 'Default 100' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(INPUT_LIMITS.tagResults)
  n_results?: number | null;
}

export class TimeSearchDto extends SpaceFields {
  @ApiProperty({ description: 'When: "yesterday", "last week", "3 days ago", "since March", ...' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_TIME_PHRASE_LENGTH)
  query!: string;

  @ResultCount({ in: 'body' })
  n_results?: number | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Rank the memories of that time by meaning' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_QUERY_LENGTH)
  semantic_query?: string | null;
}

export class SimilarQuery extends SpaceFields {
  @ResultCount({ in: 'query' })
  n_results?: number;
}
