import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { INPUT_LIMITS } from '../../common/input-limits.js';
import { IsTagList } from '../../memories/dto/is-tag-list.decorator.js';
import { SpaceFields } from '../../spaces/dto/space-fields.dto.js';
import type { IngestResult } from '../documents.service.js';

export class IngestDocumentDto extends SpaceFields {
  @ApiProperty({ example: 'runbook.md', description: 'The document name; its extension says the format (txt, md, markdown, rst, json, pdf)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  source_name!: string;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'A text document as it is' })
  @IsOptional()
  @IsString()
  content?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Any document as base64 (a PDF must come this way)' })
  @IsOptional()
  @IsString()
  content_base64?: string | null;

  @ApiPropertyOptional({ type: [String], description: 'Added to every passage' })
  @IsOptional()
  @IsTagList()
  tags?: string[] | null;

  @ApiPropertyOptional({ type: 'integer', minimum: 100, maximum: 100_000, description: 'Characters per passage (default 1000)' })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(100_000)
  chunk_size?: number | null;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 50_000, description: 'Characters two passages share (default 200)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(50_000)
  chunk_overlap?: number | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Default document' })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_LIMITS.memoryTypeLength)
  memory_type?: string | null;
}

export class IngestDocumentResponse {
  @ApiProperty()
  success!: boolean;

  @ApiProperty({ description: "upstream's word: completed (the document is read before the answer)" })
  status!: 'completed';

  @ApiProperty({ description: 'Tagged upload_id:<id> on every passage' })
  upload_id!: string;

  @ApiProperty()
  filename!: string;

  @ApiProperty({ description: 'Pages read (1 for a text document)' })
  pages!: number;

  @ApiProperty()
  chunks_stored!: number;

  @ApiProperty()
  total_chunks!: number;

  @ApiProperty({ type: [String], description: 'The passages, in order' })
  content_hashes!: string[];

  @ApiProperty()
  message!: string;
}

export const toIngestResponse = (result: IngestResult): IngestDocumentResponse => ({
  success: true,
  status: 'completed',
  upload_id: result.uploadId,
  filename: result.sourceName,
  pages: result.pages,
  chunks_stored: result.chunksStored,
  total_chunks: result.totalChunks,
  content_hashes: result.contentHashes,
  message: `${result.sourceName}: ${result.totalChunks} passages (${result.chunksStored} new)`,
});
