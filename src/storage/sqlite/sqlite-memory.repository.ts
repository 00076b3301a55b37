import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { DomainError, StorageBusyError, StorageUnavailableError } from '../../common/domain-errors.js';
import { defaultReadWorkers } from '../../config/app-config.js';
import type { SqlitePragma } from '../../config/sqlite-pragmas.js';
import {
  type Change,
  type ChangePayload,
  EMBEDDING_MODEL_CHANGED,
  memoryDeletedChange,
  MemoryChangeTypes,
  memoryStoredChange,
  memoryUpdatedChange,
} from '../change-log.js';
import type { BackupInspection, DatabaseBackups } from '../database-backups.js';
import { ROLLED_BACK, type SqlRunner } from '../oauth-store.js';
import {
  applyPatch,
  type InsertOutcome,
  type JsonObject,
  type KeywordHit,
  type Memory,
  type MemoryFilter,
  type MemoryPage,
  type MemoryPatch,
  type MemoryRepository,
  type ScoredMemory,
  type StorageDetails,
  type StorageStatistics,
  type DayCount,
  type ScanPage,
  type TagCount,
} from '../memory-repository.js';
import { inspectDatabaseFile, onlineBackup } from './sqlite-backup.js';
import { type IntegrityCheck, makePrivate, openSqliteDatabase, readPragmas } from './sqlite-connection.js';
import { translateSqliteError, withBusyRetry } from './sqlite-errors.js';
import { applyMigrations, ensureDatabaseId, ensureEmbeddingSpace, rechunkVectorTable, SCHEMA_VERSION, VECTOR_CHUNK_SIZE } from './sqlite-migrations.js';
import { removeStaleRestoreSources, runSqliteJob } from './sqlite-jobs.js';
import { SqliteReadPool } from './sqlite-read-pool.js';
import { AnnIndex, type AnnSource, type AnnStatus } from './ann-index.js';
import { LARGE_INDEX_FROM } from './ann-index.protocol.js';
import { executeRead, preparedStatement, type ReadStatement } from './sqlite-read.protocol.js';

interface MemoryRow {
  id: number;
  content_hash: string;
  content: string;
  tags: string;
  memory_type: string | null;
  metadata: string;
  created_at: number;
  updated_at: number;
}

interface ChangeRow {
  id: number;
  kind: string;
  payload: string;
}

interface WhereClause {
  sql: string;
  params: Record<string, string | number>;
}

export interface SqliteRepositoryOptions {
  path: string;
  pragmas: readonly SqlitePragma[];
  busyBudgetMs: number;
  embeddingModel: string;
  embeddingDimension: number;
  /** A cloud-sync folder or network filesystem is refused unless this is set. */
  allowSharedStorage?: boolean;
  /** Checked when the file is opened (default quick_check). */
  integrityCheck?: IntegrityCheck;
  warn?: (message: string) => void;
  /** Test-only: named step at which a restore kills the process. */
  faultPoint?: string | null;
  /** Retention of the change log (defaults: 10,000 changes, 16 MiB of payload). */
  changeLog?: { maxRows: number; maxBytes: number };
  /** Worker threads that run searches and scans off the event loop (default: the cores, 1 to 4). */
  readWorkers?: number;
  /** The approximate-nearest-neighbour index beside the file (default off: servers turn it on). */
  ann?: { mode: 'auto' | 'on' | 'off'; threshold: number };
  log?: (message: string) => void;
}

/** A filter matching at most this many memories is searched exactly (bounded cost); a broader one through the index. */
const EXACT_FILTERED_MAX = 5_000;
/**
 * Candidates asked of the index per result wanted (re-scored exactly, then cut), and at least a
 * minimum; more for large indexes. Measured on generated data around real embeddings: at 100k,
 * recall@10 after re-scoring is 0.992 with 16 candidates, 0.999 with 22 and 1.000 with 33; 1M
 * needs 3 per result for 0.98. Each candidate costs a vector lookup (~20 us, more right after a
 * model call), so 88 cost ~1 ms more per search for nothing.
 */
function annCandidates(limit: number, indexed: number, selectivity: number): number {
  const [perResult, least] = indexed >= LARGE_INDEX_FROM ? [3, 30] : [2, 20];
  return Math.ceil(Math.max(least, (limit + 1) * perResult * selectivity));
}
const ANN_MAX_CANDIDATES = 4_096;
/** Candidate lists up to this long are re-scored on the server's own connection when it maps the file (readSmall). */
const LOCAL_RESCORE_MAX = 100;
/** Filtered vector searches count the filter's memories up to this many (enough to choose the way and the depth). */
const FILTER_COUNT_CAP = 20_000;

/** Every process on the file prunes the change log after this many of its own appends. */
const PRUNE_EVERY_APPENDS = 100;

const DEFAULT_CHANGE_LOG = { maxRows: 10_000, maxBytes: 16 * 1_048_576 };

const REPORTED_PRAGMAS = [
  'journal_mode',
  'synchronous',
  'busy_timeout',
  'foreign_keys',
  'cache_size',
  'temp_store',
  'mmap_size',
  'wal_autocheckpoint',
  'journal_size_limit',
  'page_size',
] as const;

