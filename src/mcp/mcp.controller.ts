import { Body, Controller, Delete, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { IncomingMessage } from 'node:http';
import { type AuthenticatedRequest, IDENTITY } from '../auth/api-key-authenticator.js';
import { credentialOwner } from '../auth/api-key-matcher.js';
import { McpSessionsService } from './mcp-sessions.service.js';
import { RequireScope } from '../auth/scopes.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { RequestCaller } from '../auth/caller.decorator.js';
import type { Caller } from '../spaces/space-access.js';
import { ServiceToolBackend } from './service-tool-backend.js';
import { memoryTools } from './tools/memory-tools.js';
import { listTools } from './tools/tool-registry.js';

/** The scopes of the key a request came with (none: keyless, every tool). */
const scopesOf = (request: FastifyRequest): string[] | undefined => {
  const identity = (request as AuthenticatedRequest)[IDENTITY];
  return identity ? [...identity.scopes] : undefined;
};

interface McpToolsResponse {
  tools: Tool[];
  protocol: 'mcp';
  version: string;
}

interface McpHealthResponse {
  status: string;
  protocol: 'mcp';
  tools_available: number;
  storage_backend: string;
  statistics: { total_memories: number; unique_tags: number };
}

/**
 * The Streamable HTTP MCP endpoint (sessions, and single requests without one), and upstream's
 * /mcp/tools and /mcp/health; the API-key guard applies as on every route.
 */
@ApiExcludeController()
@RequireScope('read')
@Controller('mcp')
export class McpController {
  /** The tool definitions /mcp/tools and /mcp/health describe (built once). */
  private readonly memoryTools: ReturnType<typeof memoryTools>;

  constructor(
    private readonly sessions: McpSessionsService,
    private readonly backend: ServiceToolBackend,
  ) {
    this.memoryTools = memoryTools(backend);
  }

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

  /** Upstream's tool discovery: the tools this key may call, as tools/list shows them. */
  @Get('tools')
  tools(@Req() request: FastifyRequest): McpToolsResponse {
    return { tools: listTools(this.memoryTools, scopesOf(request)), protocol: 'mcp', version: '1.0' };
  }

  /** Upstream's MCP health: the tools available to this key, the backend and its statistics. */
  @Get('health')
  async health(@Req() request: FastifyRequest, @RequestCaller() caller: Caller): Promise<McpHealthResponse> {
    const detailed = await this.backend.health(caller);
    return {
      status: detailed.status,
      protocol: 'mcp',
      tools_available: listTools(this.memoryTools, scopesOf(request)).length,
      storage_backend: detailed.storage.backend,
      statistics: { total_memories: detailed.storage.total_memories, unique_tags: detailed.storage.unique_tags },
    };
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
