import { RequestCaller } from '../auth/caller.decorator.js';
import { requestedSpace, SpaceHeader } from '../spaces/requested-space.js';
import { type Caller, readableSpaces } from '../spaces/space-access.js';
import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiAuthenticated } from '../common/api-docs.decorators.js';
import { EventStatsResponse } from './dto/event-stats.response.js';
import { EventStreamQuery } from './dto/event-stream.query.js';
import { EventHubService } from './event-hub.service.js';
import { RequireScope } from '../auth/scopes.js';

/** An id the client sent that cannot be ours: it gets resync_required. */
const UNKNOWN_EVENT_ID = -1;

function resumeFrom(header: string | undefined, query: string | undefined): number | null {
  const raw = query ?? header;
  if (raw === undefined || raw.trim() === '') return null;
  return /^\d{1,19}$/.test(raw.trim()) ? Number(raw.trim()) : UNKNOWN_EVENT_ID;
}

const STREAM_DESCRIPTION =
  'Server-Sent Events. Every message has an id; a client reconnecting with Last-Event-ID (or ?last_event_id=) ' +
  'first receives what it missed, or resync_required. Browsers authenticate with ?api_key=.';

@ApiTags('events')
@ApiAuthenticated()
@RequireScope('read')
@Controller('api/events')
export class EventsController {
  constructor(private readonly hub: EventHubService) {}

  @Get('stream')
  @ApiOperation({ summary: 'Live feed of memory changes, without event names (for EventSource.onmessage)', description: STREAM_DESCRIPTION })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'An endless text/event-stream' })
  stream(
    @Query() query: EventStreamQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @RequestCaller() caller: Caller,
    @Res() reply: FastifyReply,
    @SpaceHeader() spaceHeader?: string,
  ): Promise<void> {
    return this.openStream(
      reply,
      false,
      resumeFrom(lastEventId, query.last_event_id),
      readableSpaces(caller, requestedSpace(query.space, query.store, spaceHeader)),
      query.searches === 'true' ? caller.label : undefined,
    );
  }

  @Get()
  @ApiOperation({ summary: 'The same feed with named events (event: memory_stored, ...)', description: STREAM_DESCRIPTION })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'An endless text/event-stream' })
  named(
    @Query() query: EventStreamQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @RequestCaller() caller: Caller,
    @Res() reply: FastifyReply,
    @SpaceHeader() spaceHeader?: string,
  ): Promise<void> {
    return this.openStream(
      reply,
      true,
      resumeFrom(lastEventId, query.last_event_id),
      readableSpaces(caller, requestedSpace(query.space, query.store, spaceHeader)),
      query.searches === 'true' ? caller.label : undefined,
    );
  }

  @Get('stats')
  @ApiOperation({ summary: 'Connected clients, events sent, dropped clients' })
  @ApiOkResponse({ type: EventStatsResponse })
  stats(): EventStatsResponse {
    const s = this.hub.stats();
    return {
      connected_clients: s.connectedClients,
      events_published: s.eventsPublished,
      events_sent: s.eventsSent,
      dropped_clients: s.droppedClients,
      last_event_id: s.lastEventId,
      replay_buffer_size: s.replayBufferSize,
      replay_buffer_capacity: s.replayBufferCapacity,
      replay_buffer_bytes: s.replayBufferBytes,
      replay_buffer_max_bytes: s.replayBufferMaxBytes,
      total_connections: s.connectedClients,
      heartbeat_interval: s.heartbeatInterval,
      connections: s.connections,
    };
  }

  private async openStream(
    reply: FastifyReply,
    named: boolean,
    lastEventId: number | null,
    spaces: readonly string[] | undefined,
    searchesBy: string | undefined,
  ): Promise<void> {
    // The stream outlives this handler: Fastify hands the raw response over, keeping the headers
    // its hooks set (CORS).
    reply.hijack();
    const inherited = Object.fromEntries(Object.entries(reply.getHeaders()).filter(([, v]) => v !== undefined)) as Record<string, string | number | string[]>;
    reply.raw.writeHead(200, {
      ...inherited,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    reply.raw.socket?.setNoDelay(true);
    const userAgent = reply.request.headers['user-agent'];
    await this.hub.open(reply.raw, {
      named,
      lastEventId,
      spaces,
      searchesBy,
      client: { ip: reply.request.ip, userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 200) : 'unknown' },
    });
  }
}
