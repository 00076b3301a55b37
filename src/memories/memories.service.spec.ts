import { EventEmitter2 } from '@nestjs/event-emitter';
import { AccessTracker } from '../access/access-tracker.service.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { InvalidInputError, MemoryNotFoundError, SpaceForbiddenError } from '../common/domain-errors.js';
import { type Caller, LOCAL_CALLER, spaceAccessOf } from '../spaces/space-access.js';
import { type AppConfig, loadConfig } from '../config/app-config.js';
import { USE_LITE_MODEL_ID } from '../embeddings/embedding-provider.js';
import { WorkerEmbeddingProvider } from '../embeddings/worker-embedding.provider.js';
import type { EventLog } from '../storage/change-log.js';
import { SearchService } from '../search/search.service.js';
import { OperationTimings } from '../stats/operation-timings.js';
import { SqliteBackend } from '../storage/sqlite/sqlite-backend.js';
import { MemoriesService } from './memories.service.js';
import { MemoryEvents } from './memory-events.js';

/**
 * The services' rules without HTTP in front: a real SQLite file and the real model, wired by hand
 * as Nest would. Fast enough to run on every change; the end-to-end suites cover the transports.
 */
describe('MemoriesService and SearchService (service level)', () => {
  let dir: string;
  let config: AppConfig;
  let embeddings: WorkerEmbeddingProvider;
  let backend: SqliteBackend;
  let events: EventEmitter2;
  let memories: MemoriesService;
  let search: SearchService;
  let changeLog: EventLog;
  let emitted: { event: string; payload: unknown }[];
  let access: AccessTracker;
  let timings: OperationTimings;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'services-'));
    config = loadConfig({ MCP_MEMORY_SQLITE_PATH: join(dir, 'memory.db'), MCP_MEMORY_MAX_CONTENT_BYTES: '200', MCP_MDNS_ENABLED: 'false' });
    embeddings = await WorkerEmbeddingProvider.start(USE_LITE_MODEL_ID, null);
    backend = SqliteBackend.open({
      path: config.storage.sqlitePath,
      pragmas: config.storage.pragmas,
      busyBudgetMs: config.storage.busyBudgetMs,
      embeddingModel: embeddings.modelId,
      embeddingDimension: embeddings.dimension,
    });
    events = new EventEmitter2();
    events.onAny((event, payload) => emitted.push({ event: String(event), payload }));
    timings = new OperationTimings();
    access = new AccessTracker(backend.store, config);
    memories = new MemoriesService(backend.store, backend.status, backend.vectors, embeddings, config, events, timings, access);
    changeLog = await backend.openEventLog();
    search = new SearchService(backend.store, changeLog, backend.vectors, backend.text, embeddings, config, timings, new EventEmitter2(), access);
  });

  beforeEach(() => {
    emitted = [];
  });

  after(async () => {
    await access.onModuleDestroy();
    await changeLog.close();
    await backend.close();
    await embeddings.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores once and emits memory.stored; a duplicate costs no model call and emits nothing', async () => {
    const first = await memories.store({ content: 'The VPN certificate expires in March', tags: ['Ops', ' vpn '], agentId: 'alpha' }, LOCAL_CALLER);
    assert.equal(first.stored, true);
    assert.deepEqual(first.stored && first.memory.tags, ['ops', 'vpn', 'agent:alpha']);
    assert.deepEqual(
      emitted.map((e) => e.event),
      [MemoryEvents.stored],
    );
    const calls = embeddings.modelCalls;
    const again = await memories.store({ content: '  the vpn certificate EXPIRES in march ' }, LOCAL_CALLER);
    assert.equal(again.stored, false);
    assert.equal(embeddings.modelCalls, calls);
    assert.equal(emitted.length, 1);
  });

  it('refuses empty, malformed and oversized input with the field named, writing nothing', async () => {
    const before = (await backend.status.statistics()).totalMemories;
    const refused = async (input: Parameters<MemoriesService['store']>[0], field: string): Promise<void> => {
      await assert.rejects(memories.store(input, LOCAL_CALLER), (error: Error) => error instanceof InvalidInputError && error.errors[0]!.field === field);
    };
    await refused({ content: '   \n' }, 'content');
    await refused({ content: 'lone surrogate \ud800' }, 'content');
    await refused({ content: 'x'.repeat(201) }, 'content');
    await refused({ content: 'fine', tags: ['ok', 'bad\ud800'] }, 'tags[1]');
    assert.equal((await backend.status.statistics()).totalMemories, before);
    assert.equal(emitted.length, 0);
  });

  it('updates (emitting memory.updated) and deletes (memory.deleted); unknown hashes are MemoryNotFoundError', async () => {
    const stored = await memories.store({ content: 'Standup moved to 9:30', tags: ['team'] }, LOCAL_CALLER);
    assert.ok(stored.stored);
    const hash = stored.memory.contentHash;
    await assert.rejects(memories.update(hash, {}, LOCAL_CALLER), InvalidInputError);
    const updated = await memories.update(hash, { tags: ['team', 'schedule'], metadata: { room: 'B' } }, LOCAL_CALLER);
    assert.deepEqual([updated.tags, updated.metadata], [['team', 'schedule'], { room: 'B' }]);
    await memories.delete(hash, LOCAL_CALLER);
    assert.deepEqual(
      emitted.map((e) => e.event),
      [MemoryEvents.stored, MemoryEvents.updated, MemoryEvents.deleted],
    );
    await assert.rejects(memories.delete(hash, LOCAL_CALLER), MemoryNotFoundError);
    await assert.rejects(memories.get(hash, LOCAL_CALLER), MemoryNotFoundError);
    await assert.rejects(memories.update(hash, { tags: ['x'] }, LOCAL_CALLER), MemoryNotFoundError);
  });

  it('bulk delete needs a filter, reports in a dry run, then deletes each with its own event', async () => {
    for (const content of ['scratch one', 'scratch two']) await memories.store({ content, tags: ['scratch'] }, LOCAL_CALLER);
    emitted = [];
    await assert.rejects(memories.deleteMatching({}, LOCAL_CALLER), InvalidInputError);
    const dry = await memories.deleteMatching({ tags: ['scratch'], dryRun: true }, LOCAL_CALLER);
    assert.deepEqual([dry.contentHashes.length, emitted.length], [2, 0]);
    const done = await memories.deleteMatching({ tags: ['scratch'] }, LOCAL_CALLER);
    assert.equal(done.contentHashes.length, 2);
    assert.equal(emitted.filter((e) => e.event === MemoryEvents.deleted).length, 2);
  });

  it('finds by meaning and by keyword, honours tag filters, and answers a repeated query from the cache', async () => {
    await memories.store({ content: 'Our database backups run nightly at 02:00 UTC', tags: ['backup'] }, LOCAL_CALLER);
    await memories.store({ content: 'Lunch order: two pizzas for Friday', tags: ['food'] }, LOCAL_CALLER);
    const semantic = await search.search({ query: 'when are the database backups taken?', limit: 1, mode: 'semantic', caller: LOCAL_CALLER });
    assert.match(semantic.hits[0]!.memory.content, /backups run nightly/);
    const keyword = await search.search({ query: 'pizzas', limit: 5, mode: 'keyword', caller: LOCAL_CALLER });
    assert.deepEqual(
      keyword.hits.map((h) => h.memory.content),
      ['Lunch order: two pizzas for Friday'],
    );
    const filtered = await search.search({ query: 'database backups', limit: 5, tags: ['food'], caller: LOCAL_CALLER });
    assert.ok(filtered.hits.every((h) => h.memory.tags.includes('food')));
    const hitsBefore = search.queryCacheStats().hits;
    const calls = embeddings.modelCalls;
    await search.search({ query: 'when are the database backups taken?', limit: 1, mode: 'semantic', caller: LOCAL_CALLER });
    assert.equal(search.queryCacheStats().hits, hitsBefore + 1);
    assert.equal(embeddings.modelCalls, calls);
    // Every completed search and store is timed for the stats (the refused stores are not).
    const searches = timings.summary('search');
    assert.equal(searches.count, 4);
    assert.ok(searches.p50Ms !== null && searches.p50Ms >= 0 && searches.p95Ms! >= searches.p50Ms);
    assert.ok(timings.summary('store').count >= 7);
  });

  it('answers a repeated hybrid search from its results until anything is written, then searches again', async () => {
    const ask = () => search.search({ query: 'which kayak trip did we plan?', limit: 3, caller: LOCAL_CALLER });
    await memories.store({ content: 'The kayak trip on the lake is planned for June' }, LOCAL_CALLER);
    const first = await ask();
    const keywordSearches = timings.summary('keyword_search').count;
    const again = await ask();
    assert.deepEqual(
      again.hits.map((h) => h.memory.contentHash),
      first.hits.map((h) => h.memory.contentHash),
    );
    assert.equal(timings.summary('keyword_search').count, keywordSearches, 'no search ran');
    await memories.store({ content: 'The kayak trip down the river was planned for September' }, LOCAL_CALLER);
    const afterWrite = await ask();
    assert.equal(timings.summary('keyword_search').count, keywordSearches + 1, 'a write makes it search again');
    assert.ok(afterWrite.hits.some((h) => h.memory.content.includes('river')));
    // Another filter (or limit) is another search.
    await search.search({ query: 'which kayak trip did we plan?', limit: 2, caller: LOCAL_CALLER });
    assert.equal(timings.summary('keyword_search').count, keywordSearches + 2);
  });

  it('a key with spaces stores, reads, searches and deletes only within them; the same text in two spaces is two memories', async () => {
    const keyFor = (label: string, write: string[], read: string[] = []): Caller => ({ actor: label, label, spaces: spaceAccessOf(label, { write, read }) });
    const alice = keyFor('alice', ['alice-notes'], ['docs']);
    const bob = keyFor('bob', ['bob-notes']);
    const content = 'The Redis password rotates on the first of each month';
    const mine = await memories.store({ content, tags: ['secret-rotation'] }, alice);
    const theirs = await memories.store({ content, tags: ['secret-rotation'] }, bob);
    assert.ok(mine.stored && theirs.stored, 'the same text in two spaces is stored twice');
    assert.deepEqual([mine.memory.space, theirs.memory.space], ['alice-notes', 'bob-notes']);
    assert.equal(mine.memory.contentHash, theirs.memory.contentHash);
    const hash = mine.memory.contentHash;

    // Bob never sees Alice's copy: not by hash, not by search, not in tag counts.
    await assert.rejects(memories.get(hash, bob, 'alice-notes'), SpaceForbiddenError);
    assert.equal((await memories.get(hash, bob)).space, 'bob-notes');
    const found = await search.search({ query: 'Redis password rotation', limit: 10, caller: bob });
    assert.deepEqual(
      found.hits.map((h) => h.memory.space),
      ['bob-notes'],
    );
    await memories.delete(hash, bob);
    await assert.rejects(memories.get(hash, bob), MemoryNotFoundError);
    await assert.rejects(memories.delete(hash, bob), MemoryNotFoundError, 'a copy it cannot read is not found, never forbidden');
    for (const mode of ['hybrid', 'semantic', 'keyword', 'exact'] as const) {
      assert.deepEqual((await search.search({ query: 'Redis password', limit: 10, mode, caller: bob })).hits, [], mode);
    }
    assert.ok(!(await memories.tagCounts(bob)).some((t) => t.tag === 'secret-rotation'));
    assert.ok((await memories.tagCounts(alice)).some((t) => t.tag === 'secret-rotation'));
    assert.equal((await memories.list({ page: 1, pageSize: 50, tags: ['secret-rotation'], tagMatch: 'any' }, bob)).total, 0);

    // Writes go where the key may write: its default, its personal space, never a read-only one.
    await assert.rejects(memories.store({ content: 'into docs', space: 'docs' }, alice), SpaceForbiddenError);
    await assert.rejects(memories.store({ content: 'into alice', space: 'alice-notes' }, bob), SpaceForbiddenError);
    const personal = await memories.store({ content: 'a personal note', space: '~alice' }, alice);
    assert.ok(personal.stored && personal.memory.space === '~alice');
    await assert.rejects(memories.store({ content: 'x', space: 'all' }, alice), InvalidInputError);
    // A key without spaces (LOCAL_CALLER here) still sees every space, as before spaces.
    assert.equal((await memories.get(hash, LOCAL_CALLER)).space, 'alice-notes');
  });
});
