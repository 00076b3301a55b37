import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { BackupEvents, type BackupCompletedEvent, SpaceEvents } from '../admin/backup-events.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MemoryEvents } from '../memories/memory-events.js';
import { SearchEvents, type SearchCompletedEvent } from '../search/search-events.js';
import { type Change, EVENT_LOG, type EventLog } from '../storage/change-log.js';
import { ReplayBuffer } from './replay-buffer.js';
import { buildServerEvent, type ServerEvent } from './server-event.js';
import { SseConnection } from './sse-connection.js';

export interface StreamOptions {
  /** `event:` names on every message (GET /api/events) or none (GET /api/events/stream). */
  named: boolean;
  /** From Last-Event-ID: replay what came after it. */
  lastEventId: number | null;
  client?: { ip: string; userAgent: string };
  /** The spaces whose changes it receives (readableSpaces of the caller; undefined: everything). */
  spaces?: readonly string[];
  /** Asked for search_completed events: the label of its key, whose searches it is told. */
  searchesBy?: string;
}

export interface ConnectionInfo {
  connection_id: string;
  client_ip: string;
  user_agent: string;
  connected_duration_seconds: number;
  last_heartbeat_seconds_ago: number;
}

export interface EventFeedStats {
  connectedClients: number;
  eventsPublished: number;
  eventsSent: number;
  droppedClients: number;
  lastEventId: number;
  replayBufferSize: number;
  replayBufferCapacity: number;
  replayBufferBytes: number;
  replayBufferMaxBytes: number;
  heartbeatInterval: number;
  connections: ConnectionInfo[];
}

/** Reconnection delay suggested to clients, in milliseconds. */
export const RETRY_MS = 3000;

/** Bytes an event holds in the replay buffer (both frames, UTF-16 in memory). */
const eventBytes = (event: ServerEvent): number => 2 * (event.plainFrame.length + event.namedFrame.length);

/**
 * Turns the change log into feed messages and fans them out to every open stream. Changes come
 * from every writer on the database (this server, stdio processes, other replicas), in id order;
 * each message is serialized once; the newest are kept in a buffer bounded by count and bytes for
 * clients that resume, and older ones are read back from the log while it retains them.
 */
