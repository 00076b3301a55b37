import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Memory } from '../../storage/memory.js';
import type { UploadState, UploadStatus } from '../document-uploads.service.js';

export class UploadQueuedResponse {
  @ApiProperty()
  upload_id!: string;

  @ApiProperty({ enum: ['queued'] })
  status!: 'queued';

  @ApiProperty()
  message!: string;
}

export class UploadStatusResponse implements UploadStatus {
  @ApiProperty()
  upload_id!: string;

  @ApiProperty({ enum: ['queued', 'processing', 'completed', 'failed'] })
  status!: UploadState;

  @ApiProperty({ description: 'The file name, or "Batch (N files)"' })
  filename!: string;

  @ApiProperty({ description: 'Bytes received (0 when told by the stored passages)' })
  file_size!: number;

  @ApiProperty()
  chunks_processed!: number;

  @ApiProperty()
  chunks_stored!: number;

  @ApiProperty()
  total_chunks!: number;

  @ApiProperty({ description: 'Percent, 0 to 100' })
  progress!: number;

  @ApiProperty({ type: [String] })
  errors!: string[];

  @ApiProperty()
  created_at!: string;

  @ApiProperty({ type: String, nullable: true })
  completed_at!: string | null;
}

export class UploadHistoryResponse {
  @ApiProperty({ type: [UploadStatusResponse], description: 'Finished uploads, newest first' })
  uploads!: UploadStatusResponse[];
}

export class RemoveUploadResponse {
  @ApiProperty({ enum: ['success'] })
  status!: 'success';

  @ApiProperty()
  upload_id!: string;

  @ApiProperty()
  filename!: string;

  @ApiProperty()
  memories_deleted!: number;

  @ApiProperty()
  message!: string;
}

export class RemoveByTagsDto {
  @ApiProperty({ type: [String], description: 'Documents with a passage carrying any of these tags (a bare JSON array is accepted too, as upstream sends it)' })
  tags!: string[];
}

export class RemoveByTagsResponse {
  @ApiProperty({ enum: ['success'] })
  status!: 'success';

  @ApiProperty({ type: [String] })
  tags!: string[];

  @ApiProperty()
  memories_deleted!: number;

  @ApiProperty({ type: [String], description: 'The uploads removed' })
  affected_uploads!: string[];

  @ApiProperty()
  message!: string;
}

export class UploadPassageResponse {
  @ApiProperty()
  content_hash!: string;

  @ApiProperty()
  content!: string;

  @ApiProperty({ type: [String] })
  tags!: string[];

  @ApiProperty({ type: 'object', additionalProperties: true })
  metadata!: Record<string, unknown>;

  @ApiProperty()
  created_at!: string;

  @ApiProperty()
  chunk_index!: number;

  @ApiPropertyOptional({ type: 'integer', nullable: true, description: 'For a PDF, the page the passage is on' })
  page!: number | null;
}

export class UploadContentResponse {
  @ApiProperty({ enum: ['success'] })
  status!: 'success';

  @ApiProperty()
  upload_id!: string;

  @ApiProperty()
  filename!: string;

  @ApiProperty()
  total_found!: number;

  @ApiProperty({ type: [UploadPassageResponse], description: 'In order' })
  memories!: UploadPassageResponse[];
}

export const toPassage = (memory: Memory): UploadPassageResponse => ({
  content_hash: memory.contentHash,
  content: memory.content,
  tags: [...memory.tags],
  metadata: { ...memory.metadata },
  created_at: new Date(memory.createdAt * 1000).toISOString(),
  chunk_index: typeof memory.metadata.chunk_index === 'number' ? memory.metadata.chunk_index : 0,
  page: typeof memory.metadata.page === 'number' ? memory.metadata.page : null,
});
