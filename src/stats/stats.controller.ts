import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { OverviewQuery, OverviewResponse } from './dto/overview.dto.js';
import { StatsService } from './stats.service.js';
import { RequireScope } from '../auth/scopes.js';

@ApiTags('stats')
@ApiAuthenticated()
@RequireScope('read')
@Controller('api/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get('overview')
  @ApiOperation({ summary: 'Memories stored per day, top tags, database size over time, store and search latency (the dashboard Overview)' })
  @ApiOkResponse({ type: OverviewResponse })
  overview(@Query() query: OverviewQuery): Promise<OverviewResponse> {
    return this.stats.overview(query.days ?? 30, query.utc_offset_minutes ?? 0);
  }
}
