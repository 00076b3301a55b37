import { Body, Controller, Delete, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { credentialOwner } from '../auth/api-key-matcher.js';
import { McpSessionsService } from './mcp-sessions.service.js';

/** The Streamable HTTP MCP endpoint; the API-key guard applies as on every route. */
@ApiExcludeController()
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
    // The MCP transport writes the response itself (JSON or an SSE stream).
    reply.hijack();
    await this.sessions.handle(request.raw, reply.raw, body, credentialOwner(request));
  }
}
