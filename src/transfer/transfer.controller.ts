import { RequestCaller } from '../auth/caller.decorator.js';
import { requestedSpace, SpaceHeader } from '../spaces/requested-space.js';
import { type Caller, readableSpaces } from '../spaces/space-access.js';
import { Body, Controller, Get, HttpCode, Post, Query, Req, StreamableFile } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { InvalidInputError } from '../common/domain-errors.js';
import { ImportFileDto, ImportReportResponse, ReembedDto, ReembedReportResponse } from './dto/import.dto.js';
import { ExportService } from './export.service.js';
import { ImportService } from './import.service.js';
import { ReembedService } from './reembed.service.js';
import { RequireScope } from '../auth/scopes.js';

/** The media type of JSON Lines bodies (export and streamed import). */
export const JSON_LINES_TYPE = 'application/x-ndjson';

@ApiTags('admin')
@ApiAuthenticated()
@RequireScope('admin')
@Controller('api/admin')
export class TransferController {
  constructor(
    private readonly imports: ImportService,
    private readonly exports: ExportService,
    private readonly reembeds: ReembedService,
  ) {}

  @Get('export')
  @ApiOperation({ summary: 'Every memory (of the spaces the key may read, or of the one named) as JSON Lines (one memory per line, oldest first), streamed' })
  @ApiQuery({ name: 'space', required: false, type: String, description: 'Only this space (also store, or the X-Memory-Space header)' })
  @ApiQuery({ name: 'with_vectors', required: false, type: Boolean, description: 'Add each vector with its model (re-import skips the model when it matches)' })
  @ApiProduces(JSON_LINES_TYPE)
  @ApiOkResponse({
    description: 'JSON Lines: the memory shape of GET /api/memories/{hash}, plus embedding_model, embedding_dimension and embedding with vectors',
  })
  export(
    @RequestCaller() caller: Caller,
    @Query('with_vectors') withVectors?: string,
    @Query('space') space?: string,
    @Query('store') store?: string,
    @SpaceHeader() spaceHeader?: string,
  ): StreamableFile {
    if (withVectors !== undefined && !['true', 'false', '1', '0'].includes(withVectors)) {
      throw InvalidInputError.field('with_vectors', 'with_vectors must be true or false');
    }
    const spaces = readableSpaces(caller, requestedSpace(space, store, spaceHeader));
    return new StreamableFile(Readable.from(this.exports.lines(withVectors === 'true' || withVectors === '1', spaces)), {
      type: JSON_LINES_TYPE,
      disposition: 'attachment; filename="memories.jsonl"',
    });
  }

  @Post('import')
  @HttpCode(200)
  @ApiOperation({
    summary: "Import a file on the server's disk: an upstream mcp-memory-service database or a JSON Lines export",
    description: 'Idempotent by content hash (a re-run after an interruption resumes); answers with the report when done.',
  })
  @ApiOkResponse({ type: ImportReportResponse })
  importFile(@Body() dto: ImportFileDto): Promise<ImportReportResponse> {
    return this.imports.importFile(dto.path);
  }

  @Post('import/jsonl')
  @HttpCode(200)
  @ApiOperation({ summary: 'Import JSON Lines streamed in the request body (Content-Type: application/x-ndjson)', description: 'Idempotent by content hash.' })
  @ApiConsumes(JSON_LINES_TYPE)
  @ApiBody({ schema: { type: 'string', description: 'One memory per line' } })
  @ApiOkResponse({ type: ImportReportResponse })
  importJsonLines(@Req() request: FastifyRequest): Promise<ImportReportResponse> {
    if (!(request.body instanceof Readable)) throw InvalidInputError.field('body', `send the memories as ${JSON_LINES_TYPE}, one per line`);
    return this.imports.importJsonLines(request.body);
  }

  @Post('reembed')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Move the database to another embedding model without downtime',
    description:
      'Embeds every memory with the new model beside the current vectors while searches and stores go on, then swaps them in one transaction and serves with the new model. Answers when done; an interrupted run resumes. 409 while one is running.',
  })
  @ApiOkResponse({ type: ReembedReportResponse })
  reembed(@Body() dto: ReembedDto): Promise<ReembedReportResponse> {
    return this.reembeds.reembed(dto.model);
  }
}
