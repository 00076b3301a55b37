import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { OverviewQuery, OverviewResponse } from './dto/overview.dto.js';
import { StatsService } from './stats.service.js';
import { RequireScope } from '../auth/scopes.js';
import { RequestCaller } from '../auth/caller.decorator.js';
import { requestedSpace, SpaceHeader } from '../spaces/requested-space.js';
import type { Caller } from '../spaces/space-access.js';

@ApiTags('stats')
@ApiAuthenticated()
@RequireScope('read')
@Controller('api/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get('overview')
  @ApiOperation({ summary: 'Memories stored per day, top tags, database size over time, store and search latency (the dashboard Overview)' })
  @ApiOkResponse({ type: OverviewResponse })
  overview(@Query() query: OverviewQuery, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<OverviewResponse> {
    return this.stats.overview(query.days ?? 30, query.utc_offset_minutes ?? 0, caller, requestedSpace(query.space, query.store, spaceHeader));
  }
}
