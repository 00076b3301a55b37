import { All, Body, Controller, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { McpSessionsService } from './mcp-sessions.service.js';

/** The Streamable HTTP MCP endpoint; the API-key guard applies as on every route. */
@ApiExcludeController()
@Controller('mcp')
export class McpController {
  constructor(private readonly sessions: McpSessionsService) {}

  @All()
  async handle(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Body() body: unknown): Promise<void> {
    // The MCP transport writes the response itself (JSON or an SSE stream).
    reply.hijack();
    await this.sessions.handle(request.raw, reply.raw, body);
  }
}
