import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { MAX_TAG_LENGTH, MAX_TAGS } from '../tags.js';

/** Content is immutable (it defines the hash); tags, type and metadata can change. */
export class UpdateMemoryDto {
  @ApiPropertyOptional({ type: [String], description: 'Replaces the tag list' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_TAGS)
  @IsString({ each: true })
  @MaxLength(MAX_TAG_LENGTH, { each: true })
  tags?: string[] | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  memory_type?: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Merged into the existing metadata (shallow)' })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown> | null;
}
