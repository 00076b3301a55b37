import type { EmbeddingProvider } from './embedding-provider.js';
import { type EmbeddedBatch, WorkerEmbeddingProvider } from './worker-embedding.provider.js';

export interface PoolEvents {
  /** What one model call did (for debug logs). */
  onBatch?: (batch: EmbeddedBatch) => void;
  /** A worker after the first joined the pool (its model loaded in the background). */
  onWorkerReady?: (workers: number) => void;
  /** A worker after the first could not load its model: the pool serves with those it has. */
  onWorkerFailed?: (error: Error, workers: number) => void;
}

/**
 * Several model worker threads (MCP_EMBEDDING_WORKERS) behind one provider: each request goes to
 * the worker with the fewest texts queued, and each worker micro-batches its own queue. One
 * query's latency is that of one worker; concurrent queries are embedded in parallel.
 *
 * Start-up waits for the first worker only (a model that cannot load stops start-up); the others
 * load one after another in the background and join as they become ready. A failure there
 * leaves the pool smaller, not the service down.
 */
export class EmbeddingWorkerPool implements EmbeddingProvider {
  private readonly workers: WorkerEmbeddingProvider[];
  private closed = false;
  private readonly joining: Promise<void>;

  private constructor(first: WorkerEmbeddingProvider, size: number, start: () => Promise<WorkerEmbeddingProvider>, events: PoolEvents) {
    this.workers = [first];
    this.joining = this.grow(size, start, events);
  }

  static start(modelId: string, modelsDir: string | null, size: number, events: PoolEvents = {}): Promise<EmbeddingWorkerPool> {
    return EmbeddingWorkerPool.startWith(() => WorkerEmbeddingProvider.start(modelId, modelsDir, events.onBatch), size, events);
  }

  /** A pool of `size` workers, each made by `start` (tests inject a failure through it). */
  static async startWith(start: () => Promise<WorkerEmbeddingProvider>, size: number, events: PoolEvents = {}): Promise<EmbeddingWorkerPool> {
    return new EmbeddingWorkerPool(await start(), size, start, events);
  }

  /** Resolves once every worker has joined or failed (tests, benchmarks). */
  whenComplete(): Promise<void> {
    return this.joining;
  }

  get size(): number {
    return this.workers.length;
  }

  get modelId(): string {
    return this.workers[0]!.modelId;
  }

  get dimension(): number {
    return this.workers[0]!.dimension;
  }

  /** The first worker's model load (what start-up waited for). */
  get loadMs(): number {
    return this.workers[0]!.loadMs;
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    let least = this.workers[0]!;
    for (const worker of this.workers) if (worker.backlog < least.backlog) least = worker;
    return least.embed(texts);
  }

  /** Model calls per worker (how the work was spread). */
  get modelCallsPerWorker(): number[] {
    return this.workers.map((worker) => worker.modelCalls);
  }

  consistently<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.joining;
    await Promise.all(this.workers.map((worker) => worker.close()));
  }

  // One after another: two model runtimes initialising side by side on a loaded machine have failed.
  private async grow(size: number, start: () => Promise<WorkerEmbeddingProvider>, events: PoolEvents): Promise<void> {
    while (!this.closed && this.workers.length < size) {
      let worker: WorkerEmbeddingProvider;
      try {
        worker = await start();
      } catch (error) {
        events.onWorkerFailed?.(error as Error, this.workers.length);
        return;
      }
      if (this.closed) return void (await worker.close());
      this.workers.push(worker);
      events.onWorkerReady?.(this.workers.length);
    }
  }
}
