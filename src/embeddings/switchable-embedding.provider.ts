import type { EmbeddingProvider } from './embedding-provider.js';
import type { EmbeddedBatch } from './worker-embedding.provider.js';

/**
 * The model the service embeds with, replaceable at run time (a re-embed moves the database to
 * another model). Work that embeds text and then uses the vector against the database runs inside
 * `consistently`, so the model never changes between the two; a switch waits for such work to
 * finish and holds new work back until the database and the model have both changed.
 */
export class SwitchableEmbeddingProvider implements EmbeddingProvider {
  private active = 0;
  private idle: (() => void) | null = null;
  private switching: Promise<void> | null = null;
  private readonly batchListeners: ((batch: EmbeddedBatch) => void)[] = [];

  constructor(private current: EmbeddingProvider) {}

  /** Every model call from now on (the metrics); fed by the provider's batch reports. */
  observeBatches(listener: (batch: EmbeddedBatch) => void): void {
    this.batchListeners.push(listener);
  }

  batchEmbedded(batch: EmbeddedBatch): void {
    for (const listener of this.batchListeners) listener(batch);
  }

  get modelId(): string {
    return this.current.modelId;
  }

  get dimension(): number {
    return this.current.dimension;
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return this.current.embed(texts);
  }

  async consistently<T>(work: () => Promise<T>): Promise<T> {
    while (this.switching) await this.switching;
    this.active += 1;
    try {
      return await work();
    } finally {
      this.active -= 1;
      if (this.active === 0) this.idle?.();
    }
  }

  /**
   * Runs `change` once no work is in progress, new work waiting; when `change` resolves with a
   * provider, it becomes the model (the old one is closed).
   */
  async exclusively(change: () => Promise<EmbeddingProvider | null>): Promise<void> {
    while (this.switching) await this.switching;
    let done!: () => void;
    this.switching = new Promise((resolve) => (done = resolve));
    try {
      if (this.active > 0) await new Promise<void>((resolve) => (this.idle = resolve));
      this.idle = null;
      const next = await change();
      if (next !== null) {
        const old = this.current;
        this.current = next;
        await old.close();
      }
    } finally {
      this.switching = null;
      done();
    }
  }

  close(): Promise<void> {
    return this.current.close();
  }
}
