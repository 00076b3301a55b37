import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '../embeddings/embedding-provider.js';
import { MEMORY_STORE, type MemoryStore } from '../storage/roles.js';
import { embedPassages, PASSAGES_FROM } from './passages.js';

/** Memories given passages per round (one model request and one transaction each). */
const BATCH = 8;

/**
 * Gives passages to the long memories stored before passages existed (a database from an earlier
 * release), once, in the background after start: searches serve meanwhile, and a memory is
 * searched by its passages as soon as its batch is written. Each batch is written only where the
 * memory still has none, so two processes on one database never add them twice; a stop between
 * batches loses nothing (the next start goes on).
 */
@Injectable()
export class PassageBackfillService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Passages');
  private stopped = false;
  private running: Promise<void> | null = null;

  constructor(
    @Inject(MEMORY_STORE) private readonly memories: MemoryStore,
    @Inject(EMBEDDING_PROVIDER) private readonly embeddings: EmbeddingProvider,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.backfill().catch((error: unknown) => {
      // The next start tries again; until then those memories are searched by their whole text.
      if (!this.stopped) this.logger.warn({ msg: 'Adding passages to older long memories stopped', error: (error as Error).message });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async backfill(): Promise<void> {
    let added = 0;
    for (let after = 0; !this.stopped;) {
      const pending = await this.memories.withoutPassages(after, BATCH, PASSAGES_FROM);
      if (pending.length === 0) break;
      await this.embeddings.consistently(async () => {
        const passages = await embedPassages(
          this.embeddings,
          pending.map((memory) => memory.content),
        );
        for (const [i, memory] of pending.entries()) {
          if (passages[i]!.length > 0 && (await this.memories.addPassages(memory.ref, passages[i]!))) added += 1;
        }
      });
      after = pending[pending.length - 1]!.ref;
    }
    if (added > 0) this.logger.log({ msg: 'Long memories stored before passages were given passages', memories: added });
  }
}
