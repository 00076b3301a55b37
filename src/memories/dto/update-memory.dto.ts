import { ApiHideProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsTagList } from './is-tag-list.decorator.js';
import { INPUT_LIMITS } from '../../common/input-limits.js';
import { KeepAsSent } from '../../common/keep-as-sent.decorator.js';
import { SpaceFields } from '../../spaces/dto/space-fields.dto.js';

/** Content is immutable (it defines the hash); tags, type and metadata can change. */
export class UpdateMemoryDto extends SpaceFields {
  /** Named so that a client trying to change it hears why, instead of having it ignored. */
  @ApiHideProperty()
  @IsEmpty({ message: 'content cannot be changed (it defines the content hash); store a new memory instead' })
  content?: never;

  @ApiPropertyOptional({ type: [String], description: 'Replaces the tag list' })
  @IsOptional()
  @IsTagList()
  tags?: string[] | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_LIMITS.memoryTypeLength)
  memory_type?: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Merged into the existing metadata (shallow)' })
  @IsOptional()
  @IsObject()
  @KeepAsSent()
  metadata?: Record<string, unknown> | null;

  @ApiPropertyOptional({
    type: 'boolean',
    nullable: true,
    description: 'Keep updated_at when only metadata changes (tags and type changes always move it) (default false)',
  })
  @IsOptional()
  @IsBoolean()
  preserve_timestamps?: boolean | null;
}
