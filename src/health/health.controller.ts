import { callerOf, RequestCaller } from '../auth/caller.decorator.js';
import type { Caller } from '../spaces/space-access.js';
import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AUTHENTICATED, type AuthenticatedRequest, IDENTITY } from '../auth/api-key-authenticator.js';
import { Public } from '../auth/public.decorator.js';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { DetailedHealthResponse, HealthResponse, SyncStatusResponse } from './dto/health.responses.js';
import { HealthService } from './health.service.js';
import { RequireScope } from '../auth/scopes.js';

@ApiTags('health')
// /health too: the deployment guide's troubleshooting line (curl http://server:8000/health).
@RequireScope('read')
@Controller(['api/health', 'health'])
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Liveness and readiness; statistics when a valid key is sent' })
  @ApiOkResponse({ type: HealthResponse })
  @ApiResponse({ status: 503, description: 'Database unusable: {status:"unhealthy", error}' })
  check(@Req() request: AuthenticatedRequest): Promise<HealthResponse> {
    return this.health.health(request[AUTHENTICATED] === true, callerOf(request[IDENTITY]));
  }

  @Get('detailed')
  @ApiAuthenticated()
  @ApiOperation({ summary: "Database and WAL size, model, dimension and SQLite pragmas in force; upstream's storage, system and performance objects" })
  @ApiOkResponse({ type: DetailedHealthResponse })
  detailed(@RequestCaller() caller: Caller): Promise<DetailedHealthResponse> {
    return this.health.detailed(caller);
  }

  @Get('sync-status')
  @ApiAuthenticated()
  @ApiOperation({ summary: "Upstream's initial-sync progress of its hybrid (cloud) backend: this service has no cloud sync, so always finished" })
  @ApiOkResponse({ type: SyncStatusResponse })
  syncStatus(): SyncStatusResponse {
    return { sync_supported: false, status: { in_progress: false, total: 0, completed: 0, finished: true, progress_percentage: 100 } };
  }
}
