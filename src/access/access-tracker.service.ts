import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AccessRecord, Memory } from '../storage/memory.js';
import { MEMORY_STORE, type MemoryStore } from '../storage/roles.js';

/** Memories counted between two writes, at most: more are written at once. */
const MAX_PENDING = 5_000;
/**
 * Memories per write transaction. The writes run on the event loop: a small batch, then the loop
 * serves what waits (requests, health probes) before the next one, so a flush of thousands of
 * counts never holds it for long (500 at once, back to back, held it 100-500 ms at 100,000
 * memories; 100 at once still up to ~120 ms while eight clients kept both cores busy).
 */
const BATCH = 25;

/**
 * Counts how often memories are returned (searches, reads by hash) without a write per read: the
 * counts gather here and are added to the database every MCP_ACCESS_FLUSH_SECONDS, in batches,
 * and once more at shutdown. Counts are best effort (a crash loses the last few seconds of them);
 * memories themselves are never touched.
 */
@Injectable()
export class AccessTracker implements OnModuleDestroy {
  private readonly logger = new Logger('Access');
  private pending = new Map<string, AccessRecord>();
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    @Inject(MEMORY_STORE) private readonly store: MemoryStore,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.timer = setInterval(() => void this.flush(), config.access.flushSeconds * 1000);
    this.timer.unref();
  }

  /** Memories returned to a caller: counted now, written with the next flush. */
  touch(memories: readonly Memory[]): void {
    const at = Date.now() / 1000;
    for (const { contentHash, space } of memories) {
      const key = `${space}\0${contentHash}`;
      const known = this.pending.get(key);
      if (known) {
        known.count += 1;
        known.at = at;
      } else this.pending.set(key, { contentHash, space, count: 1, at });
    }
    if (this.pending.size >= MAX_PENDING) void this.flush();
  }

  /** Accesses counted but not written yet (by `${space}\0${contentHash}`). */
  pendingCount(memory: { contentHash: string; space: string }): number {
    return this.pending.get(`${memory.space}\0${memory.contentHash}`)?.count ?? 0;
  }

  /** Writes the counts gathered so far (one flush at a time; a failed one is logged and its counts dropped). */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async write(): Promise<void> {
    while (this.pending.size > 0) {
      const records = [...this.pending.values()];
      this.pending = new Map();
      try {
        for (let i = 0; i < records.length; i += BATCH) {
          await this.store.recordAccess(records.slice(i, i + BATCH));
          await new Promise((resolve) => setImmediate(resolve));
        }
      } catch (error) {
        this.logger.warn({ msg: 'Could not write access counts', memories: records.length, error: (error as Error).message });
        return;
      }
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
