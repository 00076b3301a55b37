import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedRequest, IDENTITY } from '../auth/api-key-authenticator.js';
import { RequireScope } from '../auth/scopes.js';
import { callerOf } from '../auth/caller.decorator.js';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { ApproveAuthorizationDto, AuthorizationResponse, DecisionResponse, GrantListResponse } from './dto/oauth.dto.js';
import { OAuthService } from './oauth.service.js';

const actorOf = (request: AuthenticatedRequest): string => request[IDENTITY]?.label ?? 'anonymous';

/**
 * The operator's side of OAuth (MCP_OAUTH_ENABLED=true), all with an admin key: the consent page's
 * calls (look at a pending authorization, approve or deny it) and the grants in force.
 */
@ApiTags('oauth')
@ApiAuthenticated()
@RequireScope('admin')
@Controller('api')
export class OAuthController {
  constructor(private readonly oauth: OAuthService) {}

  @Get('oauth/authorizations/:id')
  @ApiOperation({ summary: 'A pending OAuth authorization: which client asks for which scopes (the consent page shows it)' })
  @ApiOkResponse({ type: AuthorizationResponse })
  describe(@Param('id') id: string): Promise<AuthorizationResponse> {
    return this.oauth.describe(id);
  }

  @Post('oauth/authorizations/:id/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve a pending OAuth authorization (maybe with fewer scopes); answers where to send the browser' })
  @ApiOkResponse({ type: DecisionResponse })
  approve(@Param('id') id: string, @Body() dto: ApproveAuthorizationDto, @Req() request: AuthenticatedRequest): Promise<DecisionResponse> {
    return this.oauth.approve(id, dto?.scopes, dto?.spaces ?? undefined, callerOf(request[IDENTITY]));
  }

  @Post('oauth/authorizations/:id/deny')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deny a pending OAuth authorization; answers where to send the browser' })
  @ApiOkResponse({ type: DecisionResponse })
  deny(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<DecisionResponse> {
    return this.oauth.deny(id, actorOf(request));
  }

  @Get('admin/oauth/grants')
  @ApiOperation({ summary: 'The OAuth grants in force: client, scopes, who approved them, when' })
  @ApiOkResponse({ type: GrantListResponse })
  async grants(): Promise<GrantListResponse> {
    return { grants: await this.oauth.grants() };
  }

  @Delete('admin/oauth/grants/:id')
  @HttpCode(204)
  @ApiOperation({ summary: "Revoke an OAuth grant and every token of it (the client's next MCP request gets 401)" })
  @ApiNoContentResponse()
  async revoke(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<void> {
    await this.oauth.revokeGrant(id, actorOf(request));
  }
}
