import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as sqliteVec from 'sqlite-vec';
import { StorageBusyError } from '../../common/domain-errors.js';
import type { Memory } from '../memory.js';
import { DatabaseOpenError } from './sqlite-connection.js';
import { SqliteBackend, type SqliteBackendOptions } from './sqlite-backend.js';
import { axisVector } from '../../../test/helpers/vectors.js';
import { threadNiceValues } from '../../../test/helpers/threads.js';
import { computeThreadNice } from '../../common/thread-priority.js';

const DIM = 8;

const axis = (i: number, tilt = 0): Float32Array => axisVector(DIM, i, tilt);

let seq = 0;
function memory(overrides: Partial<Memory> = {}): Memory {
  seq += 1;
  const at = 1_700_000_000 + seq;
  return {
    contentHash: seq.toString(16).padStart(64, '0'),
    space: 'default',
    content: `memory ${seq}`,
    tags: [],
    memoryType: null,
    metadata: {},
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** What only the SQLite backend promises; the shared contract is test/storage-contract.spec.ts. */
describe('SQLite backend', () => {
  let dir: string;
  let options: SqliteBackendOptions;
  let repo: SqliteBackend;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'repo-test-'));
    options = { path: join(dir, 'nested', 'memory.db'), pragmas: [], busyBudgetMs: 2000, embeddingModel: 'test-model', embeddingDimension: DIM };
    repo = SqliteBackend.open(options);
  });

  after(async () => {
    await repo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes memory row and vector atomically: a failed vector write leaves no memory', async () => {
    const m = memory();
    await assert.rejects(repo.store.insertWithEmbedding(m, new Float32Array(DIM + 3)));
    assert.equal(await repo.store.findByHash(m.contentHash), null);
    const db = new Database(options.path, { readonly: true });
    sqliteVec.load(db);
    const counts = db.prepare('SELECT (SELECT COUNT(*) FROM memories) AS m, (SELECT COUNT(*) FROM memory_embeddings) AS e').get() as { m: number; e: number };
    db.close();
    assert.equal(counts.m, counts.e);
  });

  it('runs its read workers below the event loop, as the model threads (Linux: per-thread nice values)', { skip: process.platform !== 'linux' }, async () => {
    await repo.store.list({}, 0, 1); // served by a read worker, so its thread has started
    const nice = threadNiceValues();
    const lowered = computeThreadNice(nice.get(process.pid)!);
    assert.ok(lowered > nice.get(process.pid)!, 'the test process already runs at the lowest priority');
    assert.ok([...nice.values()].includes(lowered), `no thread at nice ${lowered}: ${JSON.stringify([...nice])}`);
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

  it('applies configured pragmas at open', async () => {
    const other = SqliteBackend.open({ ...options, path: join(dir, 'pragmas.db'), pragmas: [{ name: 'cache_size', value: '-4321' }] });
    const { pragmas } = await other.status.details();
    assert.equal(pragmas.cache_size, -4321);
    assert.equal(pragmas.journal_mode, 'wal');
    await other.close();
  });

  it('refuses a file that is not a database without modifying it', () => {
    const path = join(dir, 'garbage.db');
    const garbage = Buffer.from('this is not a sqlite database, just some text '.repeat(200));
    writeFileSync(path, garbage);
    assert.throws(
      () => SqliteBackend.open({ ...options, path }),
      (error: Error) => error instanceof DatabaseOpenError && error.message.includes(path),
    );
    assert.deepEqual(readFileSync(path), garbage);
  });

  it('waits for another process holding the write lock, then succeeds; gives up with StorageBusyError after its budget', async () => {
    const blocker = new Database(options.path);
    blocker.pragma('busy_timeout = 0');
    blocker.exec('BEGIN IMMEDIATE');
    const m = memory();
    const pending = repo.store.insertWithEmbedding(m, axis(4));
    setTimeout(() => blocker.exec('COMMIT'), 300);
    assert.equal((await pending).inserted, true);

    const impatient = SqliteBackend.open({ ...options, busyBudgetMs: 300 });
    blocker.exec('BEGIN IMMEDIATE');
    await assert.rejects(impatient.store.insertWithEmbedding(memory(), axis(4)), StorageBusyError);
    blocker.exec('ROLLBACK');
    blocker.close();
    await impatient.close();
  });

  it('takes a query vector still being computed: reads its search state meanwhile, answers as with the vector itself', async () => {
    const query = axis(3, 0.05);
    const hashes = (hits: { memory: Memory }[]): string[] => hits.map((hit) => hit.memory.contentHash);
    const direct = hashes(await repo.vectors.searchByVector(Float32Array.from(query), {}, 3));
    assert.deepEqual(hashes(await repo.vectors.searchByVector(Promise.resolve(query), {}, 3)), direct);
    // Another process moved the file to another model: refused without waiting for the vector.
    const other = new Database(options.path);
    other.prepare("UPDATE service_meta SET value = 'another-model' WHERE key = 'embedding_model'").run();
    try {
      await assert.rejects(repo.vectors.searchByVector(new Promise<Float32Array>(() => undefined), {}, 3), /moved to embedding model "another-model"/);
    } finally {
      other.prepare("UPDATE service_meta SET value = 'test-model' WHERE key = 'embedding_model'").run();
      other.close();
    }
  });

  it('counts memories exactly for term frequencies, and a term again once the changes since could have moved its count by 1%', async () => {
    const batch = (n: number) => Array.from({ length: n }, (_, i) => ({ memory: memory({ content: `count filler ${i}` }), embedding: axis(i % DIM) }));
    await repo.store.insertBatch(batch(300 - (await repo.store.list({}, 0, 1)).total));
    const first = await repo.text.termFrequencies(['filler']);
    assert.equal(first.memories, 300);
    const fillers = first.matching.get('filler')!;
    assert.ok(fillers >= 200, `most memories are fillers (${fillers})`);
    // 1% of the fillers' count is at least 2 changes: two deletes are within it (the kept count
    // stands), more are not. The memories are counted exactly each time (FTS5's own total).
    const doomed = (await repo.store.list({}, 0, 20)).memories.filter((m) => m.content.startsWith('count filler'));
    await repo.store.delete(doomed[0]!.contentHash, 'default');
    await repo.store.delete(doomed[1]!.contentHash, 'default');
    const kept = await repo.text.termFrequencies(['filler']);
    assert.equal(kept.memories, 298);
    assert.equal(kept.matching.get('filler'), fillers);
    for (const m of doomed.slice(2, 2 + Math.ceil(fillers / 100))) await repo.store.delete(m.contentHash, 'default');
    const recounted = await repo.text.termFrequencies(['filler']);
    assert.equal(recounted.matching.get('filler'), fillers - 2 - Math.ceil(fillers / 100));
  });

  it('answers a repeated search from its cache, until any process on the file writes', async () => {
    const other = SqliteBackend.open(options);
    try {
      const query = axis(2, 0.05);
      const first = await repo.vectors.searchByVector(query, {}, 3);
      assert.equal(await repo.vectors.searchByVector(query, {}, 3), first, 'the same answer, not searched again');
      assert.notEqual(await repo.vectors.searchByVector(query, {}, 2), first, 'another limit is another search');
      const closer = memory({ content: 'written by another process' });
      await other.store.insertWithEmbedding(closer, axis(2, 0.01));
      const after = await repo.vectors.searchByVector(query, {}, 3);
      assert.notEqual(after, first);
      assert.equal(after[0]!.memory.contentHash, closer.contentHash);
      // The same numbers in a new vector object are another query (the cache is per query vector).
      assert.deepEqual(
        (await repo.vectors.searchByVector(Float32Array.from(query), {}, 3)).map((h) => h.memory.contentHash),
        after.map((h) => h.memory.contentHash),
      );
    } finally {
      await other.close();
    }
  });

  it('answers a repeated keyword search and term count from its cache, until any process on the file writes', async () => {
    const other = SqliteBackend.open(options);
    try {
      await repo.store.insertWithEmbedding(memory({ content: 'the quarterly llama census' }), axis(5));
      const first = await repo.text.searchByKeywords(['llama'], {}, 5);
      const counts = await repo.text.termFrequencies(['llama']);
      assert.equal(first.length, 1);
      assert.equal(await repo.text.searchByKeywords(['llama'], {}, 5), first, 'the same answer, not searched again');
      assert.equal(await repo.text.termFrequencies(['llama']), counts);
      assert.notEqual(await repo.text.searchByKeywords(['llama'], { memoryType: 'note' }, 5), first, 'another filter is another search');
      await other.store.insertWithEmbedding(memory({ content: 'a llama written by another process' }), axis(6));
      const after = await repo.text.searchByKeywords(['llama'], {}, 5);
      assert.equal(after.length, 2);
      assert.equal((await repo.text.termFrequencies(['llama'])).matching.get('llama'), 2);
    } finally {
      await other.close();
    }
  });
});

