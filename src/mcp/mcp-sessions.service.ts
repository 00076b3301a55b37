import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type Change, EVENT_LOG, type EventLog, MemoryChangeTypes } from '../storage/change-log.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { DEFAULT_SPACE } from '../storage/memory.js';
import { EVERY_SPACE, type SpaceAccess } from '../spaces/space-access.js';
import { createMcpServer } from './mcp-server.factory.js';
import { ServiceToolBackend } from './service-tool-backend.js';

interface Session {
  transport: StreamableHTTPServerTransport;
  server: Server;
  /** Who opened it (a digest of the key, or "anonymous"): only they may use it. */
  owner: string;
  lastSeen: number;
  /** The spaces its key may read (as of its latest request): the changes it is told about. */
  spaces: SpaceAccess;
}

/** The spaces of the key a request came with (set by McpController); none on a keyless server: every space. */
const spacesOf = (request: IncomingMessage): SpaceAccess =>
  ((request as IncomingMessage & { auth?: AuthInfo }).auth?.extra?.spaces as SpaceAccess | undefined) ?? EVERY_SPACE;

const MEMORY_CHANGE_TYPES = new Set<string>(Object.values(MemoryChangeTypes));

function jsonRpcError(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
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

  private readonly idleMs: number;

  constructor(
    private readonly backend: ServiceToolBackend,
    @Inject(EVENT_LOG) log: EventLog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.idleMs = config.mcp.sessionIdleSeconds * 1000;
    log.subscribe((change) => this.onChange(change));
    this.sweeper = setInterval(() => void this.closeIdleSessions(Date.now() - this.idleMs), Math.min(60_000, this.idleMs));
    this.sweeper.unref();
  }

  get openSessions(): number {
    return this.sessions.size;
  }

  /**
   * Serves one request of the MCP transport. `owner` identifies the caller's credential: a session
   * answers only its owner, and the number of sessions is capped per owner and in total.
   */
  async handle(request: IncomingMessage, response: ServerResponse, body: unknown, owner: string): Promise<void> {
    const sessionId = request.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = this.sessions.get(sessionId);
      if (!session || session.owner !== owner) return jsonRpcError(response, 404, 'Session not found; initialize a new session');
      session.lastSeen = Date.now();
      session.spaces = spacesOf(request);
      return session.transport.handleRequest(request, response, body);
    }
    if (request.method !== 'POST') return jsonRpcError(response, 400, 'No mcp-session-id header: send an initialize request first');
    // A plain JSON-RPC client (one that does not take an event stream, as upstream's /mcp shim
    // expects) and any request but initialize are served without a session, as upstream does.
    if (!String(request.headers.accept ?? '').includes('text/event-stream') || !isInitializeRequest(body)) {
      return this.handleStateless(request, response, body);
    }
    const full = await this.capacityProblem(owner);
    if (full !== null) return jsonRpcError(response, 503, full.message, { 'retry-after': String(full.retryAfterSeconds) });
    const server = createMcpServer(this.backend);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.sessions.set(id, { transport, server, owner, lastSeen: Date.now(), spaces: spacesOf(request) });
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

  /**
   * One request served by a server and transport of its own, answered as JSON and closed with the
   * response: the same tools, key, scopes and limits as in a session, and nothing kept.
   */
  private async handleStateless(request: IncomingMessage, response: ServerResponse, body: unknown): Promise<void> {
    const server = createMcpServer(this.backend);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    response.on('close', () => void server.close().catch(() => undefined));
    await server.connect(transport);
    // The transport insists on both media types; the answer is plain JSON here whatever was accepted.
    request.headers.accept = 'application/json, text/event-stream';
    await transport.handleRequest(request, response, body);
  }

  /** Every memory change from the change log (any process, any replica) reaches every session whose key may read its space. */
  private onChange({ type, payload }: Change): void {
    if (!MEMORY_CHANGE_TYPES.has(type)) return;
    // Changes logged before spaces existed were all in the default space.
    const space = typeof payload.space === 'string' ? payload.space : DEFAULT_SPACE;
    this.notify(space, { type, content_hash: payload.content_hash, space, ...(payload.tags === undefined ? {} : { tags: payload.tags }) });
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweeper);
    await this.closeIdleSessions(Infinity);
  }

  /** Why no session can be opened now (idle ones are closed first), or null. */
  private async capacityProblem(owner: string): Promise<{ message: string; retryAfterSeconds: number } | null> {
    const now = Date.now();
    await this.closeIdleSessions(now - this.idleMs);
    const retryAfter = (sessions: Session[]): number => Math.max(1, Math.ceil((Math.min(...sessions.map((s) => s.lastSeen)) + this.idleMs - now) / 1000));
    const all = [...this.sessions.values()];
    if (all.length >= this.config.mcp.maxSessions) {
      return {
        message: `The server has its maximum of ${this.config.mcp.maxSessions} MCP sessions open; retry later or end unused sessions (DELETE /mcp)`,
        retryAfterSeconds: retryAfter(all),
      };
    }
    const own = all.filter((s) => s.owner === owner);
    if (own.length >= this.config.mcp.maxSessionsPerKey) {
      return {
        message: `This key has its maximum of ${this.config.mcp.maxSessionsPerKey} MCP sessions open; end unused sessions (DELETE /mcp) or wait for them to expire`,
        retryAfterSeconds: retryAfter(own),
      };
    }
    return null;
  }

  /** Closes every session last seen before `cutoff` (epoch ms); Infinity closes all. */
  async closeIdleSessions(cutoff: number): Promise<void> {
    const idle = [...this.sessions].filter(([, session]) => session.lastSeen < cutoff);
    for (const [id] of idle) this.sessions.delete(id);
    await Promise.all(idle.map(([, session]) => session.server.close().catch(() => undefined)));
  }

  private notify(space: string, data: Record<string, unknown>): void {
    for (const { server, spaces } of this.sessions.values()) {
      if (spaces.read !== null && !spaces.read.includes(space)) continue;
      // A session whose client has no open stream simply misses the notification.
      server.sendLoggingMessage({ level: 'info', logger: 'memory-events', data }).catch(() => undefined);
    }
  }
}
