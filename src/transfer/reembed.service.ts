import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConflictError, InvalidInputError, StorageBusyError } from '../common/domain-errors.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { EmbeddingProvider } from '../embeddings/embedding-provider.js';
import { SwitchableEmbeddingProvider } from '../embeddings/switchable-embedding.provider.js';
import { EmbeddingWorkerPool } from '../embeddings/embedding-worker-pool.js';
import { embedMemories } from '../memories/passages.js';
import { REEMBED_STAGING, type ReembedStaging } from '../storage/roles.js';

const BATCH = 64;
/** Tries at the switch when other processes keep adding memories meanwhile. */
const SWITCH_ATTEMPTS = 5;

export interface ReembedReport {
  from_model: string;
  from_dimension: number;
  model: string;
  dimension: number;
  /** Memories moved to the new model (every memory in the database at the switch). */
  memories: number;
  /** Embedded by this run (an interrupted run's work is kept and not redone). */
  embedded: number;
  seconds: number;
}

/**
 * Moves the database to another embedding model without stopping the service: the new model
 * embeds every memory into side storage while searches and stores go on with the current one;
 * then, with this process's embedding work held back for a moment, the last memories are caught
 * up and one transaction swaps the vectors and records the model, and the service embeds with the
 * new model from the next request on. An interrupted run resumes from what it had stored.
 */
@Injectable()
export class ReembedService {
  private readonly logger = new Logger('Reembed');
  private running = false;

  constructor(
    @Inject(REEMBED_STAGING) private readonly staging: ReembedStaging,
    private readonly models: SwitchableEmbeddingProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async reembed(model: string, onProgress?: (done: number, total: number) => void): Promise<ReembedReport> {
    if (this.running) throw new ConflictError('A re-embed is already running on this server');
    if (model === this.models.modelId) throw InvalidInputError.field('model', `the database already uses ${model}`);
    this.running = true;
    const started = performance.now();
    const from = { model: this.models.modelId, dimension: this.models.dimension };
    let next: EmbeddingProvider | null = null;
    let adopted = false;
    try {
      try {
        next = await EmbeddingWorkerPool.start(model, this.config.embeddings.modelsDir, this.config.embeddings.workers, {
          onBatch: (batch) => this.models.batchEmbedded(batch),
          onWorkerFailed: (error, ready) => this.logger.warn(`A model worker for ${model} could not start (${error.message}); using ${ready}`),
        });
      } catch (error) {
        throw InvalidInputError.field('model', `cannot load model ${model}: ${(error as Error).message}`);
      }
      const target = next;
      this.logger.log(`Re-embedding with ${target.modelId} (${target.dimension}-d); searches and stores go on with ${from.model}`);
      await this.staging.begin(target.modelId, target.dimension);
      let embedded = 0;
      // Counted once: progress is what an interrupted run left plus what this one embeds.
      const start = onProgress ? await this.staging.progress() : { done: 0, total: 0 };
      const fill = async (): Promise<void> => {
        for (let after = 0; ;) {
          const pending = await this.staging.pending(after, BATCH);
          if (pending.length === 0) return;
          const vectors = await embedMemories(
            target,
            pending.map((p) => p.content),
          );
          await this.staging.store(pending.map((p, i) => ({ ref: p.ref, ...vectors[i]! })));
          embedded += pending.length;
          after = pending[pending.length - 1]!.ref;
          onProgress?.(Math.min(start.done + embedded, start.total), start.total);
        }
      };
      await fill();
      let total = 0;
      await this.models.exclusively(async () => {
        for (let attempt = 0; attempt < SWITCH_ATTEMPTS; attempt++) {
          await fill();
          // Counted by the switching transaction itself: stores after it are not in the report.
          const moved = await this.staging.complete(target.modelId, target.dimension);
          if (moved !== null) {
            adopted = true;
            total = moved;
            return target;
          }
        }
        throw new StorageBusyError();
      });
      const report = {
        from_model: from.model,
        from_dimension: from.dimension,
        model: target.modelId,
        dimension: target.dimension,
        memories: total,
        embedded,
        seconds: Math.round(performance.now() - started) / 1000,
      };
      this.logger.log(`Re-embedded ${total} memories: the database now uses ${target.modelId} (${target.dimension}-d)`);
      return report;
    } finally {
      this.running = false;
      if (!adopted) await next?.close();
    }
  }
}
