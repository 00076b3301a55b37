import { Worker } from 'node:worker_threads';
import { EmbeddingUnavailableError } from '../common/domain-errors.js';
import type { EmbeddingProvider } from './embedding-provider.js';
import type { EmbeddingWorkerData, EmbedRequest, WorkerMessage } from './embedding-worker.protocol.js';

interface PendingEmbed {
  texts: readonly string[];
  resolve: (vectors: Float32Array[]) => void;
  reject: (error: Error) => void;
}

interface InFlightBatch {
  id: number;
  items: PendingEmbed[];
  started: number;
}

/** What one model call did (for debug logs): texts embedded, requests merged into it, time taken. */
export interface EmbeddedBatch {
  texts: number;
  requests: number;
  ms: number;
}

/** Texts per model call when merging concurrent requests; larger single requests go alone. */
const MAX_BATCH_TEXTS = 64;

/**
 * The model thread's JavaScript heap ceilings. The tensors live in WASM or native memory; the heap
 * holds bookkeeping, and with no ceiling V8 lets it grow large, mostly garbage, per thread. Both
 * generations are capped: the old one alone made V8 run a full mark-compact every other model
 * call (slower calls, GC helper threads on the second core); with both the calls take what they
 * take without ceilings and the thread uses far less memory (figures: docs/benchmarks.md,
 * "Behind the code's constants"). The model's largest input (64 texts of 4,096 characters) still fits.
 */
const MODEL_WORKER_LIMITS = { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 16 };

export class EmbeddingModelLoadError extends Error {}

/**
 * Runs the model in a worker thread and micro-batches: while the worker embeds one batch, new
 * requests queue up and go together as the next model call.
 */
export class WorkerEmbeddingProvider implements EmbeddingProvider {
  private readonly queue: PendingEmbed[] = [];
  private inFlight: InFlightBatch | null = null;
  private nextId = 1;
  private closed = false;
  private calls = 0;

  private constructor(
    private worker: Worker,
    readonly modelId: string,
    readonly dimension: number,
    readonly loadMs: number,
    private readonly workerData: EmbeddingWorkerData,
    private readonly onBatch: (batch: EmbeddedBatch) => void,
  ) {
    this.attach(worker);
  }

  static async start(modelId: string, modelsDir: string | null, onBatch: (batch: EmbeddedBatch) => void = () => undefined): Promise<WorkerEmbeddingProvider> {
    const data: EmbeddingWorkerData = { modelId, modelsDir };
    // One retry in a fresh worker: the TF.js WASM runtime has failed to initialise once on a loaded
    // machine ("Backend 'wasm' has not yet been initialized") and not again; a model that really
    // cannot load fails twice, with the second error.
    const { worker, dimension, loadMs } = await spawnWorker(data).catch(() => spawnWorker(data));
    return new WorkerEmbeddingProvider(worker, modelId, dimension, loadMs, data, onBatch);
  }

  /** One model for its whole life: nothing to hold still. */
  consistently<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  /** Texts waiting or being embedded: how busy this worker is (a pool sends new work to the least busy). */
  get backlog(): number {
    return this.queue.reduce((n, item) => n + item.texts.length, 0) + (this.inFlight?.items.reduce((n, item) => n + item.texts.length, 0) ?? 0);
  }

