import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { BackupEvents, type BackupCompletedEvent, type BackupRestoredEvent } from '../admin/backup-events.js';
import type { AppConfig } from '../config/app-config.js';
import { EVENT_LOG, type EventLog } from './event-log.js';
import { APP_CONFIG } from '../config/config.module.js';
import { toMemoryResponse } from '../memories/dto/memory.response.js';
import { MemoryEvents, type MemoryDeletedEvent, type MemoryStoredEvent, type MemoryUpdatedEvent } from '../memories/memory-events.js';
import type { Memory } from '../storage/memory-repository.js';
import { ReplayBuffer } from './replay-buffer.js';
import { buildServerEvent, type EventPayload, type ServerEvent } from './server-event.js';
import { SseConnection } from './sse-connection.js';

export interface StreamOptions {
  /** `event:` names on every message (GET /api/events) or none (GET /api/events/stream). */
  named: boolean;
  /** From Last-Event-ID: replay what came after it. */
  lastEventId: number | null;
}

export interface EventFeedStats {
  connectedClients: number;
  eventsPublished: number;
  eventsSent: number;
  droppedClients: number;
  lastEventId: number;
  replayBufferSize: number;
  replayBufferCapacity: number;
}

/** Reconnection delay suggested to clients, in milliseconds. */
export const RETRY_MS = 3000;

function memoryPayload(memory: Memory, message: string): EventPayload {
  const preview = memory.content.length > 100 ? `${memory.content.slice(0, 100)}...` : memory.content;
  return {
    content_hash: memory.contentHash,
    content_preview: preview,
    tags: memory.tags,
    memory_type: memory.memoryType,
    message,
    memory: toMemoryResponse(memory),
  };
}

/**
 * Turns domain events into feed messages and fans them out to every open stream. Each message is
 * serialized once; ids increase monotonically (seeded from the clock, so they keep increasing
 * across restarts); the newest are kept for clients that resume.
 */
@Injectable()
export class EventHubService implements OnModuleDestroy {
  private readonly logger = new Logger('Events');
  private readonly connections = new Map<string, SseConnection>();
  private readonly buffer: ReplayBuffer<ServerEvent>;
  private readonly heartbeat: NodeJS.Timeout;
  private lastId: number;
  private published = 0;
  private sent = 0;
  private dropped = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_LOG) private readonly log: EventLog,
  ) {
    this.lastId = log.startId;
    log.subscribe((id, type, payload) => this.deliver(buildServerEvent(id, type, payload)));
    this.buffer = new ReplayBuffer(config.events.replayBufferSize);
    this.heartbeat = setInterval(() => this.beat(), config.events.heartbeatSeconds * 1000);
    this.heartbeat.unref();
  }

  @OnEvent(MemoryEvents.stored)
  onStored({ memory }: MemoryStoredEvent): void {
    this.publish('memory_stored', memoryPayload(memory, 'New memory stored successfully'));
  }

  @OnEvent(MemoryEvents.updated)
  onUpdated({ memory }: MemoryUpdatedEvent): void {
    this.publish('memory_updated', memoryPayload(memory, 'Memory updated successfully'));
  }

  @OnEvent(MemoryEvents.deleted)
  onDeleted({ contentHash }: MemoryDeletedEvent): void {
    this.publish('memory_deleted', { content_hash: contentHash, success: true, message: 'Memory deleted successfully' });
  }

  @OnEvent(BackupEvents.completed)
  onBackupCompleted(event: BackupCompletedEvent): void {
    this.publish('backup_completed', {
      backup_id: event.backupId,
      memories: event.memories,
      size_bytes: event.sizeBytes,
      created_at: event.createdAt,
      message: 'Backup completed and verified',
    });
  }

  @OnEvent(BackupEvents.restored)
  onBackupRestored(event: BackupRestoredEvent): void {
    this.publish('backup_restored', {
      backup_id: event.backupId,
      safety_backup_id: event.safetyBackupId,
      memories: event.memories,
      message: 'The database was restored from a backup; reload your data',
    });
  }

  /** Records an event in the log; it comes back through deliver() with its id (on every replica). */
  publish(type: string, payload: EventPayload): void {
    this.published += 1;
    this.log.append(type, { timestamp: new Date().toISOString(), ...payload }).catch((error: unknown) => {
      this.logger.error({ msg: 'Could not publish an event', type, error: (error as Error).message });
    });
  }

  private deliver(event: ServerEvent): void {
    this.lastId = event.id;
    this.buffer.push(event);
    for (const connection of this.connections.values()) this.send(connection, (c) => c.send(event));
  }

  /** Starts a stream on a response whose headers are already sent; ends when the client leaves. */
  open(response: ServerResponse, options: StreamOptions): SseConnection {
    const connection = new SseConnection(randomUUID(), response, options.named, this.config.events.clientQueueBytes);
    connection.write(`retry: ${RETRY_MS}\n\n`);
    const welcomeId = options.lastEventId ?? this.lastId;
    connection.send(
      buildServerEvent(welcomeId, 'connection_established', {
        connection_id: connection.id,
        message: 'Connected to MCP Memory Service event stream',
        heartbeat_interval: this.config.events.heartbeatSeconds,
        last_event_id: this.lastId,
      }),
    );
    if (options.lastEventId !== null) {
      const missed = this.buffer.since(options.lastEventId, this.lastId);
      if (missed === null) {
        connection.send(
          buildServerEvent(this.lastId, 'resync_required', {
            message: 'Some events since your last id are no longer available; reload your data',
            last_event_id: this.lastId,
          }),
        );
      } else {
        for (const event of missed) connection.send(event);
      }
    }
    this.connections.set(connection.id, connection);
    response.once('close', () => this.connections.delete(connection.id));
    return connection;
  }

  stats(): EventFeedStats {
    return {
      connectedClients: this.connections.size,
      eventsPublished: this.published,
      eventsSent: this.sent,
      droppedClients: this.dropped,
      lastEventId: this.lastId,
      replayBufferSize: this.buffer.size,
      replayBufferCapacity: this.buffer.capacity,
    };
  }

  /** Streams end before the HTTP server closes, so shutdown never waits on a live stream. */
  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }

  private beat(): void {
    for (const connection of this.connections.values()) this.send(connection, (c) => c.comment('heartbeat'), false);
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
