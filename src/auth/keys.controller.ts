import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { ApiKeyAuthenticator, type KeyStatistics } from './api-key-authenticator.js';
import { RequireScope, SCOPES, type Scope } from './scopes.js';

class KeySpacesResponse {
  @ApiProperty({ type: [String], description: 'Spaces it may write (and read)' })
  write!: string[];

  @ApiProperty({ type: [String], description: 'Every space it may read' })
  read!: string[];

  @ApiProperty({ description: 'Where its writes go when they name no space' })
  default_space!: string;
}

class KeyStatisticsResponse implements KeyStatistics {
  @ApiProperty({ example: 'ci-reader' })
  label!: string;

  @ApiProperty({ enum: SCOPES, isArray: true })
  scopes!: Scope[];

  @ApiProperty({ enum: ['MCP_API_KEY', 'keys_file'] })
  source!: 'MCP_API_KEY' | 'keys_file';

  @ApiProperty({ type: String, nullable: true })
  expires_at!: string | null;

  @ApiProperty()
  expired!: boolean;

  @ApiProperty({ description: 'Authenticated requests since the server started' })
  requests!: number;

  @ApiProperty({ type: String, nullable: true })
  last_used_at!: string | null;

  @ApiProperty({ type: KeySpacesResponse, nullable: true, description: 'The spaces it is bound to (its personal space included); null: every space' })
  spaces!: KeySpacesResponse | null;
}

class KeyListResponse {
  @ApiProperty({ type: [KeyStatisticsResponse] })
  keys!: KeyStatisticsResponse[];
}

/** The keys in force and their use (labels and scopes only: never keys or digests). */
@ApiTags('admin')
@ApiAuthenticated()
@RequireScope('admin')
@Controller('api/admin')
export class KeysController {
  constructor(private readonly authenticator: ApiKeyAuthenticator) {}

  @Get('keys')
  @ApiOperation({ summary: 'The API keys in force: label, scopes, expiry, requests and last use since the server started' })
  @ApiOkResponse({ type: KeyListResponse })
  list(): KeyListResponse {
    return { keys: this.authenticator.keyStatistics() };
  }
}