describe('SQLite backend: vector table layout', () => {
  /** Gives the file's vector table another declared layout (same rowids and vectors), as an earlier release made it. */
  function relayout(path: string, chunkClause: string): void {
    const db = new Database(path);
    sqliteVec.load(db);
    db.exec('CREATE TABLE keep (id INTEGER PRIMARY KEY, embedding BLOB)');
    db.exec('INSERT INTO keep SELECT rowid, embedding FROM memory_embeddings');
    db.exec('DROP TABLE memory_embeddings');
    db.exec(`CREATE VIRTUAL TABLE memory_embeddings USING vec0(embedding float[${DIM}] distance_metric=cosine${chunkClause})`);
    db.exec('INSERT INTO memory_embeddings (rowid, embedding) SELECT id, embedding FROM keep');
    db.exec('DROP TABLE keep');
    db.close();
  }

  function declaredLayout(path: string): { sql: string; vectors: number } {
    const check = new Database(path, { readonly: true });
    sqliteVec.load(check);
    try {
      return {
        sql: check.prepare("SELECT sql FROM sqlite_master WHERE name = 'memory_embeddings'").pluck().get() as string,
        vectors: check.prepare('SELECT COUNT(*) FROM memory_embeddings').pluck().get() as number,
      };
    } finally {
      check.close();
    }
  }

  it('rebuilds a file with sqlite-vec’s default chunks once with small ones, keeps chunks of 64, and every vector and search result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'repo-rechunk-'));
    const options: SqliteBackendOptions = {
      path: join(dir, 'memory.db'),
      pragmas: [],
      busyBudgetMs: 2000,
      embeddingModel: 'test-model',
      embeddingDimension: DIM,
    };
    const query = axis(3, 0.3);
    const openAndSearch = async (): Promise<{ logs: string[]; hits: string[][] }> => {
      const logs: string[] = [];
      const repo = SqliteBackend.open({ ...options, log: (message) => logs.push(message) });
      try {
        return { logs, hits: (await repo.vectors.searchByVector(query, {}, 10)).map((h) => [h.memory.contentHash, h.distance.toFixed(6)]) };
      } finally {
        await repo.close();
      }
    };
    try {
      const repo = SqliteBackend.open(options);
      for (let i = 0; i < 200; i++) await repo.store.insertWithEmbedding(memory({ content: `vector ${i}` }), axis(i % DIM, (i % 13) / 13));
      await repo.close();
      assert.match(declaredLayout(options.path).sql, /chunk_size=16\b/, 'a new file gets chunks of 16');
      const before = (await openAndSearch()).hits;
      assert.equal(before.length, 10);

      relayout(options.path, '');
      const rebuilt = await openAndSearch();
      assert.deepEqual(rebuilt.hits, before);
      assert.ok(rebuilt.logs.some((line) => line.startsWith('Rebuilt the vector table with chunks of 16 vectors')));
      const layout = declaredLayout(options.path);
      assert.match(layout.sql, /chunk_size=16\b/);
      assert.equal(layout.vectors, 200);
      // Once: the next open leaves it alone.
      assert.ok(!(await openAndSearch()).logs.some((line) => line.startsWith('Rebuilt the vector table')));

      // Chunks of 64 (an earlier release's layout) are kept as they are, and searched the same.
      relayout(options.path, ', chunk_size=64');
      const kept = await openAndSearch();
      assert.deepEqual(kept.hits, before);
      assert.ok(!kept.logs.some((line) => line.startsWith('Rebuilt the vector table')));
      assert.match(declaredLayout(options.path).sql, /chunk_size=64\b/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite backend: keyword search past its postings budget', () => {
  let dir: string;
  let path: string;
  let split: SqliteBackend;
  let raw: Database.Database;
  const commonOnly = 'weekly weekly weekly weekly status status status';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'repo-keywords-'));
    path = join(dir, 'memory.db');
    // A budget of 30 matches. "alpha" (20 long memories: all candidates for 5 results), "zebra" (8), "quarterly report" (12)
    // and "zurich" (12) are rare; "weekly" (~50) and "status" (~60) are common.
    split = SqliteBackend.open({ path, pragmas: [], busyBudgetMs: 2000, embeddingModel: 'test-model', embeddingDimension: DIM, keywordPostingsBudget: 30 });
    const contents: string[] = [];
    for (let i = 0; i < 20; i++) contents.push(`alpha ${i} ${'lorem ipsum '.repeat(12)}${i % 2 === 0 ? 'weekly' : 'monthly'}${i % 3 === 0 ? ' status' : ''}`);
    for (let i = 0; i < 8; i++) contents.push(`Zebra crossing ${i}: ${'weekly '.repeat(i % 3)}status of the zebra-crossing works`);
    for (let i = 0; i < 12; i++) contents.push(`The quarterly report ${i} lists the status of Café Zürich's accounts`);
    for (let i = 0; i < 35; i++) contents.push(`weekly status ${i}: nothing new`);
    for (let i = 0; i < 120; i++) contents.push(`plain note ${i}`);
    // Only common terms, many times: the exact BM25 ranks it first for "alpha weekly status".
    contents.push(commonOnly);
    await split.store.insertBatch(
      contents.map((content, i) => ({
        memory: memory({ content, tags: i >= 20 && i < 40 && i % 4 === 0 ? ['status', 'ops'] : [], memoryType: i % 2 === 0 ? 'note' : null }),
        embedding: axis(i % DIM),
      })),
    );
    raw = new Database(path, { readonly: true });
  });

  after(async () => {
    raw.close();
    await split.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every matching memory by FTS5's own BM25 over all the terms, best first (as the search orders ties). */
  const exact = (terms: string[]): { content: string; score: number }[] =>
    raw
      .prepare(
        `SELECT m.content AS content, -bm25(memory_fts, 1.0, 0.5) AS score FROM memory_fts JOIN memories m ON m.id = memory_fts.rowid
         WHERE memory_fts MATCH ? ORDER BY score DESC, m.created_at DESC`,
      )
      .all(terms.map((t) => `"${t}"`).join(' OR ')) as { content: string; score: number }[];

  it("ranks by the rarer terms and adds the common terms' part of BM25 exactly as FTS5 computes it", async () => {
    const terms = ['alpha', 'weekly', 'status'];
    const hits = await split.text.searchByKeywords(terms, {}, 5);
    const all = exact(terms);
    const scoreOf = new Map(all.map((row) => [row.content, row.score]));
    for (const hit of hits)
      assert.ok(Math.abs(hit.score - scoreOf.get(hit.memory.content)!) < 1e-9, `${hit.memory.content}: ${hit.score} vs ${scoreOf.get(hit.memory.content)}`);
    // The best memories with the rarer term, in the exact ranking's order (weekly and status decide among them)...
    assert.deepEqual(
      hits.map((hit) => hit.memory.content),
      all
        .filter((row) => row.content.startsWith('alpha'))
        .slice(0, 5)
        .map((row) => row.content),
    );
    assert.ok(hits[0]!.memory.content.includes('weekly status'), 'an alpha memory with both common terms first');
    // ...and a memory of common terms only is no candidate, though the exact ranking puts it first.
    assert.equal(all[0]!.content, commonOnly);
    assert.ok(!hits.some((hit) => hit.memory.content === commonOnly));
  });

  it('lets commoner terms rank too while the rarer ones match fewer memories than the candidates wanted', async () => {
    const terms = ['zebra', 'quarterly report', 'zurich', 'weekly', 'status'];
    const hits = await split.text.searchByKeywords(terms, {}, 10);
    const top = exact(terms).slice(0, 10);
    assert.deepEqual(
      hits.map((hit) => hit.memory.content),
      top.map((row) => row.content),
    );
    hits.forEach((hit, i) => assert.ok(Math.abs(hit.score - top[i]!.score) < 1e-9));
  });

  it('applies the filter to the candidates, and ranks terms that fit the budget together by the index alone', async () => {
    const hits = await split.text.searchByKeywords(['alpha', 'weekly', 'status'], { memoryType: 'note' }, 3);
    assert.ok(hits.length === 3 && hits.every((hit) => hit.memory.memoryType === 'note' && hit.memory.content.startsWith('alpha')));
    const scoreOf = new Map(exact(['alpha', 'weekly', 'status']).map((row) => [row.content, row.score]));
    for (const hit of hits) assert.ok(Math.abs(hit.score - scoreOf.get(hit.memory.content)!) < 1e-9);
    const rare = await split.text.searchByKeywords(['zebra', 'zurich'], {}, 30);
    assert.deepEqual(
      rare.map((hit) => [hit.memory.content, hit.score]),
      exact(['zebra', 'zurich']).map((row) => [row.content, row.score]),
    );
  });
});
