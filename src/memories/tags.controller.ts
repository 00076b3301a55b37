import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { TagListResponse } from './dto/memory-responses.js';
import { MemoriesService } from './memories.service.js';
import { RequireScope } from '../auth/scopes.js';

@ApiTags('memories')
@ApiAuthenticated()
@RequireScope('read')
@Controller('api/tags')
export class TagsController {
  constructor(private readonly memories: MemoriesService) {}

  @Get()
  @ApiOkResponse({ type: TagListResponse })
  @ApiOperation({ summary: 'All tags with their memory counts, most used first' })
  async list(): Promise<TagListResponse> {
    return { tags: await this.memories.tagCounts() };
  }
}
