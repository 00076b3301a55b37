import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MEMORY_STORE, type MemoryStore } from '../storage/roles.js';
import { MemoryEvents, type MemoryDeletedEvent } from './memory-events.js';

/** Expired memories purged per transaction (each batch holds the writer lock briefly). */
const BATCH = 500;

/**
 * Purges expired memories now and then: reads leave them out as soon as they expire, the purge
 * deletes them with their changes (memory_deleted, reason expired), so every client hears of it.
 * Every process on the database may purge; a memory is deleted once.
 */
@Injectable()
export class ExpiryService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Expiry');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    @Inject(MEMORY_STORE) private readonly memories: MemoryStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: EventEmitter2,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.purge(), this.config.expiry.purgeSeconds * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Deletes every memory expired by now; how many. One purge at a time. */
  purge(): Promise<number> {
    this.running ??= this.purgeAll().finally(() => (this.running = null));
    return this.running;
  }

  private async purgeAll(): Promise<number> {
    let purged = 0;
    try {
      for (;;) {
        const expired = await this.memories.purgeExpired(Date.now() / 1000, BATCH);
        for (const memory of expired) {
          this.events.emit(MemoryEvents.deleted, { contentHash: memory.contentHash, space: memory.space } satisfies MemoryDeletedEvent);
        }
        purged += expired.length;
        if (expired.length < BATCH) break;
      }
      if (purged > 0) this.logger.log({ msg: 'Expired memories purged', count: purged });
    } catch (error) {
      // The next round tries again; a busy or full database is reported by the writes that need it.
      this.logger.warn({ msg: 'Purging expired memories failed; retrying at the next round', error: (error as Error).message });
    }
    return purged;
  }
}
