import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { RequestCaller } from '../auth/caller.decorator.js';
import { RequireScope } from '../auth/scopes.js';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { requestedSpace, SpaceHeader } from '../spaces/requested-space.js';
import type { Caller } from '../spaces/space-access.js';
import { ConsolidationService } from './consolidation.service.js';
import { HORIZON_NAMES, MergeMemoriesDto, NearDuplicatesQuery, ResolveConflictDto } from './dto/consolidation-requests.js';
import {
  ConflictsResponse,
  MergeMemoriesResponse,
  RecommendationsResponse,
  ResolveConflictResponse,
  toConflictsResponse,
  toMergeResponse,
  toRecommendationsResponse,
  toResolveResponse,
} from './dto/consolidation-responses.js';

@ApiTags('consolidation')
@ApiAuthenticated()
@ApiHeader({ name: 'X-Memory-Space', required: false, description: 'The space (as space or store in the body or query)' })
@RequireScope('read')
@Controller('api')
export class ConsolidationController {
  constructor(private readonly consolidation: ConsolidationService) {}

  @Post('consolidation/merge')
  @RequireScope('write')
  @HttpCode(200)
  @ApiOkResponse({ type: MergeMemoriesResponse })
  @ApiOperation({ summary: 'Merge memories of one space into one new memory that supersedes them (their history is kept)' })
  async merge(@Body() dto: MergeMemoriesDto, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<MergeMemoriesResponse> {
    const merged = await this.consolidation.merge(
      {
        contentHashes: dto.content_hashes,
        mergedContent: dto.merged_content,
        tags: dto.tags,
        memoryType: dto.memory_type,
        reason: dto.reason,
        space: requestedSpace(dto.space, dto.store, spaceHeader),
      },
      caller,
    );
    return toMergeResponse(merged);
  }

  @Get('consolidation/recommendations')
  @ApiOkResponse({ type: RecommendationsResponse })
  @ApiOperation({ summary: 'Groups of near-duplicates per space, candidates for a merge (nothing changes)' })
  recommendations(@Query() query: NearDuplicatesQuery, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<RecommendationsResponse> {
    return this.recommend(query, query.time_horizon ?? null, caller, spaceHeader);
  }

  @Get('consolidation/recommendations/:time_horizon')
  @ApiOkResponse({ type: RecommendationsResponse })
  @ApiParam({ name: 'time_horizon', enum: HORIZON_NAMES })
  @ApiOperation({ summary: "The same for one time horizon (upstream's path)" })
  recommendationsFor(
    @Param('time_horizon') timeHorizon: string,
    @Query() query: NearDuplicatesQuery,
    @RequestCaller() caller: Caller,
    @SpaceHeader() spaceHeader?: string,
  ): Promise<RecommendationsResponse> {
    return this.recommend(query, timeHorizon, caller, spaceHeader);
  }

  private async recommend(query: NearDuplicatesQuery, timeHorizon: string | null, caller: Caller, spaceHeader?: string): Promise<RecommendationsResponse> {
    const found = await this.consolidation.recommend(
      { ...lookOptions(query), timeHorizon, space: requestedSpace(query.space, query.store, spaceHeader) },
      caller,
    );
    return toRecommendationsResponse(found, timeHorizon);
  }

  @Get('conflicts')
  @ApiOkResponse({ type: ConflictsResponse })
  @ApiOperation({ summary: 'Pairs of near-duplicates that each say something the other does not: two versions of one fact, likely' })
  async conflicts(@Query() query: NearDuplicatesQuery, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<ConflictsResponse> {
    const found = await this.consolidation.conflicts(
      { ...lookOptions(query), timeHorizon: query.time_horizon, space: requestedSpace(query.space, query.store, spaceHeader) },
      caller,
    );
    return toConflictsResponse(found);
  }

  @Post('conflicts/resolve')
  @RequireScope('write')
  @HttpCode(200)
  @ApiOkResponse({ type: ResolveConflictResponse })
  @ApiOperation({ summary: 'Keep the winner; the loser is superseded by it (hidden from reads, kept in the history)' })
  async resolve(@Body() dto: ResolveConflictDto, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<ResolveConflictResponse> {
    const resolved = await this.consolidation.resolve(
      { winnerHash: dto.winner_hash, loserHash: dto.loser_hash, space: requestedSpace(dto.space, dto.store, spaceHeader) },
      caller,
    );
    return toResolveResponse(resolved);
  }
}

const lookOptions = (query: NearDuplicatesQuery) => ({ limit: query.limit, threshold: query.similarity_threshold });
