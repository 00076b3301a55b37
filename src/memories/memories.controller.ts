import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { ContentHashPipe } from './content-hash.pipe.js';
import { LegacyTagSearchQuery, ListMemoriesQuery } from './dto/list-memories.query.js';
import {
  DeleteMemoryResponse,
  LegacyTagSearchResponse,
  MemoryHistoryResponse,
  MemoryListResponse,
  StoreMemoryResponse,
  toMemoryListResponse,
  toStoreResponse,
  UpdateMemoryResponse,
} from './dto/memory-responses.js';
import { MemoryResponse, toMemoryResponse } from './dto/memory.response.js';
import { BulkDeleteDto, BulkDeleteResponse, toBulkDeleteResponse } from './dto/bulk-delete.dto.js';
import { StoreMemoryDto } from './dto/store-memory.dto.js';
import { UpdateMemoryDto } from './dto/update-memory.dto.js';
import { AgentId } from './agent-id.decorator.js';
import { InvalidInputError, MemoryNotFoundError } from '../common/domain-errors.js';
import { MemoriesService } from './memories.service.js';
import { agentIdOf } from './memory-input.js';
import { normalizeTags } from './tags.js';
import { RequestCaller } from '../auth/caller.decorator.js';
import { SpaceFields } from '../spaces/dto/space-fields.dto.js';
import { requestedSpace, SpaceHeader } from '../spaces/requested-space.js';
import type { Caller } from '../spaces/space-access.js';
import { RequireScope } from '../auth/scopes.js';

const LEGACY_TAG_SEARCH_LIMIT = 1000;

@ApiTags('memories')
@ApiAuthenticated()
@ApiHeader({ name: 'X-Memory-Space', required: false, description: 'The space (as space or store in the body or query)' })
@RequireScope('read')
@Controller('api/memories')
export class MemoriesController {
  constructor(private readonly memories: MemoriesService) {}

  @Post()
  @RequireScope('write')
  @HttpCode(200)
  @ApiOkResponse({ type: StoreMemoryResponse })
  @ApiOperation({ summary: 'Store a memory', description: 'An exact duplicate (same content hash) answers success:false.' })
  @ApiHeader({ name: 'X-Agent-ID', required: false, description: 'Adds the tag agent:<id>' })
  async store(
    @Body() dto: StoreMemoryDto,
    @RequestCaller() caller: Caller,
    @SpaceHeader() spaceHeader?: string,
    @AgentId() agentHeader?: string,
  ): Promise<StoreMemoryResponse> {
    const result = await this.memories.store(
      {
        content: dto.content,
        tags: dto.tags,
        memoryType: dto.memory_type,
        metadata: dto.metadata,
        clientHostname: dto.client_hostname,
        conversationId: dto.conversation_id,
        createdAt: dto.created_at,
        expiresAt: dto.expires_at,
        ttlSeconds: dto.ttl_seconds,
        supersedeSimilar: dto.supersede_similar === true,
        agentId: agentIdOf(dto.agent_id) ?? agentIdOf(agentHeader, 'X-Agent-ID'),
        space: requestedSpace(dto.space, dto.store, spaceHeader),
      },
      caller,
    );
    return toStoreResponse(result);
  }

