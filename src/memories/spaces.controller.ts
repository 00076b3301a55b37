import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { RequestCaller } from '../auth/caller.decorator.js';
import { RequireScope } from '../auth/scopes.js';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import type { Caller } from '../spaces/space-access.js';
import { MemoriesService } from './memories.service.js';

class SpaceResponse {
  @ApiProperty({ example: 'team' })
  space!: string;

  @ApiProperty({ description: 'Memories it holds' })
  count!: number;

  @ApiProperty({ description: 'Whether the key may write there' })
  writable!: boolean;

  @ApiProperty({ description: "The key's default space (where writes that name none go)" })
  default!: boolean;
}

class SpaceListResponse {
  @ApiProperty({ type: [SpaceResponse] })
  spaces!: SpaceResponse[];
}

@ApiTags('memories')
@ApiAuthenticated()
@RequireScope('read')
@Controller('api/spaces')
export class SpacesController {
  constructor(private readonly memories: MemoriesService) {}

  @Get()
  @ApiOperation({ summary: 'The spaces the key may read, with their memory counts, which it may write and its default' })
  @ApiOkResponse({ type: SpaceListResponse })
  async list(@RequestCaller() caller: Caller): Promise<SpaceListResponse> {
    const spaces = await this.memories.spaces(caller);
    return { spaces: spaces.map(({ space, count, writable, isDefault }) => ({ space, count, writable, default: isDefault })) };
  }
}
