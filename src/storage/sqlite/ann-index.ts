import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Index } from './usearch.js';
import type { VectorIndexStatus } from '../memory.js';
import {
  ANN_INDEX_SETTINGS,
  type AnnBuildJob,
  type AnnBuildReply,
  MAX_TIED_CANDIDATES,
  NEAR_TIE_BAND,
  searchWidth,
  widerSearch,
} from './ann-index.protocol.js';
import { PRIVATE_FILE_MODE } from './sqlite-connection.js';
import { isRunningNode } from './server-lock.js';
import { PASSAGES_ADDED } from '../change-log.js';

const BUILD_WORKER = new URL('./ann-build.worker.js', import.meta.url);

/** New vectors searched exactly beside the index, at most (a few ms on the event loop); beyond, exact search serves until a rebuild. */
const MAX_DELTA = 5_000;
/** Changes read from the log per catch-up step. */
const CATCH_UP_BATCH = 1_000;
/** A build's own file is the index file's name, this, the process id and the build's number in the process. */
const BUILD_FILE_INFIX = '.building-';
/** Builds started by this process (numbers their files: two indexes of one process may build at once, one of them closing). */
let builds = 0;
/** How often (in changes) the memory count is looked at while below the auto threshold. */
const THRESHOLD_CHECK_EVERY = 200;

/** What the index needs from the database (the server's connection; all cheap, indexed reads). */
export interface AnnSource {
  /** Changes after `id`, oldest first. */
  changesAfter(id: number, limit: number): { id: number; kind: string; memoryId: number | null }[];
  changeBounds(): { oldest: number | null; newest: number };
  /** A memory's stored vectors by row id (its own under its id, its passages' under their keys); none when it is gone. */
  vectorsOf(memoryId: number): { key: number; vector: Float32Array }[];
  memoryCount(): number;
  databaseId(): string;
}

export interface AnnOptions {
  dbPath: string;
  dimension: number;
  model: string;
  mode: 'auto' | 'on' | 'off';
  threshold: number;
  log: (message: string) => void;
  warn: (message: string) => void;
}

interface AnnMeta {
  /** 2: changes name memories by row id (an index of version 1 followed hashes, and is rebuilt). */
  version: 2;
  databaseId: string;
  model: string;
  dimension: number;
  lastChangeId: number;
  count: number;
  buildMs: number;
}

export type AnnStatus = VectorIndexStatus;

/**
 * An HNSW index (usearch) over the vectors, in a file beside the database; SQLite stays the source
 * of truth. It is built on a worker thread (exact search serves meanwhile), memory-mapped when
 * ready, and caught up from the change log before every search: memories written since the build
 * (by this process or any other on the file) are kept in a small exact "delta" beside it, and a
 * rebuild folds them in once they grow. A restore, or a change log that no longer reaches back to
 * the build, means a rebuild. Searches return candidates; the vector search re-scores them with the
 * stored vectors, so the similarities reported are exact.
 */
export class AnnIndex {
  /** The one memory mapping of the index file (every search expansion is served from it: searchWidth). */
  private view: Index | null = null;
  private indexed = 0;
  private lastChangeId = 0;
  /** Vectors written since the build, by key (a memory's id, or a passage's key). */
  private readonly delta = new Map<number, Float32Array>();
  /** The keys in `delta` of each memory stored since the build (its passages' too), to drop them when it is deleted. */
  private readonly deltaKeys = new Map<number, number[]>();
  private staleEntries = 0;
  private builder: Worker | null = null;
  private readonly stopBuild = new Int32Array(new SharedArrayBuffer(4));
  private behind = false;
  /** False from adopting a built index until the first catch-up with the change log. */
  private caughtUp = false;
  private lastBuildMs: number | null = null;
  private lastError: string | null = null;
  private thresholdCheckedAt = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(
    private readonly options: AnnOptions,
    private readonly source: AnnSource,
  ) {}

