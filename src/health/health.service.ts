import { type Caller, LOCAL_CALLER, readableSpaces } from '../spaces/space-access.js';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { cpus, freemem, release, totalmem, type } from 'node:os';
import { dirname } from 'node:path';
import { UnhealthyError } from '../common/domain-errors.js';
import { toHttpError } from '../common/http-error.mapper.js';
import { SERVICE_VERSION } from '../common/package-info.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { STORAGE_STATUS, type StorageStatus } from '../storage/roles.js';
import { SearchService } from '../search/search.service.js';
import type { DetailedHealthResponse, HealthResponse } from './dto/health.responses.js';
import type { ClearCachesResponse, MemoryStatsResponse } from './dto/memory-stats.responses.js';

@Injectable()
export class HealthService {
  private readonly startedAt = Date.now();
  private readonly logger = new Logger('Health');

  constructor(
    @Inject(STORAGE_STATUS) private readonly storage: StorageStatus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly search: SearchService,
  ) {}

  /** Statistics only for callers who proved a key: counts are not for anonymous scanners. */
  async health(withStatistics: boolean, caller: Caller = LOCAL_CALLER): Promise<HealthResponse> {
    const base = this.base();
    if (!withStatistics) {
      await this.checked(() => this.storage.ping());
      // Without a key, the state only: a version tells an attacker which advisories apply, an
      // uptime when the server was last patched (upstream's GHSA-73hc-m4hx-79pj).
      return { status: base.status };
    }
    const stats = await this.checked(() => this.storage.statistics(readableSpaces(caller)));
    return {
      ...base,
      storage_type: this.config.storage.backend,
      statistics: { total_memories: stats.totalMemories, total_tags: stats.totalTags },
    };
  }

  /** Counts over the spaces the caller may read; sizes, the model and the system are the server's. */
  async detailed(caller: Caller): Promise<DetailedHealthResponse> {
    const [stats, details] = await this.checked(() => Promise.all([this.storage.statistics(readableSpaces(caller)), this.storage.details()]));
    const base = this.base();
    const postgres = this.config.storage.postgres !== null;
    const disk = await statfs(postgres ? process.cwd() : dirname(details.databasePath));
    const gb = (bytes: number): number => Math.round((bytes / 1024 ** 3) * 100) / 100;
    const percent = (part: number, whole: number): number => (whole === 0 ? 0 : Math.round((part / whole) * 1e4) / 100);
    return {
      ...base,
      storage: {
        backend: postgres ? 'postgres' : 'sqlite-vec',
        status: 'connected',
        accessible: true,
        database_path: details.databasePath,
        embedding_model: details.embeddingModel,
        total_memories: stats.totalMemories,
        unique_tags: stats.totalTags,
        database_size_mb: Math.round(((details.databaseSizeBytes + details.walSizeBytes) / 1024 ** 2) * 100) / 100,
      },
      system: {
        platform: type(),
        platform_version: release(),
        node_version: process.versions.node,
        cpu_count: cpus().length,
        memory_total_gb: gb(totalmem()),
        memory_available_gb: gb(freemem()),
        memory_percent: percent(totalmem() - freemem(), totalmem()),
        disk_total_gb: gb(disk.blocks * disk.bsize),
        disk_free_gb: gb(disk.bavail * disk.bsize),
        disk_percent: percent((disk.blocks - disk.bfree) * disk.bsize, disk.blocks * disk.bsize),
      },
      performance: { uptime_seconds: base.uptime_seconds, uptime_formatted: formatUptime(base.uptime_seconds) },
      storage_type: details.backend,
      statistics: { total_memories: stats.totalMemories, total_tags: stats.totalTags },
      database_path: details.databasePath,
      database_size_bytes: details.databaseSizeBytes,
      wal_size_bytes: details.walSizeBytes,
      schema_version: details.schemaVersion,
      embedding_model: details.embeddingModel,
      embedding_dimension: details.embeddingDimension,
      pragmas: details.pragmas,
      vector_index:
        details.vectorIndex === null
          ? null
          : (({ mode, state, indexed, pending, lastBuildMs, lastError }) => ({
              mode,
              state,
              indexed,
              pending,
              last_build_ms: lastBuildMs,
              last_error: lastError,
            }))(details.vectorIndex),
      query_cache: (({ size, capacity, hits, misses, hitRatio }) => ({ size, capacity, hits, misses, hit_ratio: Math.round(hitRatio * 1e4) / 1e4 }))(
        this.search.queryCacheStats(),
      ),
    };
  }

