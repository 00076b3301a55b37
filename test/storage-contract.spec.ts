import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StorageUnavailableError } from '../src/common/domain-errors.js';
import { EmbeddingSpaceMismatchError } from '../src/storage/embedding-space-mismatch.error.js';
import type { Change } from '../src/storage/change-log.js';
import type { Memory, TagFilter, TagMatch } from '../src/storage/memory.js';
import { PostgresBackend } from '../src/storage/postgres/postgres-backend.js';
import { SqliteBackend } from '../src/storage/sqlite/sqlite-backend.js';
import type { StorageBackend } from '../src/storage/storage-backend.js';
import { createTestDatabase, TEST_BACKENDS } from './helpers/postgres.js';
import { waitUntil } from './helpers/wait.js';
import { axisVector, unit } from './helpers/vectors.js';

/**
 * The storage contract (src/storage/roles.ts and the change feed), role by role, run against every
 * backend: the services above may rely on exactly this and nothing backend-specific. Vectors are
 * small, hand-made unit vectors so that the expected order of every search is known.
 */
const DIM = 8;
const MODEL = 'contract-model';

const axis = (i: number, tilt = 0): Float32Array => axisVector(DIM, i, tilt);

const cosineDistance = (a: Float32Array, b: Float32Array): number => 1 - a.reduce((sum, x, i) => sum + x * b[i]!, 0);

interface Backend {
  open(model?: string, dimension?: number, keywordPostingsBudget?: number): Promise<StorageBackend>;
  cleanup(): Promise<void>;
}