function prepareStatements(db: Database.Database) {
  return {
    findByHash: db.prepare('SELECT * FROM memories WHERE content_hash = ?'),
    findIdByHash: db.prepare('SELECT id FROM memories WHERE content_hash = ?').pluck(),
    insertMemory: db.prepare(
      `INSERT INTO memories (content_hash, content, tags, memory_type, metadata, created_at, updated_at)
       VALUES (@contentHash, @content, @tags, @memoryType, @metadata, @createdAt, @updatedAt)`,
    ),
    insertTag: db.prepare('INSERT OR IGNORE INTO memory_tags (tag, memory_id) VALUES (?, ?)'),
    deleteTags: db.prepare('DELETE FROM memory_tags WHERE memory_id = ?'),
    insertEmbedding: db.prepare('INSERT INTO memory_embeddings (rowid, embedding) VALUES (?, ?)'),
    deleteEmbedding: db.prepare('DELETE FROM memory_embeddings WHERE rowid = ?'),
    findEmbedding: db.prepare('SELECT embedding FROM memory_embeddings WHERE rowid = ?').pluck(),
    updateMemory: db.prepare(
      `UPDATE memories SET tags = @tags, memory_type = @memoryType, metadata = @metadata, updated_at = @updatedAt
       WHERE id = @id`,
    ),
    deleteMemory: db.prepare('DELETE FROM memories WHERE id = ?'),
    // The memories table answers (one page from its first leaf): a COUNT(*) read every page, ~0.3 ms at 1M per health probe.
    ping: db.prepare('SELECT 1 FROM memories LIMIT 1').pluck(),
    appendChange: db.prepare('INSERT INTO changes (kind, content_hash, payload, created_at) VALUES (@kind, @contentHash, @payload, @createdAt)'),
    changesAfter: db.prepare('SELECT id, kind, payload FROM changes WHERE id > ? ORDER BY id LIMIT ?'),
    changeKindsAfter: db.prepare('SELECT id, kind, content_hash AS contentHash FROM changes WHERE id > ? ORDER BY id LIMIT ?'),
    vectorOf: db.prepare('SELECT m.id AS id, e.embedding AS embedding FROM memories m JOIN memory_embeddings e ON e.rowid = m.id WHERE m.content_hash = ?'),
    memoryCount: db.prepare('SELECT COUNT(*) FROM memories').pluck(),
    storedModel: db.prepare("SELECT value FROM service_meta WHERE key = 'embedding_model'").pluck(),
    /** An upper bound of the number of memories, read from the two ends of the id index. */
    // Two subqueries: SQLite answers a lone MIN or MAX from the index end, not both in one aggregate.
    idSpan: db.prepare('SELECT COALESCE((SELECT MAX(id) FROM memories) - (SELECT MIN(id) FROM memories) + 1, 0)').pluck(),
    databaseId: db.prepare("SELECT value FROM service_meta WHERE key = 'database_id'").pluck(),
    changeBounds: db.prepare("SELECT (SELECT MIN(id) FROM changes) AS oldest, (SELECT seq FROM sqlite_sequence WHERE name = 'changes') AS newest"),
    pruneChangesByCount: db.prepare('DELETE FROM changes WHERE id <= (SELECT MAX(id) FROM changes) - ?'),
    pruneChangesByBytes: db.prepare(
      `DELETE FROM changes WHERE id <= (
         SELECT id FROM (SELECT id, SUM(length(CAST(payload AS BLOB))) OVER (ORDER BY id DESC) AS kept FROM changes)
         WHERE kept > ? ORDER BY id DESC LIMIT 1)`,
    ),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

/**
 * The vector's bytes in a buffer of their own (small to send to a read worker): a Buffer copied
 * from a typed array is a view into Node's shared 64 KiB pool, and postMessage clones the whole
 * pool (measured: ~45 us per message instead of ~5, on the event loop).
 */
function toVectorBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer.slice(vector.byteOffset, vector.byteOffset + vector.byteLength) as ArrayBuffer);
}

