import { Worker } from 'node:worker_threads';

export type CheckpointRequest = { type: 'checkpoint' } | { type: 'close' };
export type CheckpointReply = { ok: true } | { ok: false; message: string };

/** At most one checkpoint per this many milliseconds while writes continue. */
const CHECKPOINT_EVERY_MS = 1000;
const WORKER = new URL('./sqlite-checkpoint.worker.js', import.meta.url);
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 32 };
/** How long a closing worker may take to finish its checkpoint before it is terminated. */
const CLOSE_TIMEOUT_MS = 30_000;

/**
 * Folds the write-ahead log back into the database file on a thread of its own. SQLite otherwise
 * checkpoints inside the commit that takes the log past 1,000 pages: on the server's connection,
 * so on the event loop, for as long as writing those pages back and syncing the file take (a
 * quarter of a second on this project's test machine, idle). The server's connection has its
 * automatic checkpoints off (openSqliteDatabase) and asks here after its writes: one checkpoint at
 * a time, at most one per CHECKPOINT_EVERY_MS. PASSIVE: it never waits for readers or writers,
 * and copies what they leave it; a later one copies the rest.
 */
export class SqliteCheckpointer {
  private worker: Worker | null = null;
  private running: Promise<void> | null = null;
  private wanted = false;
  private lastStarted = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly warn: (message: string) => void,
  ) {}

  /** After a committed write: a checkpoint now, or when the last one is CHECKPOINT_EVERY_MS old. */
  afterWrite(): void {
    if (this.closed) return;
    this.wanted = true;
    if (this.running !== null || this.timer !== null) return;
    const wait = this.lastStarted + CHECKPOINT_EVERY_MS - performance.now();
    if (wait <= 0) return this.start();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.start();
    }, wait);
    this.timer.unref();
  }

  private start(): void {
    if (this.closed || !this.wanted) return;
    this.wanted = false;
    this.lastStarted = performance.now();
    this.running = this.checkpoint()
      .catch((error: unknown) => this.warn(`Checkpointing the write-ahead log failed (${(error as Error).message}); the next write retries`))
      .finally(() => {
        this.running = null;
        if (this.wanted) this.afterWrite();
      });
  }

  private checkpoint(): Promise<void> {
    const worker = (this.worker ??= this.spawn());
    return new Promise((resolve, reject) => {
      const done = (reply: CheckpointReply): void => {
        worker.off('exit', exited);
        worker.unref();
        if (reply.ok) resolve();
        else reject(new Error(reply.message));
      };
      const exited = (code: number): void => {
        worker.off('message', done);
        this.worker = null;
        reject(new Error(`the checkpoint thread stopped (exit code ${code})`));
      };
      worker.once('message', done);
      worker.once('exit', exited);
      // Held open only while a checkpoint is in flight.
      worker.ref();
      worker.postMessage({ type: 'checkpoint' } satisfies CheckpointRequest);
    });
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER, { workerData: { path: this.path }, resourceLimits: WORKER_LIMITS });
    worker.on('error', (error) => this.warn(`The checkpoint thread failed: ${error.message}`));
    worker.unref();
    return worker;
  }

  /** Waits for a checkpoint in flight, then ends the thread (asked to; terminated only if it does not end). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    const worker = this.worker;
    this.worker = null;
    if (worker === null) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage({ type: 'close' } satisfies CheckpointRequest);
    const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}
