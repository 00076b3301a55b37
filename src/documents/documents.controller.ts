import { Body, Controller, Delete, DefaultValuePipe, Get, HttpCode, Param, ParseBoolPipe, ParseIntPipe, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { RequestCaller } from '../auth/caller.decorator.js';
import { RequireScope } from '../auth/scopes.js';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { InvalidInputError } from '../common/domain-errors.js';
import { normalizeTags } from '../memories/tags.js';
import { requestedSpace, SpaceHeader } from '../spaces/requested-space.js';
import type { Caller } from '../spaces/space-access.js';
import { DocumentUploadsService } from './document-uploads.service.js';
import { DocumentsService, MAX_CHUNKS } from './documents.service.js';
import { IngestDocumentDto, IngestDocumentResponse, toIngestResponse } from './dto/ingest.dto.js';
import {
  RemoveByTagsDto,
  RemoveByTagsResponse,
  RemoveUploadResponse,
  toPassage,
  UploadContentResponse,
  UploadHistoryResponse,
  UploadQueuedResponse,
  UploadStatusResponse,
} from './dto/upload.dto.js';
import { formInteger, formTags, readUploadForm } from './upload-form.js';

const UPLOAD_FORM = {
  schema: {
    type: 'object',
    properties: {
      tags: { type: 'string', description: 'Comma-separated, added to every passage' },
      chunk_size: { type: 'integer', minimum: 100, maximum: 100_000, default: 1000 },
      chunk_overlap: { type: 'integer', minimum: 0, maximum: 50_000, default: 200 },
      memory_type: { type: 'string', default: 'document' },
      space: { type: 'string', description: 'The space (or store, or the X-Memory-Space header)' },
    },
  },
} as const;

@ApiTags('documents')
@ApiAuthenticated()
@ApiHeader({ name: 'X-Memory-Space', required: false, description: 'The space (as space or store in the body)' })
@RequireScope('write')
@Controller('api/documents')
export class DocumentsController {
  constructor(
    private readonly documents: DocumentsService,
    private readonly uploads: DocumentUploadsService,
  ) {}

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

  @Post('upload')
  @HttpCode(200)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: { ...UPLOAD_FORM.schema, required: ['file'], properties: { file: { type: 'string', format: 'binary' }, ...UPLOAD_FORM.schema.properties } },
  })
  @ApiOkResponse({ type: UploadQueuedResponse })
  @ApiOperation({ summary: "Upload one document (upstream's form): read and stored in the background; poll /status/{upload_id}" })
  upload(@Req() request: FastifyRequest, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<UploadQueuedResponse> {
    return this.enqueue(request, 'file', caller, spaceHeader);
  }

  @Post('batch-upload')
  @HttpCode(200)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      ...UPLOAD_FORM.schema,
      required: ['files'],
      properties: { files: { type: 'array', items: { type: 'string', format: 'binary' } }, ...UPLOAD_FORM.schema.properties },
    },
  })
  @ApiOkResponse({ type: UploadQueuedResponse })
  @ApiOperation({ summary: 'Upload several documents (at most 10) under one upload id' })
  batchUpload(@Req() request: FastifyRequest, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<UploadQueuedResponse> {
    return this.enqueue(request, 'files', caller, spaceHeader);
  }

  private async enqueue(request: FastifyRequest, field: 'file' | 'files', caller: Caller, spaceHeader: string | undefined): Promise<UploadQueuedResponse> {
    const { files, fields } = await readUploadForm(request, field);
    const status = this.uploads.enqueue(
      files,
      {
        tags: formTags(fields),
        chunkSize: formInteger(fields, 'chunk_size', 100, 100_000),
        chunkOverlap: formInteger(fields, 'chunk_overlap', 0, 50_000),
        memoryType: fields.memory_type?.trim() || null,
        space: requestedSpace(fields.space, fields.store, spaceHeader),
      },
      caller,
    );
    const what = files.length === 1 ? `Document ${status.filename}` : `Batch of ${files.length} documents`;
    return { upload_id: status.upload_id, status: 'queued', message: `${what} queued for processing` };
  }

  @Get('status/:upload_id')
  @ApiOkResponse({ type: UploadStatusResponse })
  @ApiOperation({ summary: "An upload's progress, or what it became" })
  status(@Param('upload_id') uploadId: string, @RequestCaller() caller: Caller): Promise<UploadStatusResponse> {
    return this.uploads.status(uploadId, caller);
  }

  @Get('history')
  @ApiOkResponse({ type: UploadHistoryResponse })
  @ApiOperation({ summary: 'Finished uploads, newest first' })
  async history(@RequestCaller() caller: Caller): Promise<UploadHistoryResponse> {
    return { uploads: await this.uploads.history(caller) };
  }

  @Get('search-content/:upload_id')
  @ApiQuery({ name: 'limit', required: false, type: Number, description: `Passages at most (default 1000, at most ${MAX_CHUNKS})` })
  @ApiOkResponse({ type: UploadContentResponse })
  @ApiOperation({ summary: "An upload's passages, in order" })
  async content(
    @Param('upload_id') uploadId: string,
    @Query('limit', new DefaultValuePipe(1000), ParseIntPipe) limit: number,
    @RequestCaller() caller: Caller,
  ): Promise<UploadContentResponse> {
    if (limit < 1 || limit > MAX_CHUNKS) throw InvalidInputError.field('limit', `must be from 1 to ${MAX_CHUNKS}`);
    const { status, passages } = await this.uploads.content(uploadId, limit, caller);
    return { status: 'success', upload_id: uploadId, filename: status.filename, total_found: passages.length, memories: passages.map(toPassage) };
  }

  @Delete('remove/:upload_id')
  @ApiQuery({ name: 'remove_from_memory', required: false, type: Boolean, description: 'Delete its passages too (default true)' })
  @ApiOkResponse({ type: RemoveUploadResponse })
  @ApiOperation({ summary: 'Remove an uploaded document and its passages' })
  async remove(
    @Param('upload_id') uploadId: string,
    @Query('remove_from_memory', new DefaultValuePipe(true), ParseBoolPipe) removeFromMemory: boolean,
    @RequestCaller() caller: Caller,
  ): Promise<RemoveUploadResponse> {
    const { filename, deleted } = await this.uploads.remove(uploadId, removeFromMemory, caller);
    return { status: 'success', upload_id: uploadId, filename, memories_deleted: deleted, message: `Document '${filename}' removed successfully` };
  }

  @Delete('remove-by-tags')
  @ApiBody({ type: RemoveByTagsDto })
  @ApiOkResponse({ type: RemoveByTagsResponse })
  @ApiOperation({ summary: 'Remove every uploaded document with a passage carrying one of the tags' })
  async removeByTags(@Body() body: unknown, @RequestCaller() caller: Caller): Promise<RemoveByTagsResponse> {
    const given = Array.isArray(body) ? body : (body as { tags?: unknown } | undefined)?.tags;
    if (!Array.isArray(given) || given.length === 0 || given.length > 100 || !given.every((tag) => typeof tag === 'string'))
      throw InvalidInputError.field('tags', 'give the tags as a JSON array of strings (1 to 100), or as {"tags": [...]}');
    const tags = normalizeTags(given as string[]);
    const { deleted, uploads } = await this.uploads.removeByTags(tags, caller);
    return { status: 'success', tags, memories_deleted: deleted, affected_uploads: uploads, message: `Deleted ${deleted} memories matching tags` };
  }
}
