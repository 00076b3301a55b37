import type Database from 'better-sqlite3';
import { renameSync, rmSync, statSync } from 'node:fs';
import type { SqlitePragma } from '../../config/sqlite-pragmas.js';
import {
  applyPatch,
  type InsertOutcome,
  type JsonObject,
  type Memory,
  type MemoryFilter,
  type MemoryPage,
  type MemoryPatch,
  type MemoryRepository,
  type ScoredMemory,
  type StorageDetails,
  type StorageStatistics,
  type TagCount,
} from '../memory-repository.js';
import type { BackupInspection, DatabaseBackups } from '../database-backups.js';
import { inspectDatabaseFile, installDatabaseFile, onlineBackup, removeSidecars } from './sqlite-backup.js';
import { openSqliteDatabase } from './sqlite-connection.js';
import { withBusyRetry } from './sqlite-errors.js';
import { applyMigrations, ensureEmbeddingSpace, SCHEMA_VERSION } from './sqlite-migrations.js';

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
}

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
    findByIds: db.prepare('SELECT * FROM memories WHERE id IN (SELECT value FROM json_each(?))'),
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
    knn: db.prepare('SELECT rowid AS id, distance FROM memory_embeddings WHERE embedding MATCH ? AND k = ? ORDER BY distance'),
    tagCounts: db.prepare('SELECT tag, COUNT(*) AS count FROM memory_tags GROUP BY tag ORDER BY count DESC, tag ASC'),
    statistics: db.prepare(
      'SELECT (SELECT COUNT(*) FROM memories) AS totalMemories, (SELECT COUNT(DISTINCT tag) FROM memory_tags) AS totalTags',
    ),
    ping: db.prepare('SELECT COUNT(*) FROM memories').pluck(),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

function toVectorBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
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

/** better-sqlite3 + sqlite-vec on one file: the only class that writes SQL for this backend. */
export class SqliteMemoryRepository implements MemoryRepository, DatabaseBackups {
  private db: Database.Database;
  private sql: Statements;
  private readonly filteredStatements = new Map<string, Database.Statement>();
  /** Set while a restore owns the database: every other operation waits for it. */
  private pause: Promise<void> | null = null;

  private constructor(private readonly options: SqliteRepositoryOptions) {
    this.db = SqliteMemoryRepository.connect(options);
    this.sql = prepareStatements(this.db);
  }

  static open(options: SqliteRepositoryOptions): SqliteMemoryRepository {
    return new SqliteMemoryRepository(options);
  }

  private static connect(options: SqliteRepositoryOptions): Database.Database {
    const db = openSqliteDatabase(options.path, options.pragmas);
    try {
      applyMigrations(db, options.path);
      ensureEmbeddingSpace(db, options.path, options.embeddingModel, options.embeddingDimension);
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private run<T>(operation: () => T): Promise<T> {
    return withBusyRetry(operation, this.options.busyBudgetMs, () => this.pause);
  }

  /** Writes take the lock up front (IMMEDIATE) so they never deadlock upgrading a read lock. */
  private write<T>(operation: () => T): Promise<T> {
    return this.run(() => this.db.transaction(operation).immediate());
  }

  insertWithEmbedding(memory: Memory, embedding: Float32Array): Promise<InsertOutcome> {
    return this.write((): InsertOutcome => {
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
      return { inserted: true, memory };
    });
  }

  findByHash(contentHash: string): Promise<Memory | null> {
    return this.run(() => {
      const row = this.sql.findByHash.get(contentHash) as MemoryRow | undefined;
      return row ? toMemory(row) : null;
    });
  }

  list(filter: MemoryFilter, offset: number, limit: number): Promise<MemoryPage> {
    const where = this.whereClause(filter);
    return this.run(() => {
      const select = this.filteredStatement(
        `SELECT m.* FROM memories m ${where.sql} ORDER BY m.created_at DESC, m.id DESC LIMIT @limit OFFSET @offset`,
      );
      const count = this.filteredStatement(`SELECT COUNT(*) FROM memories m ${where.sql}`).pluck();
      return this.db.transaction((): MemoryPage => {
        const rows = select.all({ ...where.params, limit, offset }) as MemoryRow[];
        return { memories: rows.map(toMemory), total: count.get(where.params) as number };
      })();
    });
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
      return updated;
    });
  }

