import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gaussian as normal, seededRandom } from '../bench/random.js';
import type { Memory, MemoryFilter } from '../src/storage/memory.js';
import { SqliteBackend, type SqliteBackendOptions } from '../src/storage/sqlite/sqlite-backend.js';

/**
 * The approximate-nearest-neighbour index against exact search on the same file: clustered
 * vectors (neighbourhoods like real embeddings have), recall, filters of every selectivity, writes
 * after the build (this process and another), deletes, restore, reopen.
 */
const DIM = 96;
const N = 20_000;
const CLUSTERS = 200;

const random = seededRandom(7);
const gaussian = (): number => normal(random);
const normalize = (v: Float32Array): Float32Array => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const centers = Array.from({ length: CLUSTERS }, () => normalize(Float32Array.from({ length: DIM }, gaussian)));
const near = (c: number, spread = 0.08): Float32Array => normalize(centers[c % CLUSTERS]!.map((x) => x + spread * gaussian()));
/** Near-duplicates (a note stored again and again): copies of one more center, differing by less than the index's 8-bit rounding. */
const DUPLICATES = 1_500;
const duplicated = normalize(Float32Array.from({ length: DIM }, gaussian));
const copy = (spread: number): Float32Array => normalize(duplicated.map((x) => x + spread * gaussian()));

const hash = (i: number): string => `ab${i.toString(16).padStart(62, '0')}`;
function memory(i: number, overrides: Partial<Memory> = {}): Memory {
  const tags = [`c${i % CLUSTERS}`];
  if (i % 5 < 2) tags.push('common');
  if (i % 100 === 3) tags.push('rare');
  return {
    contentHash: hash(i),
    space: 'default',
    content: `memory ${i}`,
    tags,
    memoryType: null,
    metadata: {},
    createdAt: 1_700_000_000 + i,
    updatedAt: 1_700_000_000 + i,
    ...overrides,
  };
}

const ids = (hits: { memory: Memory }[]): string[] => hits.map((h) => h.memory.contentHash);

