import { Inject, Injectable, Optional } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BackupService } from '../admin/backup.service.js';
import { BackupsUnsupportedError } from '../common/domain-errors.js';
import { ApiKeyAuthenticator } from '../auth/api-key-authenticator.js';
import { SwitchableEmbeddingProvider } from '../embeddings/switchable-embedding.provider.js';
import { EventHubService } from '../events/event-hub.service.js';
import { McpSessionsService } from '../mcp/mcp-sessions.service.js';
import { OperationTimings } from '../stats/operation-timings.js';
import { STORAGE_STATUS, type StorageStatus } from '../storage/roles.js';

const PREFIX = 'mcp_memory_';
/** Seconds: from a cached query (sub-millisecond) to a slow model call under load. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The Prometheus metrics (prom-client, a registry of this server's own): requests, model calls,
 * searches, stores, database, event streams, MCP sessions, backups and refused requests. Values
 * that are state (memories, sizes, clients) are read when scraped.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly requestSeconds: Histogram<'method' | 'route' | 'status'>;

  constructor(
    @Inject(STORAGE_STATUS) status: StorageStatus,
    embeddings: SwitchableEmbeddingProvider,
    timings: OperationTimings,
    events: EventHubService,
    authenticator: ApiKeyAuthenticator,
    // Named explicitly: a `T | null` parameter carries no type for Nest to inject by, so it came in undefined.
    @Optional() @Inject(McpSessionsService) sessions: McpSessionsService | null,
    @Optional() @Inject(BackupService) backups: BackupService | null,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    this.requests = new Counter({
      name: `${PREFIX}http_requests_total`,
      help: 'HTTP requests answered, by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: 'HTTP request latency, by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });

    const embedSeconds = new Histogram({
      name: `${PREFIX}embedding_duration_seconds`,
      help: 'Model calls (one batch each)',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const batchSize = new Histogram({ name: `${PREFIX}embedding_batch_size`, help: 'Texts per model call', buckets: [1, 2, 4, 8, 16, 32, 64, 128], registers });
    embeddings.observeBatches((batch) => {
      embedSeconds.observe(batch.ms / 1000);
      batchSize.observe(batch.texts);
    });

    const operationSeconds = new Histogram({
      name: `${PREFIX}operation_duration_seconds`,
      help: 'Inside the service: store and search whole (REST and MCP), and the vector (KNN/ANN) and keyword legs of searches',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    timings.observe((operation, ms) => operationSeconds.observe({ operation }, ms / 1000));

    new Gauge({
      name: `${PREFIX}memories`,
      help: 'Memories stored',
      registers,
      async collect() {
        this.set((await status.statistics()).totalMemories);
      },
    });
    const storage = new Gauge({
      name: `${PREFIX}database_size_bytes`,
      help: 'Database size on disk (SQLite: the file and, with file="wal", its write-ahead log)',
      labelNames: ['file'],
      registers,
      async collect() {
        const details = await status.details();
        storage.set({ file: 'database' }, details.databaseSizeBytes);
        storage.set({ file: 'wal' }, details.walSizeBytes);
      },
    });
    new Gauge({
      name: `${PREFIX}sse_clients`,
      help: 'Connected event-stream clients',
      registers,
      collect() {
        this.set(events.stats().connectedClients);
      },
    });
    new Counter({
      name: `${PREFIX}sse_dropped_clients_total`,
      help: 'Event-stream clients disconnected for not reading',
      registers,
      collect() {
        this.reset();
        this.inc(events.stats().droppedClients);
      },
    });
    new Gauge({
      name: `${PREFIX}mcp_sessions`,
      help: 'Open MCP sessions (Streamable HTTP)',
      registers,
      collect() {
        this.set(sessions?.openSessions ?? 0);
      },
    });
    const failures = new Counter({
      name: `${PREFIX}auth_failures_total`,
      help: 'Requests refused for their key, by reason (missing_key, invalid_key, rate_limited)',
      labelNames: ['reason'],
      registers,
      collect() {
        failures.reset();
        for (const [reason, count] of Object.entries(authenticator.failures)) failures.inc({ reason }, count);
      },
    });
    if (backups) {
      const backupTime = new Gauge({
        name: `${PREFIX}backup_last_timestamp_seconds`,
        help: 'When the last backup succeeded (result="success") or failed (result="failure"), epoch seconds; absent before the first',
        labelNames: ['result'],
        registers,
        collect() {
          backupTime.reset();
          let status;
          try {
            status = backups.status();
          } catch (error) {
            if (error instanceof BackupsUnsupportedError) return; // PostgreSQL: backups belong to the database.
            throw error;
          }
          if (status.lastBackupAt) backupTime.set({ result: 'success' }, Date.parse(status.lastBackupAt) / 1000);
          if (status.lastFailure) backupTime.set({ result: 'failure' }, Date.parse(status.lastFailure.at) / 1000);
        },
      });
    }
  }

  /** One answered HTTP request; `route` is the route's template (never the raw URL, which may carry a key). */
  recordRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.requestSeconds.observe(labels, seconds);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
