import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsTagList } from './is-tag-list.decorator.js';
import { SpaceFields } from '../../spaces/dto/space-fields.dto.js';

export class BulkDeleteDto extends SpaceFields {
  @ApiPropertyOptional({ type: [String], description: 'Memories with any (or all, with tag_match) of these tags' })
  @IsOptional()
  @IsTagList()
  tags?: string[] | null;

  @ApiPropertyOptional({ enum: ['any', 'all'], description: 'Default any' })
  @IsOptional()
  @IsIn(['any', 'all'])
  tag_match?: 'any' | 'all' | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: '2026-01-01', description: 'Created at or after (YYYY-MM-DD or ISO 8601)' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  after?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: '2026-02-01', description: 'Created before (YYYY-MM-DD or ISO 8601)' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  before?: string | null;

  @ApiPropertyOptional({ type: 'boolean', nullable: true, description: 'Only report what would be deleted (default false)' })
  @IsOptional()
  @IsBoolean()
  dry_run?: boolean | null;
}

export class BulkDeleteResponse {
  @ApiProperty()
  success!: boolean;

  @ApiProperty({ description: 'How many memories were deleted (or would be, with dry_run)' })
  count!: number;

  @ApiProperty({ type: [String] })
  content_hashes!: string[];

  @ApiProperty()
  dry_run!: boolean;

  @ApiProperty()
  message!: string;
}

/** The bulk-delete answer, shared by REST and the MCP tools. */
export function toBulkDeleteResponse(contentHashes: string[], dryRun: boolean): BulkDeleteResponse {
  const count = contentHashes.length;
  return { success: true, count, content_hashes: contentHashes, dry_run: dryRun, message: `${dryRun ? 'Would delete' : 'Deleted'} ${count} memories` };
}
