import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestCaller } from '../auth/caller.decorator.js';
import { RequireScope } from '../auth/scopes.js';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { SpaceFields } from '../spaces/dto/space-fields.dto.js';
import { requestedSpace, SpaceHeader } from '../spaces/requested-space.js';
import type { Caller } from '../spaces/space-access.js';
import {
  BulkOperationResponse,
  ConfirmCountQuery,
  ManageBulkDeleteDto,
  RenameTagQuery,
  TagStatsResponse,
  toBulkOperationResponse,
  toTagStatsResponse,
  UntaggedCountResponse,
} from './dto/manage.dto.js';
import { ManageService } from './manage.service.js';

/** upstream's /api/manage routes, all behind the write scope as upstream's are. */
@ApiTags('manage')
@ApiAuthenticated()
@ApiHeader({ name: 'X-Memory-Space', required: false, description: 'The space (as space or store in the body or query)' })
@RequireScope('write')
@Controller('api/manage')
export class ManageController {
  constructor(private readonly manage: ManageService) {}

  @Post('bulk-delete')
  @HttpCode(200)
  @ApiOkResponse({ type: BulkOperationResponse })
  @ApiOperation({ summary: 'Delete the memories with a tag, created before a day, and/or of a type (confirm_count checks the count first)' })
  async bulkDelete(@Body() dto: ManageBulkDeleteDto, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<BulkOperationResponse> {
    return toBulkOperationResponse(
      await this.manage.bulkDelete(
        {
          tag: dto.tag,
          beforeDate: dto.before_date,
          memoryType: dto.memory_type,
          confirmCount: dto.confirm_count,
          space: requestedSpace(dto.space, dto.store, spaceHeader),
        },
        caller,
      ),
    );
  }

  @Post('cleanup-duplicates')
  @HttpCode(200)
  @ApiOkResponse({ type: BulkOperationResponse })
  @ApiOperation({ summary: 'Remove exact duplicates: there are none (a content hash is unique per space)' })
  cleanupDuplicates(): BulkOperationResponse {
    return toBulkOperationResponse(this.manage.cleanupDuplicates());
  }

  @Get('untagged/count')
  @ApiOkResponse({ type: UntaggedCountResponse })
  @ApiOperation({ summary: 'How many memories without any tag the key may delete' })
  async untaggedCount(@Query() query: SpaceFields, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<UntaggedCountResponse> {
    return { count: await this.manage.untaggedCount(caller, requestedSpace(query.space, query.store, spaceHeader)) };
  }

  @Post('delete-untagged')
  @HttpCode(200)
  @ApiOkResponse({ type: BulkOperationResponse })
  @ApiOperation({ summary: 'Delete the memories without any tag (confirm_count, from untagged/count, is required)' })
  async deleteUntagged(
    @Query() query: ConfirmCountQuery,
    @RequestCaller() caller: Caller,
    @SpaceHeader() spaceHeader?: string,
  ): Promise<BulkOperationResponse> {
    return toBulkOperationResponse(await this.manage.deleteUntagged(query.confirm_count, caller, requestedSpace(query.space, query.store, spaceHeader)));
  }

  @Get('tags/stats')
  @ApiOkResponse({ type: TagStatsResponse })
  @ApiOperation({ summary: 'Every tag with its count, newest use and memory types' })
  async tagStats(@Query() query: SpaceFields, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<TagStatsResponse> {
    return toTagStatsResponse(await this.manage.tagStats(caller, requestedSpace(query.space, query.store, spaceHeader)));
  }

  @Put('tags/:old_tag')
  @ApiOkResponse({ type: BulkOperationResponse })
  @ApiOperation({ summary: 'Rename a tag on every memory the key may write (onto an existing tag: merge them)' })
  async renameTag(
    @Param('old_tag') oldTag: string,
    @Query() query: RenameTagQuery,
    @RequestCaller() caller: Caller,
    @SpaceHeader() spaceHeader?: string,
  ): Promise<BulkOperationResponse> {
    return toBulkOperationResponse(
      await this.manage.renameTag(oldTag, query.new_tag, query.confirm_count, caller, requestedSpace(query.space, query.store, spaceHeader)),
    );
  }

  @Post('system/:operation')
  @HttpCode(200)
  @ApiOkResponse({ type: BulkOperationResponse })
  @ApiOperation({ summary: 'cleanup_duplicates; optimize_db and rebuild_index answer 501 (not offered), as upstream' })
  systemOperation(@Param('operation') operation: string): BulkOperationResponse {
    return toBulkOperationResponse(this.manage.systemOperation(operation));
  }
}