  /** upstream's memory figures: this process, the machine, and what the caches hold. */
  memoryStats(): MemoryStatsResponse {
    const mb = (bytes: number): number => Math.round((bytes / 1024 ** 2) * 100) / 100;
    const gb = (bytes: number): number => Math.round((bytes / 1024 ** 3) * 100) / 100;
    const available = availableMemoryBytes();
    const cache = this.search.queryCacheStats();
    const virtual = processVirtualBytes();
    return {
      process_memory_mb: mb(process.memoryUsage.rss()),
      process_memory_virtual_mb: virtual === null ? null : mb(virtual),
      system_memory_total_gb: gb(totalmem()),
      system_memory_available_gb: gb(available),
      system_memory_percent: Math.round(((totalmem() - available) / totalmem()) * 1e4) / 100,
      cached_storage_count: 1,
      cached_service_count: 1,
      model_cache_count: 1,
      embedding_cache_count: cache.size,
      cache_stats: {
        query_cache: { size: cache.size, capacity: cache.capacity, hits: cache.hits, misses: cache.misses, hit_ratio: Math.round(cache.hitRatio * 1e4) / 1e4 },
      },
    };
  }

  /** Drops the search caches (query vectors, recent results); the next searches fill them again. */
  clearCaches(): ClearCachesResponse {
    const dropped = this.search.clearCaches();
    return {
      success: true,
      storage_instances_cleared: 0,
      service_instances_cleared: 0,
      models_cleared: 0,
      embeddings_cleared: dropped.queryEmbeddings,
      results_cleared: dropped.results,
      gc_collected: 0,
      memory_freed_estimate_mb: Math.round((dropped.bytes / 1024 ** 2) * 100) / 100,
    };
  }

  /** Reads answering is not enough: a database whose writes fail is reported as degraded. */
  private base(): HealthResponse & Required<Pick<HealthResponse, 'version' | 'timestamp' | 'uptime_seconds'>> {
    const writeFailure = this.storage.lastWriteFailure();
    return {
      status: writeFailure === null ? 'healthy' : 'degraded',
      ...(writeFailure === null ? {} : { write_failure: writeFailure }),
      version: SERVICE_VERSION,
      timestamp: new Date().toISOString(),
      uptime_seconds: Math.round((Date.now() - this.startedAt) / 100) / 10,
    };
  }

  /** A failed probe is reported as unhealthy, with what the error policy lets callers see of its cause. */
  private async checked<T>(probe: () => Promise<T>): Promise<T> {
    try {
      return await probe();
    } catch (error) {
      const { body, internal } = toHttpError(error);
      if (internal) this.logger.error({ msg: 'Health probe failed', err: error });
      throw new UnhealthyError(body.detail);
    }
  }
}

/** Upstream's uptime wording: "42.0 seconds", "3.5 minutes", "2.1 hours", "4.0 days". */
export function formatUptime(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} seconds`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} minutes`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1)} hours`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

/** A field of a /proc file in kB, as bytes; null where there is no /proc (not Linux). */
function procKilobytes(file: string, field: string): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Memory the system can give without swapping (Linux's MemAvailable; elsewhere the free memory). */
const availableMemoryBytes = (): number => procKilobytes('/proc/meminfo', 'MemAvailable') ?? freemem();
const processVirtualBytes = (): number | null => procKilobytes('/proc/self/status', 'VmSize');