function toMemory(row: MemoryRow): Memory {
  return {
    contentHash: row.content_hash,
    content: row.content,
    tags: JSON.parse(row.tags) as string[],
    memoryType: row.memory_type,
    metadata: JSON.parse(row.metadata) as JsonObject,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toChange(row: ChangeRow): Change {
  return { id: row.id, type: row.kind, payload: JSON.parse(row.payload) as ChangePayload };
}

interface FileIdentity {
  dev: number;
  ino: number;
}

function identityOf(path: string): FileIdentity | null {
  try {
    const stat = statSync(path);
    return { dev: stat.dev, ino: stat.ino };
  } catch {
    return null;
  }
}

/** better-sqlite3 + sqlite-vec on one file: the only class that writes SQL for this backend. */
export class SqliteMemoryRepository implements MemoryRepository, DatabaseBackups {
  private db!: Database.Database;
  /** Whether this connection memory-maps the file (readSmall). */
  private mapped = false;
  /** Statements prepared on this connection by SQL text (readSmall, sideTables); emptied when it is replaced. */
  private readonly prepared = new Map<string, Database.Statement>();
  private sql!: Statements;
  private identity: FileIdentity | null = null;
  /** Set while a restore owns the database: every other operation waits for it. */
  private pause: Promise<void> | null = null;
  private writeFailure: string | null = null;
  private appendsSincePrune = PRUNE_EVERY_APPENDS - 1;
  private pool: SqliteReadPool | null = null;
  private ann: AnnIndex | null = null;
  /**
   * Results of recent vector searches, per query vector (the query cache hands out the same
   * vector for the same text) and filter, valid while no change has been logged since: any write
   * by any process on the file moves the change log on, so a repeated query is answered without
   * searching and never stale.
   */
  private resultCache = new WeakMap<Float32Array, Map<string, { changeId: number; hits: ScoredMemory[] }>>();
  private databaseId = '';

  private constructor(private options: SqliteRepositoryOptions) {
    this.connect();
  }

  static open(options: SqliteRepositoryOptions): SqliteMemoryRepository {
    return new SqliteMemoryRepository(options);
  }

  get path(): string {
    return this.options.path;
  }

  /** Opens the file (checked, migrated, model verified) and prepares every statement afresh. */
  private connect(): void {
    removeStaleRestoreSources(this.options.path);
    const db = openSqliteDatabase(this.options.path, {
      pragmas: this.options.pragmas,
      allowSharedStorage: this.options.allowSharedStorage ?? false,
      integrityCheck: this.options.integrityCheck ?? 'quick',
      warn: this.options.warn ?? (() => undefined),
    });
    try {
      applyMigrations(db, this.options.path);
      ensureEmbeddingSpace(db, this.options.path, this.options.embeddingModel, this.options.embeddingDimension);
      this.rechunkOnce(db);
      this.databaseId = ensureDatabaseId(db);
      this.resultCache = new WeakMap();
      this.sql = prepareStatements(db);
    } catch (error) {
      db.close();
      throw error;
    }
    this.db = db;
    this.mapped = Number(db.pragma('mmap_size', { simple: true })) > 0;
    this.prepared.clear();
    this.identity = identityOf(this.options.path);
    if (this.pool) this.pool.reopen();
    else {
      const journal = String(db.pragma('journal_mode', { simple: true })).toUpperCase() === 'WAL' ? 'WAL' : 'DELETE';
      this.pool = new SqliteReadPool(
        {
          path: this.options.path,
          busyTimeoutMs: Math.min(this.options.busyBudgetMs, 5000),
          pragmas: readPragmas(this.options.pragmas, journal, fileSize(this.options.path)),
        },
        this.options.readWorkers ?? defaultReadWorkers(),
      );
    }
    void this.ann?.close();
    this.ann = null;
    const ann = this.options.ann;
    if (ann && ann.mode !== 'off') {
      this.ann = new AnnIndex(
        {
          dbPath: this.options.path,
          dimension: this.options.embeddingDimension,
          model: this.options.embeddingModel,
          mode: ann.mode,
          threshold: ann.threshold,
          log: this.options.log ?? (() => undefined),
          warn: this.options.warn ?? (() => undefined),
        },
        this.annSource(),
      );
      this.ann.start();
    }
  }

  /** An older file's vector table is rebuilt with small chunks, once; a failure (e.g. no room for the copy) leaves it as it was. */
  private rechunkOnce(db: Database.Database): void {
    const started = performance.now();
    try {
      if (rechunkVectorTable(db, this.options.embeddingDimension)) {
        this.options.log?.(
          `Rebuilt the vector table with chunks of ${VECTOR_CHUNK_SIZE} vectors (faster lookups) in ${Math.round(performance.now() - started)} ms; once per file`,
        );
      }
    } catch (error) {
      this.options.warn?.(`The vector table keeps its layout (rebuilding it failed: ${(error as Error).message}); searches stay correct, lookups slower`);
    }
  }

  /** The index's view of the database: the change log and stored vectors, through this connection. */
  private annSource(): AnnSource {
    return {
      changesAfter: (id, limit) => this.sql.changeKindsAfter.all(id, limit) as { id: number; kind: string; contentHash: string | null }[],
      changeBounds: () => {
        const row = this.sql.changeBounds.get() as { oldest: number | null; newest: number | null };
        return { oldest: row.oldest, newest: row.newest ?? 0 };
      },
      vectorOf: (contentHash) => {
        const row = this.sql.vectorOf.get(contentHash) as { id: number; embedding: Buffer } | undefined;
        return row
          ? { id: row.id, vector: new Float32Array(row.embedding.buffer.slice(row.embedding.byteOffset, row.embedding.byteOffset + row.embedding.byteLength)) }
          : null;
      },
      memoryCount: () => this.sql.memoryCount.get() as number,
      databaseId: () => this.databaseId,
    };
  }

  /** The vector index's state (null when it is off), for health details and benchmarks. */
  vectorIndexStatus(): AnnStatus | null {
    return this.ann?.status() ?? null;
  }

  /** Resolves when no index build is running (tests and benchmarks wait for the index with it). */
  async vectorIndexSettled(): Promise<void> {
    await this.ann?.settled();
  }

  /**
   * Runs read statements on a read worker (one snapshot for all of them), after any restore in
   * progress and on the file that is the database now.
   */
  private async read(statements: ReadStatement[]): Promise<unknown[]> {
    for (let paused = this.pause; paused !== null; paused = this.pause) await paused;
    if (this.db.open) this.followReplacedFile();
    return this.pool!.read(statements);
  }

  /**
   * A small read (re-scoring an index search's candidates) on this connection when it memory-maps
   * the file: ~0.3 ms of work at 100,000 memories, against ~0.8 ms for a read worker's round trip
   * on 2 cores (measured). An unmapped (large) file's pages may have to come from disk: those
   * reads stay on the workers.
   */
  private async readSmall(statements: ReadStatement[]): Promise<unknown[]> {
    if (!this.mapped || this.pause !== null || !this.db.open) return this.read(statements);
    this.followReplacedFile();
    try {
      return this.db.transaction(() => statements.map((statement) => executeRead(this.db, this.prepared, statement)))();
    } catch (error) {
      throw translateSqliteError(error);
    }
  }

  /**
   * Another process (or an operator) may have put a different file at the path: every operation
   * first checks the file's identity and reopens when it changed, so nothing is written to, or
   * read from, a file that is no longer the database.
   */
  private followReplacedFile(): void {
    const current = identityOf(this.options.path);
    if (current === null || this.identity === null || (current.dev === this.identity.dev && current.ino === this.identity.ino)) return;
    this.options.warn?.(`The database file ${this.options.path} was replaced by another process; reopening it`);
    this.db.close();
    this.connect();
  }

  private run<T>(operation: () => T): Promise<T> {
    return withBusyRetry(
      () => {
        this.followReplacedFile();
        return operation();
      },
      this.options.busyBudgetMs,
      () => this.pause,
    );
  }

  /**
   * Writes take the lock up front (IMMEDIATE) so they never deadlock upgrading a read lock. A
   * write that fails for a reason other than contention is remembered for health reporting.
   */
  private async write<T>(operation: () => T): Promise<T> {
    try {
      const result = await this.run(() => this.db.transaction(operation).immediate());
      this.writeFailure = null;
      return result;
    } catch (error) {
      if (error instanceof DomainError && !(error instanceof StorageBusyError)) this.writeFailure = error.message;
      throw error;
    }
  }

  /** Appends to the change log inside the caller's write transaction, pruning it now and then. */
  private appendChange(kind: string, contentHash: string | null, payload: ChangePayload): void {
    this.sql.appendChange.run({ kind, contentHash, payload: JSON.stringify(payload), createdAt: Date.now() / 1000 });
    if (++this.appendsSincePrune >= PRUNE_EVERY_APPENDS) {
      this.appendsSincePrune = 0;
      const { maxRows, maxBytes } = this.options.changeLog ?? DEFAULT_CHANGE_LOG;
      this.sql.pruneChangesByCount.run(maxRows);
      this.sql.pruneChangesByBytes.run(maxBytes);
    }
  }

  insertWithEmbedding(memory: Memory, embedding: Float32Array): Promise<InsertOutcome> {
    return this.write(() => this.insertInTransaction(memory, embedding));
  }

  insertBatch(entries: readonly { memory: Memory; embedding: Float32Array }[]): Promise<number> {
    return this.write(() => entries.filter(({ memory, embedding }) => this.insertInTransaction(memory, embedding).inserted).length);
  }

  /** The memory, its tags, its vector and its change, inside the caller's write transaction. */
  private insertInTransaction(memory: Memory, embedding: Float32Array): InsertOutcome {
    this.assertModelUnchanged();
    const existing = this.sql.findByHash.get(memory.contentHash) as MemoryRow | undefined;
    if (existing) return { inserted: false, existing: toMemory(existing) };
    const info = this.sql.insertMemory.run({
      contentHash: memory.contentHash,
      content: memory.content,
      tags: JSON.stringify(memory.tags),
      memoryType: memory.memoryType,
      metadata: JSON.stringify(memory.metadata),
      createdAt: memory.createdAt,
      updatedAt: memory.updatedAt,
    });
    const id = BigInt(info.lastInsertRowid);
    for (const tag of memory.tags) this.sql.insertTag.run(tag, id);
    this.sql.insertEmbedding.run(id, toVectorBlob(embedding));
    this.appendChange(MemoryChangeTypes.stored, memory.contentHash, memoryStoredChange(memory));
    return { inserted: true, memory };
  }

  findByHash(contentHash: string): Promise<Memory | null> {
    return this.run(() => {
      const row = this.sql.findByHash.get(contentHash) as MemoryRow | undefined;
      return row ? toMemory(row) : null;
    });
  }

  async list(filter: MemoryFilter, offset: number, limit: number): Promise<MemoryPage> {
    const where = this.whereClause(filter);
    const page = this.pageStatement(await this.pageWhere(filter, where, offset, limit), offset, limit);
    const [rows, total] = await this.read([page, this.countStatement(filter, where)]);
    return { memories: (rows as MemoryRow[]).map(toMemory), total: total as number };
  }

  async find(filter: MemoryFilter, offset: number, limit: number): Promise<Memory[]> {
    const where = await this.pageWhere(filter, this.whereClause(filter), offset, limit);
    const [rows] = await this.read([this.pageStatement(where, offset, limit)]);
    return (rows as MemoryRow[]).map(toMemory);
  }

  /**
   * A page filtered by tags alone comes one of two ways: collect the tagged ids and sort them
   * (cheap for a rare tag), or walk the created_at index newest first, testing each memory's tags,
   * until the page is full (cheap for a common tag: a tag on 40% of 100k memories costs 50+ ms
   * the first way and 0.1 ms this way). The walk takes about (offset + limit) x span / matching
   * steps, the sort about `matching`: the walk wins once matching > sqrt((offset + limit) x span),
   * so tags are counted only up to that bound (a common tag is never counted whole).
   */
  private async pageWhere(filter: MemoryFilter, where: WhereClause, offset: number, limit: number): Promise<WhereClause> {
    const onlyTags = filter.tags !== undefined && Object.entries(filter).every(([key, value]) => key === 'tags' || value === undefined);
    if (!onlyTags) return where;
    const span = await this.run(() => this.sql.idSpan.get() as number);
    const bound = Math.ceil(Math.sqrt((offset + limit) * span)) + 1;
    const [counts] = await this.read([
      {
        sql: 'SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM memory_tags t WHERE t.tag = j.value LIMIT @bound)) FROM json_each(@tags) j',
        params: { tags: where.params.tags!, bound },
        mode: 'all',
      },
    ]);
    const perTag = (counts as Record<string, number>[]).map((row) => Object.values(row)[0]!);
    // Any: the tags together reach the bound; all: every tag does (the rarest bounds the intersection).
    const common = filter.tags!.match === 'any' ? perTag.reduce((a, b) => a + b, 0) >= bound : perTag.every((n) => n >= bound);
    return common ? this.whereClause(filter, true) : where;
  }

  private pageStatement(where: WhereClause, offset: number, limit: number): ReadStatement {
    return {
      sql: `SELECT m.* FROM memories m ${where.sql} ORDER BY m.created_at DESC, m.id DESC LIMIT @limit OFFSET @offset`,
      params: { ...where.params, limit, offset },
      mode: 'all',
    };
  }

  /** How many memories match: from the tag index alone when only tags filter (any of them), else over the rows. */
  /** The memories a filter keeps, or with `cap`, how many up to the cap (no more rows are visited). */
  private countStatement(filter: MemoryFilter, where: WhereClause, cap?: number): ReadStatement {
    const onlyAnyTags =
      filter.tags !== undefined && filter.tags.match === 'any' && Object.entries(filter).every(([key, value]) => key === 'tags' || value === undefined);
    const [sql, params] = onlyAnyTags
      ? ['SELECT DISTINCT memory_id FROM memory_tags WHERE tag IN (SELECT value FROM json_each(@tags))', { tags: where.params.tags! }]
      : [`SELECT 1 FROM memories m ${where.sql}`, where.params];
    return cap === undefined
      ? { sql: `SELECT COUNT(*) FROM (${sql})`, params, mode: 'pluck' }
      : { sql: `SELECT COUNT(*) FROM (${sql} LIMIT @cap)`, params: { ...params, cap }, mode: 'pluck' };
  }

  update(contentHash: string, patch: MemoryPatch): Promise<Memory | null> {
    return this.write(() => {
      const row = this.sql.findByHash.get(contentHash) as MemoryRow | undefined;
      if (!row) return null;
      const updated = applyPatch(toMemory(row), patch);
      this.sql.updateMemory.run({
        id: row.id,
        tags: JSON.stringify(updated.tags),
        memoryType: updated.memoryType,
        metadata: JSON.stringify(updated.metadata),
        updatedAt: updated.updatedAt,
      });
      if (patch.tags) {
        this.sql.deleteTags.run(row.id);
        for (const tag of updated.tags) this.sql.insertTag.run(tag, row.id);
      }
      this.appendChange(MemoryChangeTypes.updated, contentHash, memoryUpdatedChange(updated, patch.actor ?? null));
      return updated;
    });
  }

  delete(contentHash: string, actor: string | null = null): Promise<boolean> {
    return this.write(() => {
      const id = this.sql.findIdByHash.get(contentHash) as number | undefined;
      if (id === undefined) return false;
      this.sql.deleteEmbedding.run(BigInt(id));
      this.sql.deleteMemory.run(id);
      this.appendChange(MemoryChangeTypes.deleted, contentHash, memoryDeletedChange(contentHash, actor));
      return true;
    });
  }

  async searchByVector(query: Float32Array | Promise<Float32Array>, filter: MemoryFilter, limit: number): Promise<ScoredMemory[]> {
    const { excludeHash: _excluded, ...rest } = filter;
    const where = this.whereClause(rest);
    // The model check and the newest change (the result cache's key) are read while the model
    // runs, if it still does: ~0.2 ms less after it, when the caches are cold.
    const [embedding, { useIndex, changeId }] = await Promise.all([
      query,
      this.run(() => {
        this.assertModelUnchanged();
        return {
          useIndex: this.ann?.ready() ?? false,
          changeId: (this.sql.changeBounds.get() as { newest: number | null }).newest ?? 0,
        };
      }),
    ]);
    const vector = toVectorBlob(embedding);
    const cacheKey = `${limit}:${JSON.stringify(filter)}`;
    const cached = this.resultCache.get(embedding)?.get(cacheKey);
    if (cached && cached.changeId === changeId) return cached.hits;
    const hits = await this.searchByVectorUncached(embedding, vector, filter, where, limit, useIndex ? this.ann : null);
    const perVector = this.resultCache.get(embedding) ?? new Map<string, { changeId: number; hits: ScoredMemory[] }>();
    if (perVector.size >= 8) perVector.delete(perVector.keys().next().value!);
    perVector.set(cacheKey, { changeId, hits });
    this.resultCache.set(embedding, perVector);
    return hits;
  }

  private async searchByVectorUncached(
    embedding: Float32Array,
    vector: Buffer,
    filter: MemoryFilter,
    where: WhereClause,
    limit: number,
    ann: AnnIndex | null,
  ): Promise<ScoredMemory[]> {
    const { excludeHash, ...rest } = filter;
    const exclusion = excludeHash === undefined ? '' : 'AND m.content_hash <> @excludeHash';
    const excluded = excludeHash === undefined ? {} : { excludeHash };
    if (ann !== null) {
      // How many memories the filter keeps decides the way: few are scanned exactly (cheap), many
      // are found through the index with enough candidates that the filter leaves `limit`.
      // Counted only up to FILTER_COUNT_CAP: a common tag is never counted whole (400k rows at 1M).
      const matching = where.sql === '' ? ann.size : ((await this.read([this.countStatement(rest, where, FILTER_COUNT_CAP)]))[0] as number);
      if (where.sql === '' || matching > EXACT_FILTERED_MAX) {
        const perRow = this.whereClause(rest, true);
        const wantedHits = Math.min(limit, matching - (excludeHash === undefined ? 0 : 1));
        // Candidates scaled by how selective the filter is (a filter past the cap is taken to keep
        // most memories); deepened while too few pass it (a filter that disagrees with the query's
        // neighbourhood), then the exact scan answers.
        const selectivity = matching >= FILTER_COUNT_CAP ? 1 : Math.max(1, ann.size / Math.max(1, matching));
        let depth = annCandidates(limit, ann.size, selectivity);
        for (;;) {
          const candidates = ann.candidates(embedding, Math.min(ANN_MAX_CANDIDATES, depth));
          // Unfiltered, only the nearest candidates' rows are read (at 1M, unmapped: 1.9 -> 1.6 ms
          // for 33 candidates); a filter needs every candidate's row.
          const rescore: ReadStatement =
            perRow.sql === ''
              ? {
                  sql: `WITH nearest AS (
                          SELECT e.rowid AS id, vec_distance_cosine(e.embedding, @vector) AS distance
                          FROM json_each(@candidates) c JOIN memory_embeddings e ON e.rowid = c.value
                          ORDER BY distance, id LIMIT @nearest)
                        SELECT m.*, nearest.distance AS distance FROM nearest JOIN memories m ON m.id = nearest.id
                        WHERE 1 ${exclusion} ORDER BY nearest.distance, m.id LIMIT @limit`,
                  params: { ...excluded, vector, limit, nearest: limit + (excludeHash === undefined ? 0 : 1), candidates: JSON.stringify(candidates) },
                  mode: 'all',
                }
              : {
                  sql: `SELECT m.*, vec_distance_cosine(e.embedding, @vector) AS distance
                        FROM memories m JOIN memory_embeddings e ON e.rowid = m.id
                        WHERE m.id IN (SELECT value FROM json_each(@candidates)) AND ${perRow.sql.slice('WHERE '.length)} ${exclusion}
                        ORDER BY distance, m.id LIMIT @limit`,
                  params: { ...perRow.params, ...excluded, vector, limit, candidates: JSON.stringify(candidates) },
                  mode: 'all',
                };
          const [rows] = await (candidates.length <= LOCAL_RESCORE_MAX ? this.readSmall([rescore]) : this.read([rescore]));
          const hits = rows as (MemoryRow & { distance: number })[];
          if (where.sql === '' || hits.length >= wantedHits) return hits.map((row) => ({ memory: toMemory(row), distance: row.distance }));
          if (depth >= ANN_MAX_CANDIDATES) break;
          depth *= 4;
        }
      }
    }
    if (where.sql !== '') {
      // Exact distances over the matching rows only: correct however selective the filter is.
      const [rows] = await this.read([
        {
          sql: `SELECT m.*, vec_distance_cosine(e.embedding, @vector) AS distance
                FROM memories m JOIN memory_embeddings e ON e.rowid = m.id
                ${where.sql} ${exclusion}
                ORDER BY distance LIMIT @limit`,
          params: { ...where.params, ...excluded, vector, limit },
          mode: 'all',
        },
      ]);
      return (rows as (MemoryRow & { distance: number })[]).map((row) => ({ memory: toMemory(row), distance: row.distance }));
    }
    const [rows] = await this.read([
      {
        sql: `WITH hits AS (SELECT rowid AS id, distance FROM memory_embeddings WHERE embedding MATCH @vector AND k = @k)
              SELECT m.*, hits.distance AS distance FROM hits JOIN memories m ON m.id = hits.id ORDER BY hits.distance, m.id`,
        params: { vector, k: excludeHash === undefined ? limit : limit + 1 },
        mode: 'all',
      },
    ]);
    return (rows as (MemoryRow & { distance: number })[])
      .filter((row) => row.content_hash !== excludeHash)
      .slice(0, limit)
      .map((row) => ({ memory: toMemory(row), distance: row.distance }));
  }

  searchByKeywords(terms: readonly string[], filter: MemoryFilter, limit: number): Promise<KeywordHit[]> {
    if (terms.length === 0) return Promise.resolve([]);
    // Every term is an FTS5 string (a literal phrase): quotes doubled, nothing else is syntax.
    const match = terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ');
    const where = this.whereClause(filter);
    const conditions = where.sql === '' ? '' : `AND ${where.sql.slice('WHERE '.length)}`;
    return (async () => {
      // The best `limit` matches first (content weighs twice what tags do in BM25), then their rows.
      const sql = `WITH best AS (
           ${
             conditions === ''
               ? // Without a filter the index alone ranks: no row lookups for matches that lose.
                 'SELECT rowid AS id, -bm25(memory_fts, 1.0, 0.5) AS score FROM memory_fts WHERE memory_fts MATCH @match ORDER BY score DESC, rowid DESC LIMIT @limit'
               : `SELECT m.id AS id, -bm25(memory_fts, 1.0, 0.5) AS score
                  FROM memory_fts JOIN memories m ON m.id = memory_fts.rowid
                  WHERE memory_fts MATCH @match ${conditions}
                  ORDER BY score DESC, m.created_at DESC LIMIT @limit`
           })
         SELECT m.*, best.score AS score FROM best JOIN memories m ON m.id = best.id
         ORDER BY best.score DESC, m.created_at DESC`;
      const [rows] = await this.read([{ sql, params: { ...where.params, match, limit }, mode: 'all' }]);
      return (rows as (MemoryRow & { score: number })[]).map((row) => ({ memory: toMemory(row), score: row.score }));
    })();
  }

  async distances(embedding: Float32Array, contentHashes: readonly string[]): Promise<Map<string, number>> {
    if (contentHashes.length === 0) return new Map();
    const [rows] = await this.read([
      {
        sql: `SELECT m.content_hash AS hash, vec_distance_cosine(e.embedding, @vector) AS distance
              FROM memories m JOIN memory_embeddings e ON e.rowid = m.id
              WHERE m.content_hash IN (SELECT value FROM json_each(@hashes))`,
        params: { vector: toVectorBlob(embedding), hashes: JSON.stringify(contentHashes) },
        mode: 'all',
      },
    ]);
    return new Map((rows as { hash: string; distance: number }[]).map((row) => [row.hash, row.distance]));
  }

  findContaining(text: string, filter: MemoryFilter, limit: number): Promise<Memory[]> {
    const where = this.whereClause(filter);
    const conditions = where.sql === '' ? '' : `AND ${where.sql.slice('WHERE '.length)}`;
    return this.read([
      {
        sql: `SELECT m.* FROM memories m WHERE instr(lower(m.content), lower(@text)) > 0 ${conditions}
              ORDER BY m.created_at DESC, m.id DESC LIMIT @limit`,
        params: { ...where.params, text, limit },
        mode: 'all',
      },
    ]).then(([rows]) => (rows as MemoryRow[]).map(toMemory));
  }

  findEmbedding(contentHash: string): Promise<Float32Array | null> {
    return this.run(() => {
      const id = this.sql.findIdByHash.get(contentHash) as number | undefined;
      if (id === undefined) return null;
      const blob = this.sql.findEmbedding.get(BigInt(id)) as Buffer | undefined;
      if (!blob) return null;
      return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
    });
  }

  async existingHashes(contentHashes: readonly string[]): Promise<Set<string>> {
    if (contentHashes.length === 0) return new Set();
    const [rows] = await this.read([
      {
        sql: 'SELECT content_hash AS hash FROM memories WHERE content_hash IN (SELECT value FROM json_each(@hashes))',
        params: { hashes: JSON.stringify(contentHashes) },
        mode: 'all',
      },
    ]);
    return new Set((rows as { hash: string }[]).map((row) => row.hash));
  }

  async scan(after: number, limit: number, withEmbeddings: boolean): Promise<ScanPage> {
    const [rows] = await this.read([
      {
        sql: withEmbeddings
          ? 'SELECT m.*, e.embedding AS embedding FROM memories m JOIN memory_embeddings e ON e.rowid = m.id WHERE m.id > @after ORDER BY m.id LIMIT @limit'
          : 'SELECT m.* FROM memories m WHERE m.id > @after ORDER BY m.id LIMIT @limit',
        params: { after, limit },
        mode: 'all',
      },
    ]);
    const page = rows as (MemoryRow & { embedding?: Uint8Array })[];
    return {
      entries: page.map((row) => ({
        memory: toMemory(row),
        embedding:
          row.embedding === undefined
            ? null
            : new Float32Array(row.embedding.buffer.slice(row.embedding.byteOffset, row.embedding.byteOffset + row.embedding.byteLength)),
      })),
      next: page.length < limit ? null : page[page.length - 1]!.id,
    };
  }

  // --- Re-embedding into another model ---

  /**
   * Another process may have moved the file to another model (mcp-memory reembed): this one's
   * vectors would then be of the wrong model, so its writes and searches stop with the remedy.
   */
  private assertModelUnchanged(): void {
    const stored = this.sql.storedModel.get() as string | undefined;
    if (stored !== undefined && stored !== this.options.embeddingModel) {
      throw new StorageUnavailableError(
        `The database was moved to embedding model "${stored}" by a re-embed; restart this process with MCP_EMBEDDING_MODEL=${stored}`,
      );
    }
  }

  beginReembed(model: string, dimension: number): Promise<void> {
    return this.write(() => {
      const meta = new Map(
        (
          this.db.prepare("SELECT key, value FROM service_meta WHERE key IN ('reembed_model', 'reembed_dimension')").all() as { key: string; value: string }[]
        ).map((row) => [row.key, row.value]),
      );
      if (meta.get('reembed_model') !== model || meta.get('reembed_dimension') !== String(dimension)) this.db.exec('DROP TABLE IF EXISTS reembed_vectors');
      this.db.exec('CREATE TABLE IF NOT EXISTS reembed_vectors (memory_id INTEGER PRIMARY KEY, embedding BLOB NOT NULL)');
      const set = this.db.prepare('INSERT OR REPLACE INTO service_meta (key, value) VALUES (?, ?)');
      set.run('reembed_model', model);
      set.run('reembed_dimension', String(dimension));
    });
  }

  async reembedPending(after: number, limit: number): Promise<{ ref: number; content: string }[]> {
    const [rows] = await this.read([
      {
        sql: `SELECT m.id AS ref, m.content AS content FROM memories m
              WHERE m.id > @after AND NOT EXISTS (SELECT 1 FROM reembed_vectors r WHERE r.memory_id = m.id)
              ORDER BY m.id LIMIT @limit`,
        params: { after, limit },
        mode: 'all',
      },
    ]);
    return rows as { ref: number; content: string }[];
  }

  async reembedProgress(): Promise<{ done: number; total: number }> {
    const [row] = await this.read([
      {
        sql: 'SELECT (SELECT COUNT(*) FROM reembed_vectors r JOIN memories m ON m.id = r.memory_id) AS done, (SELECT COUNT(*) FROM memories) AS total',
        params: {},
        mode: 'get',
      },
    ]);
    return row as { done: number; total: number };
  }

  storeReembedded(entries: readonly { ref: number; embedding: Float32Array }[]): Promise<void> {
    return this.write(() => {
      const insert = this.db.prepare(
        'INSERT OR REPLACE INTO reembed_vectors (memory_id, embedding) SELECT @ref, @embedding WHERE EXISTS (SELECT 1 FROM memories WHERE id = @ref)',
      );
      for (const { ref, embedding } of entries) insert.run({ ref, embedding: toVectorBlob(embedding) });
    });
  }

  /** On a worker thread (the vector table is rebuilt), other work in this process paused; then reopened as the new model's. */
  completeReembed(model: string, dimension: number): Promise<number | null> {
    return this.withOperationsPaused(async () => {
      this.followReplacedFile();
      const { pending, moved } = await runSqliteJob({
        kind: 'switch-model',
        path: this.options.path,
        model,
        dimension,
        busyBudgetMs: this.options.busyBudgetMs,
        change: {
          kind: EMBEDDING_MODEL_CHANGED,
          payload: JSON.stringify({ timestamp: new Date().toISOString(), model, dimension, message: `The memories were re-embedded with ${model}` }),
        },
      });
      if (pending !== 0) return null;
      this.options = { ...this.options, embeddingModel: model, embeddingDimension: dimension };
      this.db.close();
      this.connect();
      return moved!;
    });
  }

  async tagCounts(): Promise<TagCount[]> {
    const [rows] = await this.read([
      { sql: 'SELECT tag, COUNT(*) AS count FROM memory_tags GROUP BY tag ORDER BY count DESC, tag ASC', params: {}, mode: 'all' },
    ]);
    return rows as TagCount[];
  }

  async createdPerDay(from: number, offsetSeconds: number): Promise<DayCount[]> {
    const [rows] = await this.read([
      {
        sql: "SELECT date(created_at + @offset, 'unixepoch') AS day, COUNT(*) AS count FROM memories WHERE created_at >= @from GROUP BY day ORDER BY day",
        params: { from, offset: offsetSeconds },
        mode: 'all',
      },
    ]);
    return rows as DayCount[];
  }

  async statistics(): Promise<StorageStatistics> {
    const [row] = await this.read([
      { sql: 'SELECT (SELECT COUNT(*) FROM memories) AS totalMemories, (SELECT COUNT(DISTINCT tag) FROM memory_tags) AS totalTags', params: {}, mode: 'get' },
    ]);
    return row as StorageStatistics;
  }

  details(): Promise<StorageDetails> {
    return this.run(() => {
      const pragmas: Record<string, string | number> = {};
      for (const name of REPORTED_PRAGMAS) pragmas[name] = this.db.pragma(name, { simple: true }) as string | number;
      return {
        backend: 'sqlite_vec',
        databasePath: this.options.path,
        databaseSizeBytes: fileSize(this.options.path),
        walSizeBytes: fileSize(`${this.options.path}-wal`),
        embeddingModel: this.options.embeddingModel,
        embeddingDimension: this.options.embeddingDimension,
        schemaVersion: SCHEMA_VERSION,
        pragmas,
        vectorIndex: this.ann?.status() ?? null,
      };
    });
  }

  async ping(): Promise<void> {
    await this.run(() => this.sql.ping.get());
  }

  lastWriteFailure(): string | null {
    return this.writeFailure;
  }

  async close(): Promise<void> {
    await this.ann?.close();
    await this.pool?.close();
    if (!this.db.open) return;
    try {
      // Folds the WAL back into the main file so the database is one self-contained file at rest.
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
    }
  }

  // --- The change log (read by SqliteEventLog) ---

  /** Changes after `id`, oldest first, at most `limit`. */
  changesAfter(id: number, limit: number): Promise<Change[]> {
    return this.run(() => (this.sql.changesAfter.all(id, limit) as ChangeRow[]).map(toChange));
  }

  /** The oldest retained change id and the newest id ever issued (0 when none). */
  changeBounds(): Promise<{ oldest: number | null; newest: number }> {
    return this.run(() => {
      const row = this.sql.changeBounds.get() as { oldest: number | null; newest: number | null };
      return { oldest: row.oldest, newest: row.newest ?? 0 };
    });
  }

  /** For the other stores on this file (OAuth): SqlRunner with this connection's locking, busy retries and file-following. */
  sideTables(): SqlRunner {
    // Prepared once per connection (a token is looked up on every OAuth-authenticated MCP request).
    const statement = (sql: string): Database.Statement => preparedStatement(this.db, this.prepared, sql);
    return {
      query: (sql, params) => this.run(() => statement(sql).all(...params) as Record<string, unknown>[]),
      transaction: async (statements) => {
        try {
          return await this.write(() => {
            for (const { sql, params, mustChange } of statements) {
              if (statement(sql).run(...params).changes === 0 && mustChange) throw ROLLED_BACK;
            }
            return true;
          });
        } catch (error) {
          if (error === ROLLED_BACK) return false;
          throw error;
        }
      },
    };
  }

  /** PRAGMA data_version: changes when another connection (another process) commits. */
  dataVersion(): number {
    this.followReplacedFile();
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  appendOtherChange(type: string, payload: ChangePayload): Promise<void> {
    return this.write(() => this.appendChange(type, null, payload));
  }

  // --- Backups and restore ---

  async backupTo(destination: string): Promise<void> {
    await onlineBackup(this.db, destination);
    makePrivate(destination);
  }

  async inspect(file: string): Promise<BackupInspection> {
    return inspectDatabaseFile(file);
  }

  async withOperationsPaused<T>(work: () => Promise<T>): Promise<T> {
    while (this.pause) await this.pause;
    let resume!: () => void;
    this.pause = new Promise((resolve) => (resume = resolve));
    try {
      return await work();
    } finally {
      this.pause = null;
      resume();
    }
  }

  /**
   * Restores the memories of a backup file into this database in ONE transaction, run on a worker
   * thread with its own connection: the file itself is never swapped, so a crash at any moment
   * leaves either the old or the restored data (SQLite's own journal), every other process on the
   * file sees the change like any other write, and the change log keeps increasing. Call while
   * paused. The restored data is integrity-checked afterwards.
   */
  async restoreFrom(file: string, change: ChangePayload): Promise<void> {
    this.followReplacedFile();
    const { problems } = await runSqliteJob({
      kind: 'restore',
      path: this.options.path,
      source: file,
      dimension: this.options.embeddingDimension,
      busyBudgetMs: this.options.busyBudgetMs,
      change: { kind: 'backup_restored', payload: JSON.stringify(change) },
      faultPoint: this.options.faultPoint ?? null,
    });
    if (problems.length > 0) {
      this.writeFailure = `the restored database failed its integrity check: ${problems.slice(0, 3).join('; ')}`;
      throw new StorageUnavailableError(this.writeFailure);
    }
  }

  /** PRAGMA integrity_check (full) or quick_check, on a worker thread: "ok" or the problems found. */
  async checkIntegrity(full: boolean): Promise<string[]> {
    const result = await runSqliteJob({ kind: 'integrity', path: this.options.path, full });
    return result.problems;
  }

  /** Builds a WHERE clause from fixed fragments; every user value is a bound parameter. */
  /**
   * `perRow`: the tag conditions as per-row lookups (EXISTS on the memory's own tags) instead of
   * a set of matching ids: for checking a few hundred candidates, where building the set of every
   * memory with a broad tag would cost more than the search.
   */
  private whereClause(filter: MemoryFilter, perRow = false): WhereClause {
    const conditions: string[] = [];
    const params: Record<string, string | number> = {};
    if (filter.memoryType !== undefined) {
      conditions.push('m.memory_type = @memoryType');
      params.memoryType = filter.memoryType;
    }
    if (filter.tags && filter.tags.tags.length > 0) {
      params.tags = JSON.stringify(filter.tags.tags);
      if (perRow) {
        conditions.push(
          filter.tags.match === 'all'
            ? '(SELECT COUNT(*) FROM memory_tags t WHERE t.memory_id = m.id AND t.tag IN (SELECT value FROM json_each(@tags))) = @tagCount'
            : 'EXISTS (SELECT 1 FROM memory_tags t WHERE t.memory_id = m.id AND t.tag IN (SELECT value FROM json_each(@tags)))',
        );
        if (filter.tags.match === 'all') params.tagCount = new Set(filter.tags.tags).size;
      } else if (filter.tags.match === 'all') {
        conditions.push(
          `m.id IN (SELECT memory_id FROM memory_tags WHERE tag IN (SELECT value FROM json_each(@tags))
                    GROUP BY memory_id HAVING COUNT(*) = @tagCount)`,
        );
        params.tagCount = new Set(filter.tags.tags).size;
      } else {
        conditions.push('m.id IN (SELECT memory_id FROM memory_tags WHERE tag IN (SELECT value FROM json_each(@tags)))');
      }
    }
    if (filter.createdFrom !== undefined) {
      conditions.push('m.created_at >= @createdFrom');
      params.createdFrom = filter.createdFrom;
    }
    if (filter.createdBefore !== undefined) {
      conditions.push('m.created_at < @createdBefore');
      params.createdBefore = filter.createdBefore;
    }
    if (filter.excludeHash !== undefined) {
      conditions.push('m.content_hash <> @excludeHash');
      params.excludeHash = filter.excludeHash;
    }
    return { sql: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, params };
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
