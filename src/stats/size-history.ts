import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { STORAGE_STATUS, type StorageStatus } from '../storage/roles.js';

export interface SizeSample {
  /** Epoch milliseconds. */
  at: number;
  bytes: number;
}

/** Samples kept: 48 hours at the default interval of 5 minutes. */
const CAPACITY = 576;

/**
 * The database size over time, sampled at start and every MCP_STATS_SIZE_SAMPLE_SECONDS, kept in
 * memory (since this server started; a restart begins a new history).
 */
@Injectable()
export class SizeHistory implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Stats');
  private readonly samples: SizeSample[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(STORAGE_STATUS) private readonly storage: StorageStatus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sample();
    this.timer = setInterval(() => void this.sample(), this.config.stats.sizeSampleSeconds * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The samples, oldest first, and the size now as the last point. */
  async history(): Promise<SizeSample[]> {
    const now = await this.measure();
    return now === null ? [...this.samples] : [...this.samples, now];
  }

  private async sample(): Promise<void> {
    const measured = await this.measure();
    if (measured === null) return;
    this.samples.push(measured);
    if (this.samples.length > CAPACITY) this.samples.shift();
  }

  private async measure(): Promise<SizeSample | null> {
    try {
      // What the data takes on disk: the file and its write-ahead log (recent writes live there until a checkpoint).
      const { databaseSizeBytes, walSizeBytes } = await this.storage.details();
      return { at: Date.now(), bytes: databaseSizeBytes + walSizeBytes };
    } catch (error) {
      this.logger.debug({ msg: 'Database size not measured', err: error });
      return null;
    }
  }
}
