import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import * as sqliteVec from 'sqlite-vec';
import { Index } from './usearch.js';
import { ANN_INDEX_SETTINGS, type AnnBuildJob, type AnnBuildReply } from './ann-index.protocol.js';
import { lowerThisThreadPriority } from '../../common/thread-priority.js';

/**
 * Builds the approximate-nearest-neighbour index from the vectors in the database, on its own
 * thread and read-only connection: one read transaction gives the vectors and the change id they
 * correspond to, so the index can be caught up from the change log afterwards. The index is saved
 * to this build's own file; the index that asked for it moves it into place, or deletes it when it
 * was closed meanwhile (a build for a connection that moved to another model or file must never
 * replace the index in use).
 */
const job = workerData as AnnBuildJob;
lowerThisThreadPriority();
const CHUNK = 2048;
const stop = new Int32Array(job.stop);

class Stopped extends Error {}

function build(): AnnBuildReply {
  const started = performance.now();
  const db = new Database(job.dbPath, { readonly: true, fileMustExist: true });
  try {
    sqliteVec.load(db);
    const index = new Index({ dimensions: job.dimension, ...ANN_INDEX_SETTINGS });
    const { lastChangeId, count } = db.transaction(() => {
      const newest = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'changes'").pluck().get() as number | undefined;
      const keys = new BigUint64Array(CHUNK);
      const vectors = new Float32Array(CHUNK * job.dimension);
      let filled = 0;
      let total = 0;
      const flush = (): void => {
        if (Atomics.load(stop, 0) === 1) throw new Stopped('stopped');
        if (filled === 0) return;
        index.add(keys.subarray(0, filled), vectors.subarray(0, filled * job.dimension), 0);
        total += filled;
        filled = 0;
      };
      for (const row of db.prepare('SELECT rowid AS id, embedding FROM memory_embeddings').iterate() as Iterable<{ id: number; embedding: Buffer }>) {
        keys[filled] = BigInt(row.id);
        vectors.set(new Float32Array(row.embedding.buffer, row.embedding.byteOffset, job.dimension), filled * job.dimension);
        filled += 1;
        if (filled === CHUNK) flush();
      }
      flush();
      return { lastChangeId: newest ?? 0, count: total };
    })();
    index.save(job.buildFile);
    return { ok: true, lastChangeId, count, buildMs: Math.round(performance.now() - started) };
  } catch (error) {
    rmSync(job.buildFile, { force: true });
    return { ok: false, message: (error as Error).message, stopped: error instanceof Stopped };
  } finally {
    db.close();
  }
}

parentPort!.postMessage(build());