  get indexFile(): string {
    return `${this.options.dbPath}.ann`;
  }

  private get metaFile(): string {
    return `${this.options.dbPath}.ann.json`;
  }

  /** At open: adopts the index on disk when it belongs to this database and the change log reaches back to it; else builds one when wanted. */
  start(): void {
    if (this.options.mode === 'off') return;
    removeAbandonedBuilds(this.indexFile);
    const meta = this.readMeta();
    if (meta !== null && existsSync(this.indexFile)) {
      const bounds = this.source.changeBounds();
      const reachable =
        meta.lastChangeId <= bounds.newest && (bounds.oldest === null ? meta.lastChangeId === bounds.newest : bounds.oldest <= meta.lastChangeId + 1);
      if (reachable) {
        try {
          const index = this.open(this.indexFile);
          // The meta file and the index are written one after the other: a pair that does not match (a crash between, another process's index) is rebuilt.
          if (Number(index.size()) !== meta.count) throw new Error(`it holds ${index.size()} vectors where ${meta.count} were built`);
          this.install(index, meta.lastChangeId, meta.buildMs);
          return;
        } catch (error) {
          this.options.warn(`The vector index ${this.indexFile} could not be read (${(error as Error).message}); rebuilding it`);
        }
      }
    }
    this.considerBuilding();
  }

  /** Before a search: catches up with the change log; true when the index can answer now. */
  ready(): boolean {
    if (this.closed || this.options.mode === 'off') return false;
    if (this.view === null) {
      this.considerBuilding();
      return false;
    }
    this.catchUp();
    return this.view !== null && !this.behind && this.delta.size <= MAX_DELTA;
  }

  /**
   * Keys of the nearest candidates (memories' ids, passages' keys): from the index and from the
   * vectors written since it was built. Past the first `k`, every further vector whose
   * approximate distance is within NEAR_TIE_BAND of the `limit`-th nearest's is a candidate too
   * (the index's order is only approximate there); many such near ties (near-duplicates: repeated
   * notes, logs) mean a crowded neighbourhood, searched wider (widerSearch).
   */
  candidates(vector: Float32Array, k: number, limit: number): number[] {
    const ids = new Set<number>();
    if (this.view !== null && this.indexed > 0) {
      const search = (width: number): { keys: BigUint64Array; ties: number } => {
        const { keys, distances } = this.view!.search(vector, width, 1);
        const cutoff = keys.length === 0 ? 0 : distances[Math.max(1, Math.min(limit, keys.length)) - 1]! + NEAR_TIE_BAND;
        let ties = 0;
        while (ties < keys.length && distances[ties]! <= cutoff) ties += 1;
        return { keys, ties };
      };
      const first = search(searchWidth(k, this.indexed));
      const wider = widerSearch(first.keys.length, first.ties, limit, this.indexed);
      const { keys, ties } = wider === null ? first : search(wider);
      const take = Math.min(keys.length, Math.max(k, Math.min(ties, MAX_TIED_CANDIDATES)));
      for (let i = 0; i < take; i++) ids.add(Number(keys[i]));
    }
    if (this.delta.size > 0) {
      const scored: { id: number; score: number }[] = [];
      for (const [id, v] of this.delta) {
        let dot = 0;
        for (let i = 0; i < v.length; i++) dot += v[i]! * vector[i]!;
        scored.push({ id, score: dot });
      }
      scored.sort((a, b) => b.score - a.score);
      for (const { id } of scored.slice(0, k)) ids.add(id);
    }
    return [...ids];
  }

  /** Vectors the index answers for (built plus written since), for sizing oversampled searches. */
  get size(): number {
    return this.indexed + this.delta.size;
  }

