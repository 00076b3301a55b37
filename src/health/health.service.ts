import { Inject, Injectable, Logger } from '@nestjs/common';
import { UnhealthyError } from '../common/domain-errors.js';
import { toHttpError } from '../common/http-error.mapper.js';
import { SERVICE_VERSION } from '../common/package-info.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { STORAGE_STATUS, type StorageStatus } from '../storage/roles.js';
import { SearchService } from '../search/search.service.js';
import type { DetailedHealthResponse, HealthResponse } from './dto/health.responses.js';

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
  async health(withStatistics: boolean): Promise<HealthResponse> {
    const base = this.base();
    if (!withStatistics) {
      await this.checked(() => this.storage.ping());
      return base;
    }
    const stats = await this.checked(() => this.storage.statistics());
    return {
      ...base,
      storage_type: this.config.storage.backend,
      statistics: { total_memories: stats.totalMemories, total_tags: stats.totalTags },
    };
  }

  async detailed(): Promise<DetailedHealthResponse> {
    const [stats, details] = await this.checked(() => Promise.all([this.storage.statistics(), this.storage.details()]));
    return {
      ...this.base(),
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

  /** Reads answering is not enough: a database whose writes fail is reported as degraded. */
  private base(): HealthResponse {
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
