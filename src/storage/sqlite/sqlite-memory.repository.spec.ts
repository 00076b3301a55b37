import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as sqliteVec from 'sqlite-vec';
import { StorageBusyError } from '../../common/domain-errors.js';
import type { Memory } from '../memory-repository.js';
import { DatabaseOpenError } from './sqlite-connection.js';
import { EmbeddingSpaceMismatchError } from './sqlite-migrations.js';
import { SqliteMemoryRepository, type SqliteRepositoryOptions } from './sqlite-memory.repository.js';

const DIM = 8;

function unit(values: number[]): Float32Array {
  const v = Float32Array.from(values);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function axis(i: number, tilt = 0): Float32Array {
  const values = new Array<number>(DIM).fill(0);
  values[i] = 1;
  values[(i + 1) % DIM] = tilt;
  return unit(values);
}

let seq = 0;
function memory(overrides: Partial<Memory> = {}): Memory {
  seq += 1;
  const at = 1_700_000_000 + seq;
  return {
    contentHash: seq.toString(16).padStart(64, '0'),
    content: `memory ${seq}`,
    tags: [],
    memoryType: null,
    metadata: {},
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

describe('SqliteMemoryRepository', () => {
  let dir: string;
  let options: SqliteRepositoryOptions;
  let repo: SqliteMemoryRepository;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'repo-test-'));
    options = { path: join(dir, 'nested', 'memory.db'), pragmas: [], busyBudgetMs: 2000, embeddingModel: 'test-model', embeddingDimension: DIM };
    repo = SqliteMemoryRepository.open(options);
  });

  after(async () => {
    await repo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores a memory with its vector and reads it back', async () => {
    const m = memory({ tags: ['a', 'b'], memoryType: 'note', metadata: { source: 'test', n: 1 } });
    const outcome = await repo.insertWithEmbedding(m, axis(0));
    assert.equal(outcome.inserted, true);
    assert.deepEqual(await repo.findByHash(m.contentHash), m);
    const vector = await repo.findEmbedding(m.contentHash);
    assert.ok(vector);
    assert.deepEqual([...vector], [...axis(0)]);
  });

  it('reports an existing hash instead of overwriting it', async () => {
    const m = memory({ content: 'original' });
    await repo.insertWithEmbedding(m, axis(1));
    const again = await repo.insertWithEmbedding({ ...m, content: 'other' }, axis(2));
    assert.equal(again.inserted, false);
    assert.equal((await repo.findByHash(m.contentHash))?.content, 'original');
  });

  it('writes memory row and vector atomically: a failed vector write leaves no memory', async () => {
    const m = memory();
    await assert.rejects(repo.insertWithEmbedding(m, new Float32Array(DIM + 3)));
    assert.equal(await repo.findByHash(m.contentHash), null);
    const db = new Database(options.path, { readonly: true });
    sqliteVec.load(db);
    const counts = db.prepare('SELECT (SELECT COUNT(*) FROM memories) AS m, (SELECT COUNT(*) FROM memory_embeddings) AS e').get() as { m: number; e: number };
    db.close();
    assert.equal(counts.m, counts.e);
  });

  it('lists newest first with tag any/all and type filters, and counts the total', async () => {
    const x = memory({ tags: ['list-x', 'list-y'], memoryType: 'decision' });
    const y = memory({ tags: ['list-x'] });
    const z = memory({ tags: ['list-y'], memoryType: 'decision' });
    for (const m of [x, y, z]) await repo.insertWithEmbedding(m, axis(3));
    const any = await repo.list({ tags: { tags: ['list-x', 'list-y'], match: 'any' } }, 0, 10);
    assert.deepEqual(
      any.memories.map((m) => m.contentHash),
      [z, y, x].map((m) => m.contentHash),
    );
    assert.equal(any.total, 3);
    const all = await repo.list({ tags: { tags: ['list-x', 'list-y'], match: 'all' } }, 0, 10);
    assert.deepEqual(
      all.memories.map((m) => m.contentHash),
      [x.contentHash],
    );
    const typed = await repo.list({ memoryType: 'decision', tags: { tags: ['list-y'], match: 'any' } }, 0, 1);
    assert.equal(typed.total, 2);
    assert.deepEqual(
      typed.memories.map((m) => m.contentHash),
      [z.contentHash],
    );
    const second = await repo.list({ memoryType: 'decision', tags: { tags: ['list-y'], match: 'any' } }, 1, 1);
    assert.deepEqual(
      second.memories.map((m) => m.contentHash),
      [x.contentHash],
    );
  });

  it('uses the tag index for tag search, not a scan of memories', async () => {
    const db = new Database(options.path, { readonly: true });
    sqliteVec.load(db);
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT memory_id FROM memory_tags WHERE tag IN (SELECT value FROM json_each(\'["a"]\'))').all() as {
      detail: string;
    }[];
    db.close();
    assert.ok(
      plan.some((row) => /USING (COVERING |PRIMARY )?(INDEX|KEY)/.test(row.detail)),
      JSON.stringify(plan),
    );
  });

  it('finds nearest vectors first, with and without filters, and can exclude one hash', async () => {
    const near = memory({ tags: ['knn'] });
    const mid = memory({ tags: ['knn', 'other'] });
    const far = memory({ tags: ['knn'] });
    await repo.insertWithEmbedding(near, axis(5, 0.1));
    await repo.insertWithEmbedding(mid, axis(5, 1));
    await repo.insertWithEmbedding(far, axis(6));
    const unfiltered = await repo.searchByVector(axis(5), {}, 2);
    assert.deepEqual(
      unfiltered.map((h) => h.memory.contentHash),
      [near.contentHash, mid.contentHash],
    );
    assert.ok(unfiltered[0]!.distance < unfiltered[1]!.distance);
    const filtered = await repo.searchByVector(axis(5), { tags: { tags: ['knn'], match: 'any' } }, 10);
    assert.deepEqual(
      filtered.map((h) => h.memory.contentHash),
      [near.contentHash, mid.contentHash, far.contentHash],
    );
    const excluded = await repo.searchByVector(axis(5), { excludeHash: near.contentHash }, 1);
    assert.deepEqual(
      excluded.map((h) => h.memory.contentHash),
      [mid.contentHash],
    );
    const timed = await repo.searchByVector(axis(5), { createdFrom: mid.createdAt, createdBefore: far.createdAt + 1 }, 10);
    assert.deepEqual(
      timed.map((h) => h.memory.contentHash),
      [mid.contentHash, far.contentHash],
    );
  });

  it('updates tags, type and merges metadata; deletes memory, tags and vector together', async () => {
    const m = memory({ tags: ['before'], metadata: { keep: 1, change: 'old' } });
    await repo.insertWithEmbedding(m, axis(7));
    const updated = await repo.update(m.contentHash, { tags: ['after'], memoryType: 'todo', metadata: { change: 'new' }, updatedAt: m.updatedAt + 5 });
    assert.deepEqual(updated?.tags, ['after']);
    assert.equal(updated?.memoryType, 'todo');
    assert.deepEqual(updated?.metadata, { keep: 1, change: 'new' });
    assert.equal((await repo.list({ tags: { tags: ['before'], match: 'any' } }, 0, 10)).total, 0);
    assert.equal((await repo.list({ tags: { tags: ['after'], match: 'any' } }, 0, 10)).total, 1);
    assert.equal(await repo.update('f'.repeat(64), { updatedAt: 1 }), null);

    assert.equal(await repo.delete(m.contentHash), true);
    assert.equal(await repo.delete(m.contentHash), false);
    assert.equal(await repo.findByHash(m.contentHash), null);
    assert.equal(await repo.findEmbedding(m.contentHash), null);
    assert.equal((await repo.list({ tags: { tags: ['after'], match: 'any' } }, 0, 10)).total, 0);
  });

  it('counts tags and reports statistics and details', async () => {
    const counts = await repo.tagCounts();
    assert.ok(counts.length > 0);
    for (let i = 1; i < counts.length; i++) assert.ok(counts[i - 1]!.count >= counts[i]!.count);
    const stats = await repo.statistics();
    assert.equal(stats.totalTags, counts.length);
    const details = await repo.details();
    assert.equal(details.embeddingDimension, DIM);
    assert.equal(details.pragmas.journal_mode, 'wal');
    assert.ok(details.databaseSizeBytes > 0);
  });

  it('applies configured pragmas at open', async () => {
    const other = SqliteMemoryRepository.open({ ...options, path: join(dir, 'pragmas.db'), pragmas: [{ name: 'cache_size', value: '-4321' }] });
    assert.equal((await other.details()).pragmas.cache_size, -4321);
    await other.close();
  });

  it('refuses to open a file built with another embedding model, naming both', () => {
    assert.throws(
      () => SqliteMemoryRepository.open({ ...options, embeddingModel: 'other-model', embeddingDimension: 16 }),
      (error: Error) => error instanceof EmbeddingSpaceMismatchError && /test-model/.test(error.message) && /other-model/.test(error.message),
    );
  });

  it('refuses a file that is not a database without modifying it', () => {
    const path = join(dir, 'garbage.db');
    const garbage = Buffer.from('this is not a sqlite database, just some text '.repeat(200));
    writeFileSync(path, garbage);
    assert.throws(
      () => SqliteMemoryRepository.open({ ...options, path }),
      (error: Error) => error instanceof DatabaseOpenError && error.message.includes(path),
    );
    assert.deepEqual(readFileSync(path), garbage);
  });

  it('waits for another process holding the write lock, then succeeds; gives up with StorageBusyError after its budget', async () => {
    const blocker = new Database(options.path);
    blocker.pragma('busy_timeout = 0');
    blocker.exec('BEGIN IMMEDIATE');
    const m = memory();
    const pending = repo.insertWithEmbedding(m, axis(4));
    setTimeout(() => blocker.exec('COMMIT'), 300);
    assert.equal((await pending).inserted, true);

    const impatient = SqliteMemoryRepository.open({ ...options, busyBudgetMs: 300 });
    blocker.exec('BEGIN IMMEDIATE');
    await assert.rejects(impatient.insertWithEmbedding(memory(), axis(4)), StorageBusyError);
    blocker.exec('ROLLBACK');
    blocker.close();
    await impatient.close();
  });
});