  status(): AnnStatus {
    const state: AnnStatus['state'] =
      this.options.mode === 'off'
        ? 'off'
        : this.view !== null && !this.behind
          ? this.caughtUp
            ? 'ready'
            : 'catching_up'
          : this.builder !== null
            ? 'building'
            : this.view !== null
              ? 'behind'
              : 'below_threshold';
    return { mode: this.options.mode, state, indexed: this.indexed, pending: this.delta.size, lastBuildMs: this.lastBuildMs, lastError: this.lastError };
  }

  /** Resolves when no build is running (for tests and benchmarks). */
  async settled(): Promise<void> {
    while (this.builder !== null) await new Promise((resolve) => this.builder!.once('exit', resolve));
  }

  /** Stops a running build at its next chunk and waits for it (never terminated mid-call: native code). */
  async close(): Promise<void> {
    this.closed = true;
    Atomics.store(this.stopBuild, 0, 1);
    await this.settled();
    this.view = null;
  }

  private catchUp(): void {
    const bounds = this.source.changeBounds();
    if (bounds.newest === this.lastChangeId) {
      this.caughtUp = true;
      return;
    }
    if (bounds.newest < this.lastChangeId || (bounds.oldest !== null && bounds.oldest > this.lastChangeId + 1)) {
      return this.fallBehind('the change log no longer reaches back to the index');
    }
    if (bounds.newest - this.lastChangeId > MAX_DELTA) return this.fallBehind(`${bounds.newest - this.lastChangeId} changes since it was built`);
    for (;;) {
      const changes = this.source.changesAfter(this.lastChangeId, CATCH_UP_BATCH);
      if (changes.length === 0) break;
      for (const change of changes) {
        if (change.kind === 'backup_restored') return this.fallBehind('the database was restored');
        if ((change.kind === 'memory_stored' || change.kind === PASSAGES_ADDED) && change.memoryId !== null) {
          // All the memory's vectors (passages added later come with its own again: the same key, the same vector).
          const vectors = this.source.vectorsOf(change.memoryId);
          for (const { key, vector } of vectors) this.delta.set(key, vector);
          if (vectors.length > 0)
            this.deltaKeys.set(
              change.memoryId,
              vectors.map(({ key }) => key),
            );
        } else if (change.kind === 'memory_deleted' && change.memoryId !== null) {
          const keys = this.deltaKeys.get(change.memoryId);
          if (keys === undefined) this.staleEntries += 1;
          for (const key of keys ?? []) this.delta.delete(key);
          this.deltaKeys.delete(change.memoryId);
        }
        this.lastChangeId = change.id;
      }
      if (changes.length < CATCH_UP_BATCH) break;
    }
    this.caughtUp = true;
    // Fold the new vectors in (and drop deleted ones) once they are a tenth of the index.
    if (this.delta.size + this.staleEntries > Math.max(1_000, this.indexed / 10)) this.build('new and deleted memories');
  }

  private fallBehind(reason: string): void {
    this.behind = true;
    this.build(reason);
  }

  private considerBuilding(): void {
    if (this.builder !== null || this.closed || this.options.mode === 'off') return;
    if (this.options.mode === 'auto') {
      const newest = this.source.changeBounds().newest;
      if (newest - this.thresholdCheckedAt < THRESHOLD_CHECK_EVERY) return;
      this.thresholdCheckedAt = newest;
      if (this.source.memoryCount() < this.options.threshold) return;
    }
    this.build(this.view === null ? 'no index yet' : 'refresh');
  }

