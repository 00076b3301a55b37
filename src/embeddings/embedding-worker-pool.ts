import type { EmbeddingProvider } from './embedding-provider.js';
import { type EmbeddedBatch, WorkerEmbeddingProvider } from './worker-embedding.provider.js';

/**
 * Several model worker threads (MCP_EMBEDDING_WORKERS) behind one provider: each request goes to
 * the worker with the fewest texts queued, and each worker micro-batches its own queue. One
 * query's latency is that of one worker; concurrent queries are embedded in parallel.
 */
export class EmbeddingWorkerPool implements EmbeddingProvider {
  private constructor(private readonly workers: readonly WorkerEmbeddingProvider[]) {}

  /** One worker is returned as is; more are started in turn (a failure stops those already up). */
  static async start(
    modelId: string,
    modelsDir: string | null,
    size: number,
    onBatch: (batch: EmbeddedBatch) => void = () => undefined,
  ): Promise<WorkerEmbeddingProvider | EmbeddingWorkerPool> {
    if (size <= 1) return WorkerEmbeddingProvider.start(modelId, modelsDir, onBatch);
    // One after another: model runtimes initialising side by side on a loaded machine have failed.
    const workers: WorkerEmbeddingProvider[] = [];
    try {
      while (workers.length < size) workers.push(await WorkerEmbeddingProvider.start(modelId, modelsDir, onBatch));
    } catch (error) {
      await Promise.all(workers.map((worker) => worker.close()));
      throw error;
    }
    return new EmbeddingWorkerPool(workers);
  }

  get modelId(): string {
    return this.workers[0]!.modelId;
  }

  get dimension(): number {
    return this.workers[0]!.dimension;
  }

  /** The slowest worker's model load. */
  get loadMs(): number {
    return Math.max(...this.workers.map((worker) => worker.loadMs));
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
    await Promise.all(this.workers.map((worker) => worker.close()));
  }
}
