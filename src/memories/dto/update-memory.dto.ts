import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsObject, IsOptional, IsString, MaxLength, ValidateBy } from 'class-validator';
import { IsTagList } from './is-tag-list.decorator.js';
import { INPUT_LIMITS } from '../../common/input-limits.js';
import { KeepAsSent } from '../../common/keep-as-sent.decorator.js';
import { SpaceFields } from '../../spaces/dto/space-fields.dto.js';

/**
 * Tags, type and metadata change in place. Content defines the hash: a new text is a new version
 * (`versioned: true`), which supersedes this memory and keeps it in the history.
 */
export class UpdateMemoryDto extends SpaceFields {
  @ApiPropertyOptional({ description: 'The new text: only with versioned true (content defines the hash, so it is a new version)' })
  @ValidateBy({
    name: 'isNewVersionContent',
    validator: {
      validate: (value: unknown, args) =>
        value === undefined || ((args?.object as UpdateMemoryDto).versioned === true && typeof value === 'string' && value.trim() !== ''),
      defaultMessage: (args) =>
        (args?.object as UpdateMemoryDto).versioned === true
          ? 'content must be the new text (a non-empty string)'
          : 'content cannot be changed in place (it defines the content hash): send versioned: true to store it as a new version',
    },
  })
  content?: string;

  @ApiPropertyOptional({
    type: 'boolean',
    nullable: true,
    description: 'With content: store the next version (it supersedes this one, which stays in the history); answers its hash',
  })
  @IsOptional()
  @IsBoolean()
  versioned?: boolean | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Why it changed (a new version records it as metadata.evolution_reason)' })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_LIMITS.clientFieldLength)
  reason?: string | null;

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
