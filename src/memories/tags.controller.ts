import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { TagListResponse } from './dto/memory-responses.js';
import { MemoriesService } from './memories.service.js';
import { RequireScope } from '../auth/scopes.js';
import { RequestCaller } from '../auth/caller.decorator.js';
import { SpaceFields } from '../spaces/dto/space-fields.dto.js';
import { requestedSpace, SpaceHeader } from '../spaces/requested-space.js';
import type { Caller } from '../spaces/space-access.js';

@ApiTags('memories')
@ApiAuthenticated()
@RequireScope('read')
@Controller('api/tags')
export class TagsController {
  constructor(private readonly memories: MemoriesService) {}

  @Get()
  @ApiOkResponse({ type: TagListResponse })
  @ApiOperation({ summary: 'All tags with their memory counts, most used first (over the spaces the key may read, or the one named)' })
  async list(@Query() query: SpaceFields, @RequestCaller() caller: Caller, @SpaceHeader() spaceHeader?: string): Promise<TagListResponse> {
    return { tags: await this.memories.tagCounts(caller, requestedSpace(query.space, query.store, spaceHeader)) };
  }
}

@ApiTags('memories')
@ApiAuthenticated()
@RequireScope('read')
@Controller('api/types')
export class TypesController {
  constructor(private readonly memories: MemoriesService) {}

  @Get()
  @ApiOkResponse({ type: [String] })
  @ApiOperation({
    summary: "Memory types: upstream's vocabulary and every type in use, sorted (any type is accepted on a store)",
  })
  list(@RequestCaller() caller: Caller): Promise<string[]> {
    return this.memories.types(caller);
  }
}
