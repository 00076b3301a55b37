import Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import { StorageUnavailableError } from '../../common/domain-errors.js';
import { translateSqliteError } from './sqlite-errors.js';
import type { ReadReply, ReadRequest, ReadStatement, ReadWorkerData } from './sqlite-read.protocol.js';

const WORKER = new URL('./sqlite-read.worker.js', import.meta.url);
/** How long a closing worker may take to finish its read and end before it is terminated. */
const CLOSE_TIMEOUT_MS = 30_000;

interface Pending {
  resolve: (results: unknown[]) => void;
  reject: (error: unknown) => void;
}

class ReadWorker {
  readonly pending = new Map<number, Pending>();
  private failure: Error | null = null;

  constructor(readonly worker: Worker) {
    worker.unref();
    worker.on('message', (reply: ReadReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      this.refWhileBusy();
      if (reply.ok) waiting.resolve(reply.results);
      else waiting.reject(translateSqliteError(reply.code === null ? new Error(reply.message) : new Database.SqliteError(reply.message, reply.code)));
    });
    const fail = (error: Error): void => {
      this.failure = error;
      for (const waiting of this.pending.values()) waiting.reject(new StorageUnavailableError(`a read worker stopped: ${error.message}`));
      this.pending.clear();
      this.refWhileBusy();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  }

  get usable(): boolean {
    return this.failure === null;
  }

  send(request: ReadRequest, pending?: { id: number } & Pending): void {
    if (pending) {
      this.pending.set(pending.id, pending);
      this.refWhileBusy();
    }
    this.worker.postMessage(request);
  }

  /** Keeps the process alive only while a read is in flight (a forgotten pool never holds it open). */
  private refWhileBusy(): void {
    if (this.pending.size > 0) this.worker.ref();
    else this.worker.unref();
  }
}

/**
 * A small young generation: by default V8 lets each thread's grow to 64 MB of short-lived garbage
 * (rows on their way to the main thread); a limit keeps each read thread's memory small at no
 * cost in search time (figures: docs/benchmarks.md, "Behind the code's constants").
 */
const READ_WORKER_LIMITS = { maxYoungGenerationSizeMb: 16 };

/**
 * Worker threads with read-only connections on the database file: searches, keyword queries,
 * pages and counts run there, so nothing slow runs on the event loop. Writes, and lookups by key
 * that take microseconds, stay on the server's own connection.
 */
export class SqliteReadPool {
  private workers: ReadWorker[];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly data: ReadWorkerData,
    size: number,
  ) {
    this.workers = Array.from({ length: size }, () => this.spawn());
  }

  private spawn(): ReadWorker {
    return new ReadWorker(new Worker(WORKER, { workerData: this.data, resourceLimits: READ_WORKER_LIMITS }));
  }

  /** Runs the statements in one read transaction on the least busy worker; results in order. */
  read(statements: ReadStatement[]): Promise<unknown[]> {
    if (this.closed) return Promise.reject(new StorageUnavailableError('the database is closed'));
    // A worker that died (it should not) is replaced before it is used again.
    this.workers = this.workers.map((w) => (w.usable ? w : this.spawn()));
    const target = this.workers.reduce((best, w) => (w.pending.size < best.pending.size ? w : best));
    const id = this.nextId++;
    return new Promise((resolve, reject) => target.send({ type: 'read', id, statements }, { id, resolve, reject }));
  }

  /** After the file at the path was replaced: every worker opens the new one before its next read. */
  reopen(): void {
    for (const w of this.workers) if (w.usable) w.send({ type: 'reopen' });
  }

  /**
   * Each worker is asked to close and ends once its current read is done. Terminating a thread
   * that is still loading the native driver (a server stopped right after it started) aborts the
   * whole process, so termination is only the fallback for a worker that does not end.
   */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.workers.map(async (w) => {
        if (!w.usable) return;
        const exited = new Promise<void>((resolve) => w.worker.once('exit', () => resolve()));
        w.worker.ref();
        w.send({ type: 'close' });
        const timer = setTimeout(() => void w.worker.terminate(), CLOSE_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