describe('the vector index (usearch HNSW beside the SQLite file)', () => {
  let dir: string;
  let base: SqliteBackendOptions;
  let ann: SqliteBackend;
  let exact: SqliteBackend;
  const logs: string[] = [];

  /** Searches until the index serves (a build runs on its own thread meanwhile). */
  async function untilReady(repo: SqliteBackend): Promise<void> {
    for (;;) {
      await repo.vectors.searchByVector(centers[0]!, {}, 1);
      if (repo.vectors.vectorIndexStatus()?.state === 'ready') return;
      await repo.vectors.vectorIndexSettled();
      await repo.vectors.searchByVector(centers[0]!, {}, 1);
      if (repo.vectors.vectorIndexStatus()?.state === 'ready') return;
      // A build that started before the last writes is followed by another: wait for that one.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async function recall(filter: MemoryFilter, queries = 40): Promise<number> {
    let found = 0;
    let wanted = 0;
    for (let q = 0; q < queries; q++) {
      const query = near(q * 7, 0.12);
      const truth = ids(await exact.vectors.searchByVector(query, filter, 10));
      const got = await ann.vectors.searchByVector(query, filter, 10);
      wanted += truth.length;
      found += ids(got).filter((h) => truth.includes(h)).length;
      // Whatever the index found carries the exact distance (re-scored with the stored vectors).
      const truthHits = await exact.vectors.searchByVector(query, filter, 50);
      for (const hit of got) {
        const same = truthHits.find((t) => t.memory.contentHash === hit.memory.contentHash);
        if (same) assert.ok(Math.abs(same.distance - hit.distance) < 1e-5);
      }
    }
    return found / wanted;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ann-'));
    base = { path: join(dir, 'memory.db'), pragmas: [], busyBudgetMs: 10_000, embeddingModel: 'ann-test', embeddingDimension: DIM, readWorkers: 1 };
    ann = SqliteBackend.open({ ...base, ann: { mode: 'on', threshold: 0 }, log: (m) => logs.push(m), warn: (m) => logs.push(m) });
    exact = SqliteBackend.open({ ...base, ann: { mode: 'off', threshold: 0 } });
    for (let from = 0; from < N; from += 1000) {
      const batch = [];
      for (let i = from; i < from + 1000; i++) batch.push({ memory: memory(i), embedding: near(i) });
      await ann.store.insertBatch(batch);
    }
    await ann.store.insertBatch(Array.from({ length: DUPLICATES }, (_, i) => ({ memory: memory(100_000 + i), embedding: copy(0.01) })));
    await untilReady(ann);
  });

  after(async () => {
    await ann?.close();
    await exact?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds what exact search finds: recall@10 >= 0.98, with exact distances', async () => {
    assert.equal(ann.vectors.vectorIndexStatus()?.indexed, N + DUPLICATES);
    const r = await recall({});
    assert.ok(r >= 0.98, `recall@10 ${r}`);
  });

  it('finds the nearest of many near-duplicates as exact search does (candidates in a near tie are all re-scored)', async () => {
    let found = 0;
    for (let q = 0; q < 20; q++) {
      const query = copy(0.01);
      const truth = ids(await exact.vectors.searchByVector(query, {}, 10));
      found += ids(await ann.vectors.searchByVector(query, {}, 10)).filter((h) => truth.includes(h)).length;
    }
    assert.ok(found / 200 >= 0.99, `recall@10 among ${DUPLICATES} near-duplicates: ${found / 200}`);
  });

  it('stays correct under filters of any selectivity (1% exact, 40% through the index)', async () => {
    for (const tag of ['rare', 'common']) {
      const filter: MemoryFilter = { tags: { tags: [tag], match: 'any' } };
      const hits = await ann.vectors.searchByVector(near(3), filter, 10);
      assert.equal(hits.length, 10);
      assert.ok(hits.every((h) => h.memory.tags.includes(tag)));
      const r = await recall(filter, 20);
      assert.ok(r >= 0.98, `${tag}: recall@10 ${r}`);
    }
    // A time window plus exclusion of one memory.
    const window: MemoryFilter = { createdFrom: 1_700_000_000 + 5_000, createdBefore: 1_700_000_000 + 15_000, excludeHash: hash(5_003) };
    const query = near(3);
    const hits = await ann.vectors.searchByVector(query, window, 10);
    assert.ok(hits.every((h) => h.memory.createdAt >= 1_700_005_000 && h.memory.createdAt < 1_700_015_000 && h.memory.contentHash !== hash(5_003)));
    const truth = ids(await exact.vectors.searchByVector(query, window, 10));
    assert.ok(ids(hits).filter((h) => truth.includes(h)).length >= 9, 'a time window through the index');
  });

  it("under a filter, answers from its deepest candidates when they hold enough (a hybrid search's meaning leg), not by an exact scan", async () => {
    const filter: MemoryFilter = { tags: { tags: ['common'], match: 'any' } };
    // 4,000 of the 8,000 memories with the tag: more than the deepest candidate list holds.
    const limit = 4_000;
    let found = 0;
    const queries = 10;
    for (let q = 0; q < queries; q++) {
      const query = near(q * 7, 0.12);
      const some = await ann.vectors.searchByVector(query, filter, limit, { enough: 10 });
      assert.ok(some.length >= 10 && some.length < limit, `${some.length} results`);
      assert.ok(some.every((h) => h.memory.tags.includes('common')));
      assert.ok(
        some.every((h, i) => i === 0 || some[i - 1]!.distance <= h.distance),
        'nearest first',
      );
      const truth = ids(await exact.vectors.searchByVector(query, filter, 10));
      found += ids(some.slice(0, 10)).filter((h) => truth.includes(h)).length;
    }
    assert.ok(found / (queries * 10) >= 0.98, `recall@10 ${found / (queries * 10)}`);
    assert.equal((await ann.vectors.searchByVector(near(3), filter, limit)).length, limit, 'without it, all of them (the exact scan)');
  });

  it('finds memories written after the build, by this process and by another on the file; forgets deleted ones', async () => {
    const mine = memory(N + 1, { content: 'written here after the build' });
    const mineVector = normalize(Float32Array.from({ length: DIM }, gaussian));
    await ann.store.insertWithEmbedding(mine, mineVector);
    const theirs = memory(N + 2, { content: 'written by another process' });
    const theirVector = normalize(Float32Array.from({ length: DIM }, gaussian));
    await exact.store.insertWithEmbedding(theirs, theirVector);
    assert.equal((await ann.vectors.searchByVector(mineVector, {}, 1))[0]?.memory.content, mine.content);
    assert.equal((await ann.vectors.searchByVector(theirVector, {}, 1))[0]?.memory.content, theirs.content);
    assert.equal(ann.vectors.vectorIndexStatus()?.state, 'ready');
    assert.equal(ann.vectors.vectorIndexStatus()?.pending, 2);
    await exact.store.delete(theirs.contentHash, 'default');
    await ann.store.delete(hash(10), 'default');
    assert.notEqual((await ann.vectors.searchByVector(theirVector, {}, 1))[0]?.memory.content, theirs.content);
    assert.ok(!ids(await ann.vectors.searchByVector(near(10), {}, 20)).includes(hash(10)));
  });

  it("finds a long memory's passages through the index: stored with it or added later by another process, one result per memory, gone with it", async () => {
    const random = (): Float32Array => normalize(Float32Array.from({ length: DIM }, gaussian));
    const [whole, first, second, added, olderWhole] = [random(), random(), random(), random(), random()];
    const long = memory(N + 3, { content: 'long '.repeat(300) });
    await exact.store.insertWithEmbedding(long, whole, [
      { start: 0, end: 4, vector: first },
      { start: 5, end: 9, vector: second },
    ]);
    const hits = await ann.vectors.searchByVector(second, {}, 5);
    assert.equal(ann.vectors.vectorIndexStatus()?.state, 'ready');
    assert.equal(hits[0]?.memory.contentHash, long.contentHash);
    assert.deepEqual(hits[0]?.passage, { start: 5, end: 9 });
    assert.equal(new Set(ids(hits)).size, hits.length, 'one result per memory');
    // The memory is first as in exact search (the rest of a random query's neighbours are near ties, where an approximate index may differ).
    assert.equal(ids(hits)[0], ids(await exact.vectors.searchByVector(second, {}, 5))[0], 'as exact search');
    const tagged = await ann.vectors.searchByVector(first, { tags: { tags: [`c${(N + 3) % CLUSTERS}`], match: 'any' } }, 3);
    assert.deepEqual(tagged[0]?.passage, { start: 0, end: 4 });

    const older = memory(N + 4, { content: 'older '.repeat(300) });
    await exact.store.insertWithEmbedding(older, olderWhole);
    const [pending] = await ann.store.withoutPassages(0, 10, 1000);
    assert.equal(pending?.content, older.content);
    assert.equal(await exact.store.addPassages(pending!.ref, [{ start: 6, end: 11, vector: added }]), true);
    const later = await ann.vectors.searchByVector(added, {}, 1);
    assert.equal(later[0]?.memory.contentHash, older.contentHash);
    assert.deepEqual(later[0]?.passage, { start: 6, end: 11 });

    await exact.store.delete(long.contentHash, 'default');
    assert.ok(!ids(await ann.vectors.searchByVector(second, {}, 10)).includes(long.contentHash));
  });

  it('reopens with the index on disk (no rebuild) and catches up; an index of another database is not used', async () => {
    await ann.close();
    logs.length = 0;
    ann = SqliteBackend.open({ ...base, ann: { mode: 'on', threshold: 0 }, log: (m) => logs.push(m), warn: (m) => logs.push(m) });
    await ann.vectors.searchByVector(near(1), {}, 10);
    assert.equal(ann.vectors.vectorIndexStatus()?.state, 'ready');
    assert.deepEqual(logs, []);
    assert.ok((await recall({}, 10)) >= 0.98);

    // Another database moved to a path beside this index: its id differs, so it builds its own.
    const otherDir = mkdtempSync(join(tmpdir(), 'ann-other-'));
    const otherPath = join(otherDir, 'memory.db');
    const other = SqliteBackend.open({ ...base, path: otherPath, ann: { mode: 'on', threshold: 0 } });
    await other.store.insertWithEmbedding(memory(1), near(1));
    await other.vectors.vectorIndexSettled();
    await other.close();
    writeFileSync(`${otherPath}.ann`, readFileSync(`${base.path}.ann`));
    writeFileSync(`${otherPath}.ann.json`, readFileSync(`${base.path}.ann.json`));
    const reopened = SqliteBackend.open({ ...base, path: otherPath, ann: { mode: 'on', threshold: 0 } });
    await reopened.vectors.searchByVector(near(1), {}, 1);
    assert.notEqual(reopened.vectors.vectorIndexStatus()?.indexed, N + 1);
    await reopened.close();
    rmSync(otherDir, { recursive: true, force: true });
  });

  it('an index file that does not match its record (another dimension, another count) is rebuilt, never searched', async () => {
    // An index of other vectors under this database's record (a crash between writing the two, another process's file).
    const otherDir = mkdtempSync(join(tmpdir(), 'ann-dim-'));
    const otherPath = join(otherDir, 'memory.db');
    const other = SqliteBackend.open({ ...base, path: otherPath, embeddingDimension: DIM / 2, ann: { mode: 'on', threshold: 0 } });
    await other.store.insertWithEmbedding(memory(1), normalize(Float32Array.from({ length: DIM / 2 }, gaussian)));
    await other.vectors.vectorIndexSettled();
    await other.close();
    for (const tamper of ['dimension', 'count'] as const) {
      await ann.close();
      const meta = JSON.parse(readFileSync(`${base.path}.ann.json`, 'utf8')) as { count: number };
      if (tamper === 'dimension') writeFileSync(`${base.path}.ann`, readFileSync(`${otherPath}.ann`));
      else writeFileSync(`${base.path}.ann.json`, JSON.stringify({ ...meta, count: meta.count + 1 }));
      const expected =
        tamper === 'dimension' ? `it holds ${DIM / 2}-d vectors, not ${DIM}-d` : `it holds ${meta.count} vectors where ${meta.count + 1} were built`;
      logs.length = 0;
      ann = SqliteBackend.open({ ...base, ann: { mode: 'on', threshold: 0 }, log: (m) => logs.push(m), warn: (m) => logs.push(m) });
      assert.ok(
        logs.some((line) => line.includes(expected)),
        logs.join('\n'),
      );
      await untilReady(ann);
      assert.ok((await recall({}, 10)) >= 0.98);
    }
    rmSync(otherDir, { recursive: true, force: true });
  });

  it("two indexes of one process on the file build at once, one closed meanwhile: the open one adopts its own build, the closed one's is deleted", async () => {
    const twoDir = mkdtempSync(join(tmpdir(), 'ann-two-'));
    const path = join(twoDir, 'memory.db');
    const seed = SqliteBackend.open({ ...base, path, ann: { mode: 'off', threshold: 0 } });
    await seed.store.insertBatch(Array.from({ length: 5_000 }, (_, i) => ({ memory: memory(i), embedding: near(i) })));
    await seed.close();
    const warnings: string[] = [];
    const options = { ...base, path, ann: { mode: 'on' as const, threshold: 0 }, warn: (m: string) => warnings.push(m) };
    for (let round = 0; round < 3; round++) {
      // Both start a build at open; the first is closed while its build runs, or just after it finished.
      const closing = SqliteBackend.open(options);
      const open = SqliteBackend.open(options);
      if (round > 0) await closing.vectors.vectorIndexSettled();
      await closing.close();
      await open.vectors.vectorIndexSettled();
      await untilReady(open);
      assert.equal(open.vectors.vectorIndexStatus()?.indexed, 5_000);
      assert.equal(open.vectors.vectorIndexStatus()?.lastError, null);
      await open.close();
    }
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      readdirSync(twoDir).filter((name) => name.includes('.building-')),
      [],
    );
    rmSync(twoDir, { recursive: true, force: true });
  });

  it('never answers from a stale index after a restore: exact search serves until it is rebuilt', async () => {
    const backup = join(dir, 'backup.db');
    await exact.backups.backupTo(backup);
    // Memories written after the backup, then the restore takes them away.
    const late = memory(N + 3, { content: 'gone after the restore' });
    const lateVector = normalize(Float32Array.from({ length: DIM }, gaussian));
    await ann.store.insertWithEmbedding(late, lateVector);
    await exact.backups.withOperationsPaused(() => exact.backups.restoreFrom(backup, { backup_id: 'test' }));
    const hits = await ann.vectors.searchByVector(lateVector, {}, 1);
    assert.notEqual(hits[0]?.memory.content, late.content);
    assert.notEqual(ann.vectors.vectorIndexStatus()?.state, 'ready');
    await untilReady(ann);
    assert.ok((await recall({}, 10)) >= 0.98);
    assert.ok(existsSync(`${base.path}.ann`));
  });
});