async function sqliteBackend(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'contract-'));
  const path = join(dir, 'memory.db');
  return {
    open: async (model = MODEL, dimension = DIM, keywordPostingsBudget?: number) =>
      SqliteBackend.open({ path, pragmas: [], busyBudgetMs: 5000, embeddingModel: model, embeddingDimension: dimension, keywordPostingsBudget }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `efSearch`: how many vectors an HNSW search looks at (the server's MCP_POSTGRES_EF_SEARCH). */
async function postgresBackend(efSearch = 100): Promise<Backend> {
  const database = await createTestDatabase();
  return {
    open: (model = MODEL, dimension = DIM, keywordPostingsBudget?: number) =>
      PostgresBackend.open({ url: database.url, poolSize: 4, efSearch, embeddingModel: model, embeddingDimension: dimension, keywordPostingsBudget }),
    cleanup: () => database.drop(),
  };
}

for (const kind of TEST_BACKENDS) {
  describe(`storage contract, role by role: ${kind}`, () => {
    let backend: Backend;
    let repo: StorageBackend;
    const run = randomBytes(4).toString('hex');
    let seq = 0;
    const memory = (overrides: Partial<Memory> = {}): Memory => {
      seq += 1;
      const at = 1_700_000_000 + seq * 10 + 0.25;
      return {
        contentHash: `${run}${seq.toString(16).padStart(56, '0')}`,
        space: 'default',
        content: `memory ${seq}`,
        tags: [],
        memoryType: null,
        metadata: {},
        createdAt: at,
        updatedAt: at,
        ...overrides,
      };
    };
    const hashes = (list: { contentHash: string }[]): string[] => list.map((m) => m.contentHash);
    /** A backend of its own, for a test that needs an empty database (closed and dropped after). */
    const withFreshBackend = async (
      use: (repo: StorageBackend, another: (keywordPostingsBudget: number) => Promise<StorageBackend>) => Promise<void>,
      options: { efSearch?: number; dimension?: number; keywordPostingsBudget?: number } = {},
    ): Promise<void> => {
      const fresh = kind === 'postgres' ? await postgresBackend(options.efSearch) : await sqliteBackend();
      const opened = [await fresh.open(MODEL, options.dimension, options.keywordPostingsBudget)];
      try {
        // Another backend on the same database (closed with the first).
        await use(opened[0]!, async (keywordPostingsBudget) => {
          opened.push(await fresh.open(MODEL, options.dimension, keywordPostingsBudget));
          return opened.at(-1)!;
        });
      } finally {
        for (const backend of opened) await backend.close();
        await fresh.cleanup();
      }
    };

    before(async () => {
      backend = kind === 'postgres' ? await postgresBackend() : await sqliteBackend();
      repo = await backend.open();
    });

    after(async () => {
      await repo.close();
      await backend.cleanup();
    });

    describe('MemoryStore', () => {
      it('stores a memory with its vector and reads both back exactly (tags, type, metadata, fractional times)', async () => {
        const m = memory({ tags: ['a', 'b'], memoryType: 'note', metadata: { source: 'test', n: 1, nested: { ok: true } }, content: 'Ünïcødé 🚀 text' });
        const outcome = await repo.store.insertWithEmbedding(m, axis(0));
        assert.deepEqual(outcome, { inserted: true, memory: m });
        assert.deepEqual(await repo.store.findByHash(m.contentHash), m);
        const vector = await repo.store.findEmbedding(m.contentHash);
        assert.ok(vector);
        for (let i = 0; i < DIM; i++) assert.ok(Math.abs(vector[i]! - axis(0)[i]!) < 1e-6);
        assert.equal(await repo.store.findByHash('0'.repeat(64)), null);
        assert.equal(await repo.store.findEmbedding('0'.repeat(64)), null);
      });

      it('reports an existing hash instead of overwriting it', async () => {
        const m = memory({ content: 'original' });
        await repo.store.insertWithEmbedding(m, axis(1));
        const again = await repo.store.insertWithEmbedding({ ...m, content: 'other' }, axis(2));
        assert.equal(again.inserted, false);
        assert.equal(again.inserted === false && again.existing.content, 'original');
        assert.equal((await repo.store.findByHash(m.contentHash))?.content, 'original');
      });

      it('writes a batch in one transaction: new ones counted, existing hashes skipped, all searchable', async () => {
        const existing = memory({ content: 'already here' });
        await repo.store.insertWithEmbedding(existing, axis(1));
        const batch = [existing, memory({ tags: ['batch'] }), memory({ tags: ['batch'] }), memory({ tags: ['batch'], memoryType: 'note' })];
        assert.equal(await repo.store.insertBatch(batch.map((m, i) => ({ memory: m, embedding: axis(i % DIM) }))), 3);
        for (const m of batch.slice(1)) assert.deepEqual(await repo.store.findByHash(m.contentHash), m);
        assert.equal((await repo.store.list({ tags: { tags: ['batch'], match: 'any' } }, 0, 10)).total, 3);
        const nearest = await repo.vectors.searchByVector(axis(3), { tags: { tags: ['batch'], match: 'any' } }, 1);
        assert.deepEqual(hashes(nearest.map((h) => h.memory)), hashes([batch[3]!]));
        assert.equal(await repo.store.insertBatch([]), 0);
      });

      it('tells which hashes exist and scans every memory in stored order, a page at a time, with or without vectors', async () => {
        const a = memory({ content: 'scan a' });
        const b = memory({ content: 'scan b' });
        await repo.store.insertBatch([
          { memory: a, embedding: axis(1) },
          { memory: b, embedding: axis(2) },
        ]);
        assert.deepEqual(await repo.store.existingHashes([a.contentHash, 'f'.repeat(64), b.contentHash], 'default'), new Set([a.contentHash, b.contentHash]));
        assert.deepEqual(await repo.store.existingHashes([], 'default'), new Set());
        const seen: { memory: Memory; embedding: Float32Array | null }[] = [];
        let pages = 0;
        for (let after: number | null = 0; after !== null; pages++) {
          const page = await repo.store.scan(after, 3, true);
          assert.ok(page.entries.length <= 3);
          seen.push(...page.entries);
          after = page.next;
        }
        const total = (await repo.status.statistics()).totalMemories;
        assert.equal(seen.length, total);
        assert.ok(pages >= Math.ceil(total / 3));
        const at = seen.findIndex((e) => e.memory.contentHash === a.contentHash);
        assert.deepEqual(seen[at]!.memory, a);
        assert.equal(seen[at + 1]!.memory.contentHash, b.contentHash, 'stored order');
        assert.ok(Math.abs(seen[at + 1]!.embedding![2]! - 1) < 1e-6);
        const bare = await repo.store.scan(0, 1000, false);
        assert.ok(bare.entries.every((e) => e.embedding === null));
      });

      it('refuses a vector of the wrong dimension and writes nothing', async () => {
        const m = memory();
        await assert.rejects(repo.store.insertWithEmbedding(m, new Float32Array(DIM + 3).fill(0.1)));
        assert.equal(await repo.store.findByHash(m.contentHash), null);
      });

      it('lists newest first with tag any/all, type and time filters; counts the total; pages', async () => {
        const x = memory({ tags: ['list-x', 'list-y'], memoryType: 'decision' });
        const y = memory({ tags: ['list-x'] });
        const z = memory({ tags: ['list-y'], memoryType: 'decision' });
        for (const m of [x, y, z]) await repo.store.insertWithEmbedding(m, axis(3));
        const any = await repo.store.list({ tags: { tags: ['list-x', 'list-y'], match: 'any' } }, 0, 10);
        assert.deepEqual(hashes(any.memories), hashes([z, y, x]));
        assert.equal(any.total, 3);
        const all = await repo.store.list({ tags: { tags: ['list-x', 'list-y'], match: 'all' } }, 0, 10);
        assert.deepEqual(hashes(all.memories), hashes([x]));
        const typed = await repo.store.list({ memoryType: 'decision', tags: { tags: ['list-y'], match: 'any' } }, 0, 1);
        assert.deepEqual([typed.total, hashes(typed.memories)], [2, hashes([z])]);
        const second = await repo.store.list({ memoryType: 'decision', tags: { tags: ['list-y'], match: 'any' } }, 1, 1);
        assert.deepEqual(hashes(second.memories), hashes([x]));
        // createdFrom is inclusive, createdBefore exclusive.
        const window = await repo.store.list(
          { tags: { tags: ['list-x', 'list-y'], match: 'any' }, createdFrom: y.createdAt, createdBefore: z.createdAt },
          0,
          10,
        );
        assert.deepEqual(hashes(window.memories), hashes([y]));
        // find: the same page without the count.
        assert.deepEqual(hashes(await repo.store.find({ tags: { tags: ['list-x', 'list-y'], match: 'any' } }, 1, 2)), hashes([y, x]));
        assert.deepEqual(hashes(await repo.store.find({ memoryType: 'decision', tags: { tags: ['list-y'], match: 'any' } }, 0, 10)), hashes([z, x]));
        const beyond = await repo.store.list({ tags: { tags: ['list-x'], match: 'any' } }, 50, 10);
        assert.deepEqual([beyond.total, beyond.memories.length], [2, 0]);
      });

      it('pages a common tag and a rare one alike: newest first at every offset, any and all (both ways a page can be read)', async () => {
        const batch = Array.from({ length: 80 }, (_, i) => memory({ tags: [...(i % 8 !== 0 ? ['page-wide'] : []), ...(i % 40 === 3 ? ['page-narrow'] : [])] }));
        await repo.store.insertBatch(batch.map((m) => ({ memory: m, embedding: axis(1) })));
        const newestFirst = (list: Memory[]) => [...list].sort((a, b) => b.createdAt - a.createdAt);
        const expect = (predicate: (m: Memory) => boolean) => hashes(newestFirst(batch.filter(predicate)));
        const cases: [TagFilter, string[]][] = [
          [{ tags: ['page-wide'], match: 'any' }, expect((m) => m.tags.includes('page-wide'))],
          [{ tags: ['page-narrow'], match: 'any' }, expect((m) => m.tags.includes('page-narrow'))],
          [{ tags: ['page-wide', 'page-narrow'], match: 'all' }, expect((m) => m.tags.includes('page-wide') && m.tags.includes('page-narrow'))],
          [{ tags: ['page-wide', 'page-none'], match: 'all' }, []],
        ];
        for (const [tags, expected] of cases) {
          for (const [offset, limit] of [
            [0, 5],
            [3, 10],
            [60, 20],
          ] as const) {
            assert.deepEqual(
              hashes(await repo.store.find({ tags }, offset, limit)),
              expected.slice(offset, offset + limit),
              `${JSON.stringify(tags)} ${offset}`,
            );
            const page = await repo.store.list({ tags }, offset, limit);
            assert.deepEqual([page.total, hashes(page.memories)], [expected.length, expected.slice(offset, offset + limit)]);
          }
        }
      });

      it('updates tags and type and merges metadata; deletes the memory, its tags and its vector together', async () => {
        const m = memory({ tags: ['before'], metadata: { keep: 1, change: 'old' } });
        await repo.store.insertWithEmbedding(m, axis(7));
        const updated = await repo.store.update(m.contentHash, 'default', {
          tags: ['after'],
          memoryType: 'todo',
          metadata: { change: 'new' },
          updatedAt: m.updatedAt + 5,
        });
        assert.deepEqual(updated, { ...m, tags: ['after'], memoryType: 'todo', metadata: { keep: 1, change: 'new' }, updatedAt: m.updatedAt + 5 });
        assert.deepEqual(await repo.store.findByHash(m.contentHash), updated);
        assert.equal((await repo.store.list({ tags: { tags: ['before'], match: 'any' } }, 0, 10)).total, 0);
        assert.equal((await repo.store.list({ tags: { tags: ['after'], match: 'any' } }, 0, 10)).total, 1);
        assert.equal(await repo.store.update('f'.repeat(64), 'default', { updatedAt: 1 }), null);

        assert.equal(await repo.store.delete(m.contentHash, 'default'), true);
        assert.equal(await repo.store.delete(m.contentHash, 'default'), false);
        assert.equal(await repo.store.findByHash(m.contentHash), null);
        assert.equal(await repo.store.findEmbedding(m.contentHash), null);
        assert.equal((await repo.store.list({ tags: { tags: ['after'], match: 'any' } }, 0, 10)).total, 0);
        assert.ok(!hashes((await repo.vectors.searchByVector(axis(7), {}, 50)).map((h) => h.memory)).includes(m.contentHash));
      });
    });

    describe('VectorSearch', () => {
      it('finds nearest vectors first, with the true cosine distance, under tag, time and exclusion filters', async () => {
        const near = memory({ tags: ['knn'] });
        const mid = memory({ tags: ['knn', 'other'] });
        const far = memory({ tags: ['knn'] });
        await repo.store.insertWithEmbedding(near, axis(5, 0.1));
        await repo.store.insertWithEmbedding(mid, axis(5, 1));
        await repo.store.insertWithEmbedding(far, axis(6));
        const unfiltered = await repo.vectors.searchByVector(axis(5), {}, 2);
        assert.deepEqual(hashes(unfiltered.map((h) => h.memory)), hashes([near, mid]));
        assert.ok(Math.abs(unfiltered[0]!.distance - cosineDistance(axis(5), axis(5, 0.1))) < 1e-4);
        assert.ok(Math.abs(unfiltered[1]!.distance - cosineDistance(axis(5), axis(5, 1))) < 1e-4);
        const filtered = await repo.vectors.searchByVector(axis(5), { tags: { tags: ['knn'], match: 'any' } }, 10);
        assert.deepEqual(hashes(filtered.map((h) => h.memory)), hashes([near, mid, far]));
        const both = await repo.vectors.searchByVector(axis(5), { tags: { tags: ['knn', 'other'], match: 'all' } }, 10);
        assert.deepEqual(hashes(both.map((h) => h.memory)), hashes([mid]));
        const excluded = await repo.vectors.searchByVector(axis(5), { excludeHash: near.contentHash }, 1);
        assert.deepEqual(hashes(excluded.map((h) => h.memory)), hashes([mid]));
        const timed = await repo.vectors.searchByVector(axis(5), { createdFrom: mid.createdAt, createdBefore: far.createdAt + 1 }, 10);
        assert.deepEqual(hashes(timed.map((h) => h.memory)), hashes([mid, far]));
        assert.deepEqual(await repo.vectors.searchByVector(axis(5), { memoryType: 'no-such-type' }, 10), []);
      });

      it('returns `limit` results, nearest first, under a filter that keeps 1% of the memories', async () => {
        const random = (i: number): Float32Array => unit(Array.from({ length: DIM }, (_, d) => Math.sin(i * 12.9898 + d * 78.233) + 0.01));
        const batch = Array.from({ length: 3000 }, (_, i) => ({ memory: memory({ tags: i % 100 === 0 ? ['selective'] : ['bulk'] }), embedding: random(i) }));
        for (let i = 0; i < batch.length; i += 500) await repo.store.insertBatch(batch.slice(i, i + 500));
        const hits = await repo.vectors.searchByVector(random(7), { tags: { tags: ['selective'], match: 'any' } }, 10);
        assert.equal(hits.length, 10);
        assert.ok(hits.every((h) => h.memory.tags.includes('selective')));
        for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.distance <= hits[i]!.distance);
      });

      it('finds the nearest of thousands of near-duplicates, as their exact distances rank them', async () => {
        await withFreshBackend(
          async (own) => {
            // Copies of one vector a hair apart (a note stored again and again), among scattered others.
            const dimension = 64;
            const scattered = (i: number): Float32Array => unit(Array.from({ length: dimension }, (_, d) => Math.sin(i * 12.9898 + d * 78.233)));
            const copy = (i: number): Float32Array =>
              unit(Array.from({ length: dimension }, (_, d) => (d === 0 ? 1 : 0) + 0.01 * Math.sin(i * 7.31 + d * 3.17)));
            const rows = Array.from({ length: 2000 }, (_, i) => ({ memory: memory(), embedding: i % 2 === 0 ? copy(i) : scattered(i) }));
            for (let i = 0; i < rows.length; i += 500) await own.store.insertBatch(rows.slice(i, i + 500));
            for (const q of [1, 2, 3]) {
              const query = copy(100_000 + q);
              const tenth = rows.map((row) => cosineDistance(query, row.embedding)).sort((a, b) => a - b)[9]!;
              const found = await own.vectors.searchByVector(query, {}, 10);
              assert.equal(found.length, 10);
              // Near ties may come in either order: each result is as near as the tenth nearest (float32 rounding aside).
              assert.ok(
                found.every((hit) => hit.distance <= tenth + 1e-5),
                `query ${q}: ${found.filter((hit) => hit.distance > tenth + 1e-5).length} of 10 farther than the tenth nearest`,
              );
            }
          },
          // PostgreSQL with its smallest ef_search setting: the copies far outnumber what one index search looks at.
          { efSearch: 10, dimension: 64 },
        );
      });
    });

    describe('TextSearch', () => {
      it('past its postings budget, takes candidates from the rarer terms and ranks them by every term, as ranking every term would', async () => {
        await withFreshBackend(
          async (own, another) => {
            const contents: string[] = [];
            for (let i = 0; i < 20; i++)
              contents.push(`alpha ${i} ${'lorem ipsum '.repeat(12)}${i % 2 === 0 ? 'weekly' : 'monthly'}${i % 3 === 0 ? ' status' : ''}`);
            for (let i = 0; i < 60; i++) contents.push(`weekly status ${i}: nothing new`);
            for (let i = 0; i < 120; i++) contents.push(`plain note ${i}`);
            const commonOnly = 'weekly weekly weekly weekly status status status';
            contents.push(commonOnly);
            await own.store.insertBatch(contents.map((content, i) => ({ memory: memory({ content }), embedding: axis(i % DIM) })));
            // PostgreSQL estimates how many memories a word matches from the planner's statistics.
            if (kind === 'postgres') await own.sideTables.query('ANALYZE memories', []);
            const everyTerm = await another(1_000_000_000);
            const terms = ['alpha', 'weekly', 'status'];
            const hits = await own.text.searchByKeywords(terms, {}, 5);
            const exact = await everyTerm.text.searchByKeywords(terms, {}, 500);
            assert.equal(hits.length, 5);
            assert.ok(exact.some((hit) => hit.memory.content === commonOnly));
            assert.ok(
              hits.every((hit) => hit.memory.content.startsWith('alpha')),
              `candidates come from the rarer term: ${hits.map((hit) => hit.memory.content.slice(0, 12)).join(' | ')}`,
            );
            // Each scored as when every term ranks, and the best of the rarer term's memories in that order.
            const scoreOf = new Map(exact.map((hit) => [hit.memory.contentHash, hit.score]));
            for (const hit of hits) assert.ok(Math.abs(hit.score - scoreOf.get(hit.memory.contentHash)!) < 1e-6);
            const bestAlpha = exact.filter((hit) => hit.memory.content.startsWith('alpha')).slice(0, 5);
            assert.deepEqual(
              hits.map((hit) => hit.score),
              bestAlpha.map((hit) => hit.score),
            );
          },
          { keywordPostingsBudget: 30 },
        );
      });

      it('searches keywords in content and tags, literally (query syntax is just text), and the cosine distances of named memories', async () => {
        const giraffe = memory({ content: 'The giraffe enclosure opens at nine', tags: ['zoo'] });
        const tagged = memory({ content: 'Feeding schedule for the afternoon', tags: ['giraffe'] });
        const other = memory({ content: 'Quarterly budget review notes' });
        await repo.store.insertWithEmbedding(giraffe, axis(2));
        await repo.store.insertWithEmbedding(tagged, axis(3));
        await repo.store.insertWithEmbedding(other, axis(4));
        const hits = await repo.text.searchByKeywords(['giraffe'], {}, 10);
        assert.deepEqual(new Set(hashes(hits.map((h) => h.memory))), new Set(hashes([giraffe, tagged])));
        assert.ok(hits.every((h) => Number.isFinite(h.score)));
        const distances = await repo.vectors.distances(axis(2), [giraffe.contentHash, tagged.contentHash, 'absent']);
        assert.equal(distances.size, 2);
        assert.ok(Math.abs(distances.get(giraffe.contentHash)!.distance) < 1e-4);
        assert.ok(Math.abs(distances.get(tagged.contentHash)!.distance - 1) < 1e-4, 'orthogonal vectors are at distance 1');
        const filtered = await repo.text.searchByKeywords(['giraffe'], { tags: { tags: ['zoo'], match: 'any' } }, 10);
        assert.deepEqual(hashes(filtered.map((h) => h.memory)), hashes([giraffe]));
        for (const hostile of ['"', 'giraffe OR budget', 'NEAR(', '*', "'; DROP TABLE memories; --", '\\', ':']) {
          const result = await repo.text.searchByKeywords([hostile], {}, 10);
          assert.ok(Array.isArray(result), hostile);
        }
        assert.ok(!hashes((await repo.text.searchByKeywords(['giraffe OR budget'], {}, 10)).map((h) => h.memory)).includes(other.contentHash));
      });

      it('ranks keyword matches under a tag filter (any of, all of) as the unfiltered ranking restricted to it, hidden memories left out', async () => {
        const word = `wombat${run}`;
        const rows = Array.from({ length: 60 }, (_, i) =>
          memory({
            // Each of its own length: BM25 orders them without ties.
            content: `${word} note ${i}${' filler'.repeat(i)}`,
            tags: [...(i % 3 === 0 ? ['burrow'] : []), ...(i % 4 === 0 ? ['night'] : [])],
            ...(i === 12 ? { expiresAt: 1 } : {}),
          }),
        );
        await repo.store.insertBatch(rows.map((m, i) => ({ memory: m, embedding: axis(i % 8) })));
        const all = await repo.text.searchByKeywords([word], {}, 100);
        assert.equal(all.length, 59, 'the expired memory is left out');
        const cases: [string[], TagMatch][] = [
          [['burrow'], 'any'],
          [['burrow', 'night'], 'any'],
          [['burrow', 'night'], 'all'],
        ];
        for (const [tags, match] of cases) {
          const keeps = (m: Memory): boolean => (match === 'any' ? tags.some((t) => m.tags.includes(t)) : tags.every((t) => m.tags.includes(t)));
          const filtered = await repo.text.searchByKeywords([word], { tags: { tags, match } }, 10);
          const expected = all.filter((hit) => keeps(hit.memory)).slice(0, 10);
          assert.deepEqual(hashes(filtered.map((h) => h.memory)), hashes(expected.map((h) => h.memory)), `${match} of ${tags.join(', ')}`);
        }
      });

      it('counts the memories each term matches (content and tags, phrases as phrases), and all memories (to 1%)', async () => {
        const terms = ['okapi', 'savanna', 'okapi enclosure', 'never-seen-word'];
        const before = await repo.text.termFrequencies(terms);
        await repo.store.insertBatch([
          { memory: memory({ content: 'An okapi at the zoo' }), embedding: axis(1) },
          { memory: memory({ content: 'The okapi enclosure is closed', tags: ['savanna'] }), embedding: axis(2) },
          { memory: memory({ content: 'Feeding times', tags: ['okapi'] }), embedding: axis(3) },
        ]);
        const after = await repo.text.termFrequencies(terms);
        // A backend may keep its count of all memories until the changes since could move it by 1% (SQLite).
        const total = (await repo.store.list({}, 0, 1)).total;
        assert.ok(Math.abs(after.memories - total) <= total / 100, `${after.memories} memories counted, ${total} stored`);
        assert.deepEqual(
          terms.map((term) => after.matching.get(term)! - before.matching.get(term)!),
          [3, 1, 1, 0],
        );
        assert.deepEqual((await repo.text.termFrequencies([])).matching, new Map());
      });

      it('finds memories containing a text, case-insensitively, newest first', async () => {
        const a = memory({ content: 'Deploy window is Tuesday NIGHT' });
        const b = memory({ content: 'the deploy window moved' });
        await repo.store.insertWithEmbedding(a, axis(1));
        await repo.store.insertWithEmbedding(b, axis(1));
        assert.deepEqual(hashes(await repo.text.findContaining('DEPLOY WINDOW', {}, 10)), hashes([b, a]));
        assert.deepEqual(hashes(await repo.text.findContaining('deploy window', {}, 1)), hashes([b]));
        assert.deepEqual(await repo.text.findContaining('100%_literal', {}, 10), []);
      });
    });

    describe('StorageStatus', () => {
      it('counts tags (most used first) and reports statistics and details that agree', async () => {
        const counts = await repo.status.tagCounts();
        assert.ok(counts.length > 0);
        for (let i = 1; i < counts.length; i++) assert.ok(counts[i - 1]!.count >= counts[i]!.count);
        assert.equal(counts.find((c) => c.tag === 'knn')?.count, 3);
        const stats = await repo.status.statistics();
        assert.equal(stats.totalTags, counts.length);
        assert.equal(stats.totalMemories, (await repo.store.list({}, 0, 1)).total);
        const details = await repo.status.details();
        assert.deepEqual([details.embeddingModel, details.embeddingDimension], [MODEL, DIM]);
        assert.ok(details.databaseSizeBytes > 0 && details.schemaVersion > 0);
        await repo.status.ping();
        assert.equal(repo.status.lastWriteFailure(), null);
      });

      it("counts memories per calendar day of the viewer's time zone, from a given instant", async () => {
        const at = (iso: string): number => Date.parse(iso) / 1000;
        for (const iso of ['2024-03-10T23:30:00Z', '2024-03-11T00:30:00Z', '2024-03-11T10:00:00Z']) {
          await repo.store.insertWithEmbedding(memory({ createdAt: at(iso), updatedAt: at(iso) }), axis(0));
        }
        const from = at('2024-03-01T00:00:00Z');
        assert.deepEqual(await repo.status.createdPerDay(from, 0), [
          { day: '2024-03-10', count: 1 },
          { day: '2024-03-11', count: 2 },
        ]);
        assert.deepEqual(await repo.status.createdPerDay(from, 3600), [{ day: '2024-03-11', count: 3 }]);
        assert.deepEqual(await repo.status.createdPerDay(from, -3600), [
          { day: '2024-03-10', count: 2 },
          { day: '2024-03-11', count: 1 },
        ]);
        assert.deepEqual(await repo.status.createdPerDay(at('2024-03-11T00:00:00Z'), 0), [{ day: '2024-03-11', count: 2 }]);
      });
    });

    describe('change feed (EventLog)', () => {
      it("hands every write's change to subscribers in order, and replays the retained ones after an id", async () => {
        const log = await repo.openEventLog();
        const seen: Change[] = [];
        try {
          log.subscribe((change) => seen.push(change));
          const m = memory({ tags: ['feed'] });
          await repo.store.insertWithEmbedding(m, axis(0));
          log.poll();
          await repo.store.update(m.contentHash, 'default', { tags: ['feed', 'changed'], updatedAt: m.updatedAt + 1 });
          log.poll();
          await repo.store.delete(m.contentHash, 'default');
          log.poll();
          await log.append('backup_created', { backup_id: 'contract' });
          await waitUntil(() => seen.some((change) => change.type === 'backup_created'), { what: 'the appended change' });
          assert.deepEqual(
            seen.map((change) => [change.type, change.payload.content_hash ?? change.payload.backup_id]),
            [
              ['memory_stored', m.contentHash],
              ['memory_updated', m.contentHash],
              ['memory_deleted', m.contentHash],
              ['backup_created', 'contract'],
            ],
          );
          for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.id > seen[i - 1]!.id, 'increasing ids');
          assert.deepEqual(
            (await log.since(log.startId))?.map((change) => change.id),
            seen.map((change) => change.id),
          );
          assert.deepEqual(await log.since(log.lastId), []);
          assert.equal(await log.since(log.lastId + 1000), null, 'an id never issued');
        } finally {
          await log.close();
        }
      });
    });

    describe('passages', () => {
      it("stores a long memory's passages with it: a query near one finds the memory (one result, the passage named), whole-text searches ignore them, delete removes them", async () => {
        await withFreshBackend(async (own) => {
          const long = memory({ content: 'x'.repeat(1200), tags: ['long'] });
          const short = memory({ tags: ['short'] });
          const passages = [
            { start: 10, end: 20, vector: axis(3) },
            { start: 30, end: 40, vector: axis(4) },
          ];
          await own.store.insertWithEmbedding(long, axis(0), passages);
          await own.store.insertWithEmbedding(short, axis(3, 1));
          const found = await own.vectors.searchByVector(axis(3), {}, 5);
          assert.deepEqual(hashes(found.map((h) => h.memory)), hashes([long, short]), 'one result per memory, nearest vector first');
          assert.deepEqual(found[0]!.passage, { start: 10, end: 20 });
          assert.ok(Math.abs(found[0]!.distance) < 1e-4);
          assert.equal(found[1]!.passage, undefined);
          const filtered = await own.vectors.searchByVector(axis(4), { tags: { tags: ['long'], match: 'any' } }, 5);
          assert.deepEqual(
            filtered.map((h) => h.passage),
            [{ start: 30, end: 40 }],
          );
          assert.deepEqual(hashes((await own.vectors.searchByVector(axis(3), { excludeHash: long.contentHash }, 5)).map((h) => h.memory)), hashes([short]));
          const whole = await own.vectors.searchByVector(axis(3), {}, 5, { wholeText: true });
          assert.deepEqual(hashes(whole.map((h) => h.memory)), hashes([short, long]), 'whole texts only');
          assert.ok(whole.every((h) => h.passage === undefined));
          assert.deepEqual(
            hashes((await own.vectors.searchByVector(axis(3), {}, 1, { wholeText: true })).map((h) => h.memory)),
            hashes([short]),
            'a passage nearer than every whole text takes no place in a whole-text search',
          );
          const distances = await own.vectors.distances(axis(4), [long.contentHash, short.contentHash]);
          assert.deepEqual(distances.get(long.contentHash)?.passage, { start: 30, end: 40 });
          assert.equal(distances.get(short.contentHash)?.passage, undefined);
          const read = await own.store.findPassages(long.contentHash);
          assert.deepEqual(
            read.map(({ start, end }) => [start, end]),
            [
              [10, 20],
              [30, 40],
            ],
          );
          assert.ok(Math.abs(cosineDistance(read[1]!.vector, axis(4))) < 1e-6);
          assert.deepEqual(await own.store.findPassages(short.contentHash), []);
          const scanned = await own.store.scan(0, 10, true);
          assert.deepEqual(
            scanned.entries.map((e) => e.passages?.length),
            [2, 0],
          );
          // A copy to another space carries the passages; deleting one copy leaves the other's.
          await own.store.transferSpace('default', 'copy', true, 0, 10, null);
          await own.store.delete(long.contentHash, 'default');
          const afterDelete = await own.vectors.searchByVector(axis(3), {}, 5);
          assert.deepEqual(
            afterDelete.map((h) => [h.memory.space, h.passage]),
            [
              ['copy', { start: 10, end: 20 }],
              ['default', undefined],
              ['copy', undefined],
            ],
          );
          await own.store.delete(long.contentHash, 'copy');
          assert.deepEqual(hashes((await own.vectors.searchByVector(axis(4), {}, 5)).map((h) => h.memory)).includes(long.contentHash), false);
        });
      });

      it('lists long memories without passages and adds passages to one once (a memory stored before passages existed)', async () => {
        await withFreshBackend(async (own) => {
          const older = memory({ content: 'z'.repeat(1100) });
          const withPassages = memory({ content: 'w'.repeat(1100) });
          const short = memory({ content: 'short' });
          await own.store.insertWithEmbedding(older, axis(0));
          await own.store.insertWithEmbedding(withPassages, axis(1), [{ start: 0, end: 3, vector: axis(2) }]);
          await own.store.insertWithEmbedding(short, axis(3));
          const pending = await own.store.withoutPassages(0, 10, 1000);
          assert.deepEqual(
            pending.map((p) => p.content),
            [older.content],
          );
          assert.deepEqual(await own.store.withoutPassages(pending[0]!.ref, 10, 1000), [], 'the cursor moves on');
          assert.equal(await own.store.addPassages(pending[0]!.ref, [{ start: 5, end: 9, vector: axis(6) }]), true);
          assert.equal(await own.store.addPassages(pending[0]!.ref, [{ start: 1, end: 2, vector: axis(7) }]), false, 'once');
          assert.equal(await own.store.addPassages(987_654, [{ start: 1, end: 2, vector: axis(7) }]), false, 'a memory that is gone');
          assert.deepEqual(await own.store.withoutPassages(0, 10, 1000), []);
          assert.deepEqual((await own.vectors.searchByVector(axis(6), {}, 1))[0]!.passage, { start: 5, end: 9 });
        });
      });

      it('re-embeds passages with their memory: the staged ones replace the old at the switch', async () => {
        const next = (i: number): Float32Array => unit([1, i, 0, 0]);
        await withFreshBackend(async (staged) => {
          const long = memory({ content: 'y'.repeat(1500) });
          await staged.store.insertWithEmbedding(long, axis(0), [{ start: 0, end: 5, vector: axis(1) }]);
          await staged.reembed.begin('next-model', 4);
          const [pending] = await staged.reembed.pending(0, 10);
          await staged.reembed.store([{ ref: pending!.ref, embedding: next(0), passages: [{ start: 100, end: 200, vector: next(5) }] }]);
          assert.equal(await staged.reembed.complete('next-model', 4), 1);
          const found = await staged.vectors.searchByVector(next(5), {}, 1);
          assert.deepEqual(found[0]?.passage, { start: 100, end: 200 });
          assert.deepEqual(
            (await staged.store.findPassages(long.contentHash)).map(({ start, end }) => [start, end]),
            [[100, 200]],
          );
        });
      });
    });

    describe('ReembedStaging', () => {
      it('keeps new vectors beside the current ones and swaps them in only once every memory has one', async () => {
        const next = (i: number): Float32Array => unit([1, i, 0, 0]);
        await withFreshBackend(async (staged) => {
          const originals = [memory(), memory(), memory()];
          await staged.store.insertBatch(originals.map((m, i) => ({ memory: m, embedding: axis(i) })));
          // Another target starts over: what was staged for the first is dropped.
          await staged.reembed.begin('discarded-model', 4);
          await staged.reembed.store([{ ref: (await staged.reembed.pending(0, 1))[0]!.ref, embedding: next(0) }]);
          await staged.reembed.begin('next-model', 4);
          assert.deepEqual(await staged.reembed.progress(), { done: 0, total: 3 });

          const pending = await staged.reembed.pending(0, 10);
          assert.deepEqual(
            pending.map((p) => p.content),
            originals.map((m) => m.content),
          );
          await staged.reembed.store([{ ref: pending[0]!.ref, embedding: next(0) }]);
          assert.deepEqual(await staged.reembed.progress(), { done: 1, total: 3 });
          assert.deepEqual(
            (await staged.reembed.pending(0, 10)).map((p) => p.ref),
            pending.slice(1).map((p) => p.ref),
          );
          assert.equal(await staged.reembed.complete('next-model', 4), null, 'not while a memory lacks its new vector');
          assert.equal((await staged.status.details()).embeddingModel, MODEL);

          // The same target again keeps what was staged.
          await staged.reembed.begin('next-model', 4);
          assert.equal((await staged.reembed.progress()).done, 1);
          await staged.reembed.store(pending.slice(1).map((p, i) => ({ ref: p.ref, embedding: next(i + 1) })));
          assert.equal(await staged.reembed.complete('next-model', 4), 3);
          const details = await staged.status.details();
          assert.deepEqual([details.embeddingModel, details.embeddingDimension], ['next-model', 4]);
          assert.deepEqual(hashes((await staged.vectors.searchByVector(next(0), {}, 3)).map((h) => h.memory)), hashes(originals));
        });
      });
    });

    describe('opening and closing', () => {
      it('refuses to open a database built with another embedding model, naming both', async () => {
        await assert.rejects(
          async () => backend.open('other-model', 16),
          (error: Error) => error instanceof EmbeddingSpaceMismatchError && error.message.includes(MODEL) && error.message.includes('other-model'),
        );
      });

      it('keeps what it stored across a reopen', async () => {
        const m = memory({ tags: ['durable'] });
        await repo.store.insertWithEmbedding(m, axis(0));
        await repo.close();
        repo = await backend.open();
        assert.deepEqual(await repo.store.findByHash(m.contentHash), m);
      });

      it('reports a closed database as unavailable, on reads and writes', async () => {
        const closed = await backend.open();
        await closed.close();
        await assert.rejects(closed.status.ping(), StorageUnavailableError);
        await assert.rejects(closed.store.findByHash('0'.repeat(64)), StorageUnavailableError);
        await assert.rejects(closed.store.insertWithEmbedding(memory(), axis(0)), StorageUnavailableError);
      });
    });
  });
}
