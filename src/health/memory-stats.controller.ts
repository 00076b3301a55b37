import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/scopes.js';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { ClearCachesResponse, MemoryStatsResponse } from './dto/memory-stats.responses.js';
import { HealthService } from './health.service.js';

/** upstream's process-memory routes, behind the write scope as upstream's are. */
@ApiTags('health')
@ApiAuthenticated()
@RequireScope('write')
@Controller('api')
export class MemoryStatsController {
  constructor(private readonly health: HealthService) {}

  @Get('memory-stats')
  @ApiOkResponse({ type: MemoryStatsResponse })
  @ApiOperation({ summary: "The server process's memory, the machine's, and what the search caches hold" })
  memoryStats(): MemoryStatsResponse {
    return this.health.memoryStats();
  }

  @Post('clear-caches')
  @HttpCode(200)
  @ApiOkResponse({ type: ClearCachesResponse })
  @ApiOperation({ summary: 'Drop the search caches (query vectors, recent results)' })
  clearCaches(): ClearCachesResponse {
    return this.health.clearCaches();
  }
}
