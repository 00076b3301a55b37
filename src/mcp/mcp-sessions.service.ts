import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Change, EVENT_LOG, type EventLog, MemoryChangeTypes } from '../storage/change-log.js';
import { createMcpServer } from './mcp-server.factory.js';
import { ServiceToolBackend } from './service-tool-backend.js';

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  lastSeen: number;
}

/** Sessions whose client sent nothing for this long are closed (clients re-initialize). */
const SESSION_IDLE_MS = 30 * 60_000;

const MEMORY_CHANGE_TYPES = new Set<string>(Object.values(MemoryChangeTypes));

function jsonRpcError(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

/**
 * Streamable HTTP sessions at /mcp: one MCP server and transport per client session, and store
 * changes pushed to every session as MCP logging notifications.
 */
@Injectable()
export class McpSessionsService implements OnModuleDestroy {
  private readonly logger = new Logger('MCP');
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly backend: ServiceToolBackend,
    @Inject(EVENT_LOG) log: EventLog,
  ) {
    log.subscribe((change) => this.onChange(change));
    this.sweeper = setInterval(() => void this.closeIdleSessions(Date.now() - SESSION_IDLE_MS), 60_000);
    this.sweeper.unref();
  }

  async handle(request: IncomingMessage, response: ServerResponse, body: unknown): Promise<void> {
    const sessionId = request.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = this.sessions.get(sessionId);
      if (!session) return jsonRpcError(response, 404, 'Session not found; initialize a new session');
      session.lastSeen = Date.now();
      return session.transport.handleRequest(request, response, body);
    }
    if (request.method !== 'POST' || !isInitializeRequest(body)) {
      return jsonRpcError(response, 400, 'No mcp-session-id header: send an initialize request first');
    }
    const server = createMcpServer(this.backend);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.sessions.set(id, { transport, server, lastSeen: Date.now() });
        this.logger.log({ msg: 'MCP session opened', session_id: id });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined && this.sessions.delete(transport.sessionId)) {
        this.logger.log({ msg: 'MCP session closed', session_id: transport.sessionId });
      }
    };
    await server.connect(transport);
    await transport.handleRequest(request, response, body);
  }

  /** Every memory change from the change log (any process, any replica) reaches every session. */
  private onChange({ type, payload }: Change): void {
    if (!MEMORY_CHANGE_TYPES.has(type)) return;
    this.notify({ type, content_hash: payload.content_hash, ...(payload.tags === undefined ? {} : { tags: payload.tags }) });
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweeper);
    await this.closeIdleSessions(Infinity);
  }

  /** Closes every session last seen before `cutoff` (epoch ms); Infinity closes all. */
  async closeIdleSessions(cutoff: number): Promise<void> {
    const idle = [...this.sessions].filter(([, session]) => session.lastSeen < cutoff);
    for (const [id] of idle) this.sessions.delete(id);
    await Promise.all(idle.map(([, session]) => session.server.close().catch(() => undefined)));
  }

  private notify(data: Record<string, unknown>): void {
    for (const { server } of this.sessions.values()) {
      // A session whose client has no open stream simply misses the notification.
      server.server.sendLoggingMessage({ level: 'info', logger: 'memory-events', data }).catch(() => undefined);
    }
  }
}