  /**
   * Builds a new index on a worker thread, into a file of its own; the current index (if any) keeps
   * serving until it is ready. Only an index still open adopts its build (moved into place); a
   * closed one's (the connection moved to another file or model meanwhile) is deleted.
   */
  private build(reason: string): void {
    if (this.builder !== null || this.closed) return;
    this.options.log(`Building the vector index (${reason}); exact search serves until it is ready`);
    builds += 1;
    const buildFile = `${this.indexFile}${BUILD_FILE_INFIX}${process.pid}-${builds}`;
    const job: AnnBuildJob = { dbPath: this.options.dbPath, buildFile, dimension: this.options.dimension, stop: this.stopBuild.buffer as SharedArrayBuffer };
    const worker = new Worker(BUILD_WORKER, { workerData: job });
    this.builder = worker;
    let replied = false;
    worker.once('message', (reply: AnnBuildReply) => {
      replied = true;
      if (!reply.ok) {
        if (reply.stopped || this.closed) return;
        this.lastError = reply.message;
        this.options.warn(`The vector index could not be built: ${reply.message}; exact search serves`);
        return;
      }
      try {
        if (this.closed) return;
        const index = this.open(buildFile);
        renameSync(buildFile, this.indexFile);
        this.writeMeta({ lastChangeId: reply.lastChangeId, count: reply.count, buildMs: reply.buildMs });
        this.install(index, reply.lastChangeId, reply.buildMs);
        this.lastError = null;
        this.options.log(`Vector index ready: ${reply.count} vectors in ${reply.buildMs} ms`);
      } catch (error) {
        this.lastError = (error as Error).message;
        this.options.warn(`The vector index could not be opened: ${this.lastError}`);
      } finally {
        rmSync(buildFile, { force: true });
      }
    });
    worker.once('error', (error) => {
      this.lastError = error.message;
      if (!this.closed) this.options.warn(`The vector index build failed: ${error.message}`);
    });
    worker.once('exit', () => {
      this.builder = null;
      if (replied) return;
      rmSync(buildFile, { force: true });
      if (!this.closed) this.lastError ??= 'the build stopped';
    });
  }

  /** A view (memory mapping) of an index file, refused when its vectors are not this model's dimension. */
  private open(file: string): Index {
    const index = new Index({ dimensions: this.options.dimension, ...ANN_INDEX_SETTINGS });
    index.view(file);
    if (index.dimensions() !== this.options.dimension) throw new Error(`it holds ${index.dimensions()}-d vectors, not ${this.options.dimension}-d`);
    return index;
  }

  private install(index: Index, lastChangeId: number, buildMs: number): void {
    this.view = index;
    this.indexed = Number(index.size());
    this.lastChangeId = lastChangeId;
    this.lastBuildMs = buildMs;
    this.delta.clear();
    this.deltaKeys.clear();
    this.staleEntries = 0;
    this.behind = false;
    this.caughtUp = false;
  }

  private readMeta(): AnnMeta | null {
    try {
      const meta = JSON.parse(readFileSync(this.metaFile, 'utf8')) as AnnMeta;
      const { model, dimension } = this.options;
      return meta.version === 2 && meta.databaseId === this.source.databaseId() && meta.model === model && meta.dimension === dimension ? meta : null;
    } catch {
      return null;
    }
  }

  private writeMeta(built: { lastChangeId: number; count: number; buildMs: number }): void {
    const meta: AnnMeta = { version: 2, databaseId: this.source.databaseId(), model: this.options.model, dimension: this.options.dimension, ...built };
    const temporary = `${this.metaFile}.tmp-${process.pid}`;
    writeFileSync(temporary, JSON.stringify(meta), { mode: PRIVATE_FILE_MODE });
    renameSync(temporary, this.metaFile);
  }
}

/** Index files of builds whose process died (other live processes on the file may be building): `<index>.building-<pid>-<n>`. */
function removeAbandonedBuilds(indexFile: string): void {
  const prefix = `${basename(indexFile)}${BUILD_FILE_INFIX}`;
  try {
    for (const name of readdirSync(dirname(indexFile))) {
      const pid = name.startsWith(prefix) ? Number(/^(\d+)(?:-\d+)?$/u.exec(name.slice(prefix.length))?.[1]) : NaN;
      if (Number.isInteger(pid) && !isRunningNode(pid)) rmSync(join(dirname(indexFile), name), { force: true });
    }
  } catch {
    // The directory is the database's: if it cannot be listed, the database open reports it.
  }
}