  delete(contentHash: string): Promise<boolean> {
    return this.write(() => {
      const id = this.sql.findIdByHash.get(contentHash) as number | undefined;
      if (id === undefined) return false;
      this.sql.deleteEmbedding.run(BigInt(id));
      this.sql.deleteMemory.run(id);
      return true;
    });
  }

  searchByVector(embedding: Float32Array, filter: MemoryFilter, limit: number): Promise<ScoredMemory[]> {
    const blob = toVectorBlob(embedding);
    const { excludeHash, ...rest } = filter;
    const where = this.whereClause(rest);
    if (where.sql !== '') {
      // Filtered search computes exact distances over the matching rows only, which stays correct
      // however selective the filter is (a KNN-then-filter pass could return too few results).
      return this.run(() => {
        const statement = this.filteredStatement(
          `SELECT m.*, vec_distance_cosine(e.embedding, @vector) AS distance
           FROM memories m JOIN memory_embeddings e ON e.rowid = m.id
           ${where.sql} ${excludeHash === undefined ? '' : 'AND m.content_hash <> @excludeHash'}
           ORDER BY distance LIMIT @limit`,
        );
        const params = { ...where.params, vector: blob, limit, ...(excludeHash === undefined ? {} : { excludeHash }) };
        const rows = statement.all(params) as (MemoryRow & { distance: number })[];
        return rows.map((row) => ({ memory: toMemory(row), distance: row.distance }));
      });
    }
    return this.run(() =>
      this.db.transaction((): ScoredMemory[] => {
        const k = excludeHash === undefined ? limit : limit + 1;
        const hits = this.sql.knn.all(blob, k) as { id: number; distance: number }[];
        const rows = this.sql.findByIds.all(JSON.stringify(hits.map((h) => h.id))) as MemoryRow[];
        const byId = new Map(rows.map((r) => [r.id, r]));
        return hits
          .map((hit) => ({ row: byId.get(hit.id), distance: hit.distance }))
          .filter((hit): hit is { row: MemoryRow; distance: number } => hit.row !== undefined && hit.row.content_hash !== excludeHash)
          .slice(0, limit)
          .map((hit) => ({ memory: toMemory(hit.row), distance: hit.distance }));
      })(),
    );
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

  tagCounts(): Promise<TagCount[]> {
    return this.run(() => this.sql.tagCounts.all() as TagCount[]);
  }

  statistics(): Promise<StorageStatistics> {
    return this.run(() => this.sql.statistics.get() as StorageStatistics);
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
      };
    });
  }

  async ping(): Promise<void> {
    await this.run(() => this.sql.ping.get());
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    try {
      // Folds the WAL back into the main file so the database is one self-contained file at rest.
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
    }
  }

  backupTo(destination: string): Promise<void> {
    return onlineBackup(this.db, destination);
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

  async replaceWith(file: string): Promise<void> {
    const path = this.options.path;
    const previous = `${path}.replaced`;
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
    removeSidecars(path);
    renameSync(path, previous);
    try {
      await installDatabaseFile(path, file);
      this.db = SqliteMemoryRepository.connect(this.options);
    } catch (error) {
      // The replacement cannot be used: put the original back so the service keeps running.
      removeSidecars(path);
      renameSync(previous, path);
      this.db = SqliteMemoryRepository.connect(this.options);
      this.sql = prepareStatements(this.db);
      throw error;
    }
    this.sql = prepareStatements(this.db);
    this.filteredStatements.clear();
    rmSync(previous, { force: true });
  }

  /** Builds a WHERE clause from fixed fragments; every user value is a bound parameter. */
  private whereClause(filter: MemoryFilter): WhereClause {
    const conditions: string[] = [];
    const params: Record<string, string | number> = {};
    if (filter.memoryType !== undefined) {
      conditions.push('m.memory_type = @memoryType');
      params.memoryType = filter.memoryType;
    }
    if (filter.tags && filter.tags.tags.length > 0) {
      params.tags = JSON.stringify(filter.tags.tags);
      if (filter.tags.match === 'all') {
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

  private filteredStatement(sql: string): Database.Statement {
    let statement = this.filteredStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.filteredStatements.set(sql, statement);
    }
    return statement;
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