@Injectable()
export class EventHubService implements OnModuleDestroy {
  private readonly logger = new Logger('Events');
  private readonly connections = new Map<string, SseConnection>();
  /** The open streams that asked for search_completed (a subset of connections). */
  private readonly searchListeners = new Set<SseConnection>();
  private readonly buffer: ReplayBuffer<ServerEvent>;
  private readonly heartbeat: NodeJS.Timeout;
  private published = 0;
  private sent = 0;
  private dropped = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_LOG) private readonly log: EventLog,
  ) {
    this.buffer = new ReplayBuffer(config.events.replayBufferSize, config.events.replayBufferBytes, eventBytes);
    log.subscribe((change) => this.deliver(change));
    this.heartbeat = setInterval(() => this.beat(), config.events.heartbeatSeconds * 1000);
    this.heartbeat.unref();
  }

  /**
   * This process committed a change: read it back from the log now rather than at the next poll,
   * but after the request that made it has been answered (setImmediate runs once the response is
   * written), so fanning out to a thousand streams never delays the writer's answer.
   */
  @OnEvent(MemoryEvents.stored)
  @OnEvent(MemoryEvents.updated)
  @OnEvent(MemoryEvents.deleted)
  @OnEvent(BackupEvents.restored)
  @OnEvent(SpaceEvents.changed)
  onLocalChange(): void {
    setImmediate(() => this.log.poll());
  }

  @OnEvent(BackupEvents.completed)
  onBackupCompleted(event: BackupCompletedEvent): void {
    this.log
      .append('backup_completed', {
        timestamp: new Date().toISOString(),
        backup_id: event.backupId,
        memories: event.memories,
        size_bytes: event.sizeBytes,
        created_at: event.createdAt,
        message: 'Backup completed and verified',
      })
      .catch((error: unknown) => this.logger.error({ msg: 'Could not publish an event', type: 'backup_completed', error: (error as Error).message }));
  }

  /**
   * A search answered: told live (never logged, never replayed, without an id) to the streams that
   * asked for the searches of the key it was made with, since a query says what its author is after.
   */
  @OnEvent(SearchEvents.completed)
  onSearchCompleted(event: SearchCompletedEvent): void {
    // Every search passes here: nothing to do unless a stream asked.
    if (this.searchListeners.size === 0) return;
    const data = {
      type: 'search_completed',
      timestamp: new Date().toISOString(),
      query: event.query,
      search_type: event.searchType,
      results_count: event.resultsCount,
      processing_time_ms: event.processingTimeMs,
      message: `Search completed: ${event.resultsCount} results found`,
    };
    for (const connection of this.searchListeners) {
      if (!this.connections.has(connection.id)) this.searchListeners.delete(connection);
      else if (connection.searchesBy === event.by && !connection.catchingUp) this.send(connection, (c) => c.notice('search_completed', data), false);
    }
  }

  private deliver(change: Change): void {
    this.published += 1;
    const event = buildServerEvent(change.id, change.type, change.payload);
    this.buffer.push(event);
    for (const connection of this.connections.values()) {
      if (!connection.sees(event)) continue;
      if (connection.catchingUp) connection.held.push(event);
      else this.send(connection, (c) => c.send(event));
    }
  }

  /**
   * Starts a stream on a response whose headers are already sent; ends when the client leaves.
   * A resuming client first receives what it missed (from the buffer, else from the log), then
   * the live feed, with nothing lost or repeated in between.
   */
  async open(response: ServerResponse, options: StreamOptions): Promise<SseConnection> {
    const connection = new SseConnection(
      randomUUID(),
      response,
      options.named,
      this.config.events.clientQueueBytes,
      options.client,
      options.spaces,
      options.searchesBy,
    );
    const lastId = this.log.lastId;
    connection.write(`retry: ${RETRY_MS}\n\n`);
    connection.send(
      buildServerEvent(options.lastEventId ?? lastId, 'connection_established', {
        connection_id: connection.id,
        message: 'Connected to MCP Memory Service event stream',
        heartbeat_interval: this.config.events.heartbeatSeconds,
        last_event_id: lastId,
      }),
    );
    this.connections.set(connection.id, connection);
    if (connection.searchesBy !== undefined) this.searchListeners.add(connection);
    response.once('close', () => {
      this.connections.delete(connection.id);
      this.searchListeners.delete(connection);
    });
    if (options.lastEventId === null) return connection;

    connection.catchingUp = true;
    let missed: ServerEvent[] | null = this.buffer.since(options.lastEventId, lastId);
    if (missed === null) {
      const changes = await this.log.since(options.lastEventId).catch(() => null);
      missed = changes === null ? null : changes.filter((c) => c.id <= lastId).map((c) => buildServerEvent(c.id, c.type, c.payload));
    }
    if (missed === null) {
      connection.send(
        buildServerEvent(lastId, 'resync_required', {
          message: 'Some events since your last id are no longer available; reload your data',
          last_event_id: lastId,
        }),
      );
    }
    let sentUpTo = missed === null ? lastId : options.lastEventId;
    for (const event of [...(missed ?? []), ...connection.held]) {
      if (event.id <= sentUpTo) continue;
      sentUpTo = event.id;
      if (!connection.sees(event)) continue;
      this.send(connection, (c) => c.send(event));
    }
    connection.held = [];
    connection.catchingUp = false;
    return connection;
  }

  stats(): EventFeedStats {
    return {
      connectedClients: this.connections.size,
      eventsPublished: this.published,
      eventsSent: this.sent,
      droppedClients: this.dropped,
      lastEventId: this.log.lastId,
      replayBufferSize: this.buffer.size,
      replayBufferCapacity: this.buffer.capacity,
      replayBufferBytes: this.buffer.bytes,
      replayBufferMaxBytes: this.buffer.maxBytes,
      heartbeatInterval: this.config.events.heartbeatSeconds,
      connections: [...this.connections.values()].map((c) => ({
        connection_id: c.id,
        client_ip: c.client.ip,
        user_agent: c.client.userAgent,
        connected_duration_seconds: Math.round((Date.now() - c.connectedAt) / 100) / 10,
        last_heartbeat_seconds_ago: Math.round((Date.now() - c.lastHeartbeat) / 100) / 10,
      })),
    };
  }

  /** Streams end before the HTTP server closes, so shutdown never waits on a live stream. */
  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
    this.searchListeners.clear();
  }

  private beat(): void {
    const data = { timestamp: new Date().toISOString(), active_connections: this.connections.size, server_status: 'healthy' };
    for (const connection of this.connections.values()) this.send(connection, (c) => c.heartbeat(data), false);
  }

  private send(connection: SseConnection, write: (c: SseConnection) => boolean, countSent = true): void {
    if (write(connection)) {
      if (countSent) this.sent += 1;
      return;
    }
    this.connections.delete(connection.id);
    if (connection.dropped) {
      this.dropped += 1;
      this.logger.warn({ msg: 'Disconnected an event stream client that fell too far behind', connection_id: connection.id });
    }
  }
}
