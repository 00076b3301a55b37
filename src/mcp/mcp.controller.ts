import { Body, Controller, Delete, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { IncomingMessage } from 'node:http';
import { type AuthenticatedRequest, IDENTITY } from '../auth/api-key-authenticator.js';
import { credentialOwner } from '../auth/api-key-matcher.js';
import { McpSessionsService } from './mcp-sessions.service.js';
import { RequireScope } from '../auth/scopes.js';

/** The Streamable HTTP MCP endpoint; the API-key guard applies as on every route. */
@ApiExcludeController()
@RequireScope('read')
@Controller('mcp')
export class McpController {
  constructor(private readonly sessions: McpSessionsService) {}

  /** JSON-RPC messages from the client. */
  @Post()
  post(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    return this.handle(request, reply, body);
  }

  /** The session's stream of server-to-client notifications. */
  @Get()
  stream(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.handle(request, reply, undefined);
  }

  /** Ends a session. */
  @Delete()
  end(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.handle(request, reply, undefined);
  }

  private async handle(request: FastifyRequest, reply: FastifyReply, body: unknown): Promise<void> {
    // The MCP transport writes the response itself (JSON or an SSE stream). The key's scopes go
    // with the request to the tools (the SDK hands `auth` to its handlers as authInfo).
    const identity = (request as AuthenticatedRequest)[IDENTITY];
    if (identity)
      (request.raw as IncomingMessage & { auth?: AuthInfo }).auth = {
        token: '',
        clientId: identity.label,
        scopes: [...identity.scopes],
        extra: { labelled: identity.labelled, spaces: identity.spaces },
      };
    reply.hijack();
    // An OAuth client's sessions belong to its grant (its access token changes at every refresh).
    const owner = identity?.grantId !== undefined ? `grant:${identity.grantId}` : credentialOwner(request);
    await this.sessions.handle(request.raw, reply.raw, body, owner);
  }
}