  /** How many batches went to the model: fewer than requests when micro-batching merges them. */
  get modelCalls(): number {
    return this.calls;
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return Promise.resolve([]);
    if (this.closed) return Promise.reject(new EmbeddingUnavailableError('the service is shutting down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ texts, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new EmbeddingUnavailableError('the service is shutting down'));
    await this.worker.terminate();
  }

  private pump(): void {
    if (this.inFlight !== null || this.queue.length === 0) return;
    const items: PendingEmbed[] = [this.queue.shift()!];
    let count = items[0]!.texts.length;
    while (this.queue.length > 0 && count + this.queue[0]!.texts.length <= MAX_BATCH_TEXTS) {
      const next = this.queue.shift()!;
      count += next.texts.length;
      items.push(next);
    }
    const request: EmbedRequest = { id: this.nextId++, texts: items.flatMap((item) => [...item.texts]) };
    this.inFlight = { id: request.id, items, started: performance.now() };
    this.calls += 1;
    this.worker.postMessage(request);
  }

  private readonly handleMessage = (message: WorkerMessage): void => this.onMessage(message);
  private readonly handleError = (error: Error): void => this.onWorkerDied(error.message);
  private readonly handleExit = (code: number): void => this.onWorkerDied(`worker exited with code ${code}`);

  private attach(worker: Worker): void {
    worker.on('message', this.handleMessage);
    worker.on('error', this.handleError);
    worker.on('exit', this.handleExit);
  }

  private detach(worker: Worker): void {
    worker.off('message', this.handleMessage);
    worker.off('error', this.handleError);
    worker.off('exit', this.handleExit);
  }

  private onMessage(message: WorkerMessage): void {
    const batch = this.inFlight;
    if (batch === null || (message.type !== 'result' && message.type !== 'error') || message.id !== batch.id) return;
    this.inFlight = null;
    this.onBatch({
      texts: batch.items.reduce((n, item) => n + item.texts.length, 0),
      requests: batch.items.length,
      ms: Math.round((performance.now() - batch.started) * 10) / 10,
    });
    if (message.type === 'error') {
      for (const item of batch.items) item.reject(new EmbeddingUnavailableError(message.message));
    } else {
      let offset = 0;
      for (const item of batch.items) {
        item.resolve(message.vectors.slice(offset, offset + item.texts.length));
        offset += item.texts.length;
      }
    }
    this.pump();
  }

  /** A crashed worker fails its batch only; a fresh worker takes over the queue. */
  private onWorkerDied(reason: string): void {
    if (this.closed) return;
    const batch = this.inFlight;
    this.inFlight = null;
    for (const item of batch?.items ?? []) item.reject(new EmbeddingUnavailableError(reason));
    const dead = this.worker;
    this.detach(dead);
    void dead.terminate();
    spawnWorker(this.workerData).then(
      ({ worker }) => {
        this.worker = worker;
        this.attach(worker);
        this.pump();
      },
      (error: Error) => this.failAll(new EmbeddingUnavailableError(error.message)),
    );
  }

  private failAll(error: Error): void {
    for (const item of [...(this.inFlight?.items ?? []), ...this.queue.splice(0)]) item.reject(error);
    this.inFlight = null;
  }
}

function spawnWorker(data: EmbeddingWorkerData): Promise<{ worker: Worker; dimension: number; loadMs: number }> {
  // Model libraries may print; stdout can be a protocol channel (MCP stdio), so it goes to stderr.
  const worker = new Worker(new URL('./embedding.worker.js', import.meta.url), { workerData: data, stdout: true, resourceLimits: MODEL_WORKER_LIMITS });
  // Forwarded chunk by chunk: a pipe would add listeners to process.stderr for every worker.
  worker.stdout.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  // An idle model must not keep a process alive on its own (e.g. after a failed start-up).
  worker.unref();
  return new Promise((resolve, reject) => {
    // Only our own listeners are removed: Worker keeps internal ones that removeAllListeners would break.
    const detach = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const fail = (message: string): void => {
      detach();
      void worker.terminate();
      reject(new EmbeddingModelLoadError(`Cannot load embedding model "${data.modelId}": ${message}`));
    };
    const onMessage = (message: WorkerMessage): void => {
      if (message.type !== 'ready') return fail(message.type === 'load-error' ? message.message : `unexpected message ${message.type}`);
      detach();
      resolve({ worker, dimension: message.dimension, loadMs: message.loadMs });
    };
    const onError = (error: Error): void => fail(error.message);
    const onExit = (code: number): void => fail(`worker exited with code ${code}`);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
