import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestCaller } from '../auth/caller.decorator.js';
import { RequireScope } from '../auth/scopes.js';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { AgentId } from '../memories/agent-id.decorator.js';
import { agentIdOf } from '../memories/memory-input.js';
import { normalizeTags } from '../memories/tags.js';
import { requestedSpace, SpaceHeader } from '../spaces/requested-space.js';
import type { Caller } from '../spaces/space-access.js';
import { StoreSessionDto, StoreSessionResponse, toSessionResponse } from './dto/session.dto.js';
import { SessionsService } from './sessions.service.js';

@ApiTags('memories')
@ApiAuthenticated()
@RequireScope('write')
@Controller('api/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  @HttpCode(200)
  @ApiOkResponse({ type: StoreSessionResponse })
  @ApiHeader({ name: 'X-Agent-ID', required: false, description: 'Adds the tag agent:<id>' })
  @ApiOperation({ summary: 'Store a conversation as a memory of "[role] content" lines (type session, tag session:<id>; long ones in chunks)' })
  async store(
    @Body() dto: StoreSessionDto,
    @RequestCaller() caller: Caller,
    @SpaceHeader() spaceHeader?: string,
    @AgentId() agentHeader?: string,
  ): Promise<StoreSessionResponse> {
    const stored = await this.sessions.store(
      {
        turns: dto.turns,
        sessionId: dto.session_id,
        tags: normalizeTags(dto.tags),
        metadata: dto.metadata,
        space: requestedSpace(dto.space, dto.store, spaceHeader),
        agentId: agentIdOf(dto.agent_id) ?? agentIdOf(agentHeader, 'X-Agent-ID'),
      },
      caller,
    );
    return toSessionResponse(stored);
  }
}