  @Get()
  @ApiOkResponse({ type: MemoryListResponse })
  @ApiOperation({ summary: 'List memories, newest first' })
  async list(@Query() query: ListMemoriesQuery, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<MemoryListResponse> {
    const page = query.page ?? 1;
    const pageSize = query.page_size ?? 10;
    const result = await this.memories.list(
      {
        page,
        pageSize,
        tags: normalizeTags(query.tag),
        tagMatch: query.tag_match ?? 'any',
        ...(query.memory_type === undefined ? {} : { memoryType: query.memory_type }),
        after: query.after,
        before: query.before,
        space: requestedSpace(query.space, query.store, spaceHeader),
        agentId: query.agent_id,
        includeSuperseded: query.include_superseded === 'true',
        staleDays: query.stale_days,
      },
      caller,
    );
    return toMemoryListResponse(result, page, pageSize);
  }

  @Post('bulk-delete')
  @RequireScope('write')
  @HttpCode(200)
  @ApiOkResponse({ type: BulkDeleteResponse })
  @ApiOperation({ summary: 'Delete every memory matching tags and/or a created-at window (dry_run to preview)' })
  async bulkDelete(@Body() dto: BulkDeleteDto, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<BulkDeleteResponse> {
    const { contentHashes, dryRun } = await this.memories.deleteMatching(
      {
        tags: dto.tags,
        tagMatch: dto.tag_match ?? 'any',
        after: dto.after,
        before: dto.before,
        dryRun: dto.dry_run === true,
        space: requestedSpace(dto.space, dto.store, spaceHeader),
      },
      caller,
    );
    return toBulkDeleteResponse(contentHashes, dryRun);
  }

  @Get('search/tags')
  @ApiOkResponse({ type: LegacyTagSearchResponse })
  @ApiOperation({ summary: 'Memories with any of the tags (older clients)' })
  async legacyTagSearch(
    @Query() query: LegacyTagSearchQuery,
    @RequestCaller() caller: Caller,
    @SpaceHeader() spaceHeader?: string,
  ): Promise<LegacyTagSearchResponse> {
    const memories = await this.memories.findByTags(
      normalizeTags(query.tags),
      query.match_all === 'true' ? 'all' : 'any',
      LEGACY_TAG_SEARCH_LIMIT,
      caller,
      requestedSpace(query.space, query.store, spaceHeader),
    );
    return { memories: memories.map(toMemoryResponse) };
  }

  @Get(':content_hash/history')
  @ApiOkResponse({ type: MemoryHistoryResponse })
  @ApiOperation({ summary: 'Every version of a memory, oldest first (superseded ones included)' })
  async history(
    @Param('content_hash', ContentHashPipe) hash: string,
    @Query() query: SpaceFields,
    @RequestCaller() caller: Caller,
    @SpaceHeader() spaceHeader?: string,
  ): Promise<MemoryHistoryResponse> {
    const versions = await this.memories.history(hash, caller, requestedSpace(query.space, query.store, spaceHeader));
    return { content_hash: hash, space: versions[0]!.space, versions: versions.map(toMemoryResponse) };
  }

  @Get(':content_hash')
  @ApiOkResponse({ type: MemoryResponse })
  @ApiOperation({ summary: 'Get one memory by its content hash (a superseded version too: it says superseded_by)' })
  async get(
    @Param('content_hash', ContentHashPipe) hash: string,
    @Query() query: SpaceFields,
    @RequestCaller() caller: Caller,
    @SpaceHeader() spaceHeader?: string,
  ): Promise<MemoryResponse> {
    return toMemoryResponse(await this.memories.read(hash, caller, requestedSpace(query.space, query.store, spaceHeader)));
  }

  @Put(':content_hash')
  @RequireScope('write')
  @ApiOkResponse({ type: UpdateMemoryResponse })
  @ApiOperation({
    summary: 'Update tags, type or metadata in place; or, with content and versioned: true, store the next version (answers its hash)',
  })
  async update(
    @Param('content_hash', ContentHashPipe) hash: string,
    @Body() dto: UpdateMemoryDto,
    @Query() query: SpaceFields,
    @RequestCaller() caller: Caller,
    @SpaceHeader() spaceHeader?: string,
  ): Promise<UpdateMemoryResponse> {
    const space = requestedSpace(dto.space, dto.store, query.space, query.store, spaceHeader);
    if (dto.versioned === true) {
      if (dto.content === undefined) throw InvalidInputError.field('content', 'versioned: true needs content, the new text');
      const { memory, previous } = await this.memories.newVersion(
        hash,
        { content: dto.content, reason: dto.reason, tags: dto.tags, memoryType: dto.memory_type, metadata: dto.metadata, space },
        caller,
      );
      return {
        success: true,
        message: 'New version stored; the previous one is superseded',
        content_hash: memory.contentHash,
        memory: toMemoryResponse(memory),
        previous_hash: previous.contentHash,
      };
    }
    if ([dto.tags, dto.memory_type, dto.metadata].every((field) => field === undefined || field === null)) {
      // upstream answers an empty update as a success that changed nothing.
      const current = await this.memories.changeable(hash, caller, space);
      return { success: true, message: 'No updates provided', content_hash: hash, memory: toMemoryResponse(current) };
    }
    const memory = await this.memories.update(
      hash,
      {
        tags: dto.tags,
        memoryType: dto.memory_type,
        metadata: dto.metadata,
        preserveTimestamps: dto.preserve_timestamps === true,
        space,
      },
      caller,
    );
    return { success: true, message: 'Memory updated successfully', content_hash: hash, memory: toMemoryResponse(memory) };
  }

  @Delete(':content_hash')
  @RequireScope('write')
  @ApiOkResponse({ type: DeleteMemoryResponse })
  @ApiOperation({
    summary: 'Delete a memory',
    description: "An unknown hash (or one the key cannot read) answers 200 with success: false, as upstream's route does.",
  })
  async delete(
    @Param('content_hash', ContentHashPipe) hash: string,
    @Query() query: SpaceFields,
    @RequestCaller() caller: Caller,
    @SpaceHeader() spaceHeader?: string,
  ): Promise<DeleteMemoryResponse> {
    try {
      await this.memories.delete(hash, caller, requestedSpace(query.space, query.store, spaceHeader));
    } catch (error) {
      if (error instanceof MemoryNotFoundError) return { success: false, message: 'Memory not found', content_hash: hash };
      throw error;
    }
    return { success: true, message: 'Memory deleted successfully', content_hash: hash };
  }
}
