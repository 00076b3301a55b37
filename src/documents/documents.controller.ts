import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestCaller } from '../auth/caller.decorator.js';
import { RequireScope } from '../auth/scopes.js';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { normalizeTags } from '../memories/tags.js';
import { requestedSpace, SpaceHeader } from '../spaces/requested-space.js';
import type { Caller } from '../spaces/space-access.js';
import { DocumentsService } from './documents.service.js';
import { IngestDocumentDto, IngestDocumentResponse, toIngestResponse } from './dto/ingest.dto.js';

@ApiTags('documents')
@ApiAuthenticated()
@ApiHeader({ name: 'X-Memory-Space', required: false, description: 'The space (as space or store in the body)' })
@RequireScope('write')
@Controller('api/documents')
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Post('ingest')
  @HttpCode(200)
  @ApiOkResponse({ type: IngestDocumentResponse })
  @ApiOperation({ summary: 'Store a document (text, Markdown, JSON, or PDF as base64) as passages tagged with its source' })
  async ingest(@Body() dto: IngestDocumentDto, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<IngestDocumentResponse> {
    const result = await this.documents.ingest(
      {
        sourceName: dto.source_name,
        content: dto.content,
        contentBase64: dto.content_base64,
        tags: normalizeTags(dto.tags),
        chunkSize: dto.chunk_size,
        chunkOverlap: dto.chunk_overlap,
        memoryType: dto.memory_type,
        space: requestedSpace(dto.space, dto.store, spaceHeader),
      },
      caller,
    );
    return toIngestResponse(result);
  }
}
