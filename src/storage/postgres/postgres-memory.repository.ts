import pg from 'pg';
import pgvector from 'pgvector';
import { StorageUnavailableError } from '../../common/domain-errors.js';
import { EmbeddingSpaceMismatchError } from '../embedding-space-mismatch.error.js';
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
import { EMBEDDING_MODEL_CHANGED, memoryDeletedChange, MemoryChangeTypes, memoryStoredChange, memoryUpdatedChange } from '../change-log.js';
import { appendEvent } from './postgres-event-log.js';
import { applyPostgresMigrations, POSTGRES_SCHEMA_VERSION } from './postgres-migrations.js';
import { ROLLED_BACK, type SqlRunner } from '../oauth-store.js';

export interface PostgresRepositoryOptions {
  url: string;
  poolSize: number;
  efSearch: number;
  embeddingModel: string;
  embeddingDimension: number;
}

interface MemoryRow {
  id: string;
  content_hash: string;
  content: string;
  tags: string[];
  memory_type: string | null;
  metadata: JsonObject;
  created_at: number;
  updated_at: number;
}

const MEMORY_COLUMNS = 'm.id, m.content_hash, m.content, m.tags, m.memory_type, m.metadata, m.created_at, m.updated_at';

function toMemory(row: MemoryRow): Memory {
  return {
    contentHash: row.content_hash,
    content: row.content,
    tags: row.tags,
    memoryType: row.memory_type,
    metadata: row.metadata,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** A connection string without its password, for health output and logs. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable)';
  }
}

/** Connection-level failures become 503s; everything else is a bug and surfaces as is. */
function translate(error: unknown): unknown {
  const code = (error as { code?: string }).code ?? '';
  if (/^(08|57P|53)/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND'].includes(code)) {
    return new StorageUnavailableError(`PostgreSQL: ${(error as Error).message}`);
  }
  if ((error as Error).message === 'Cannot use a pool after calling end on the pool') return new StorageUnavailableError('the database is closed');
  return error;
}

interface WhereClause {
  sql: string;
  params: unknown[];
}

/** PostgreSQL + pgvector: the second MemoryRepository, for several stateless replicas on one database. */
/** The memory, its tags and its change, inside the caller's transaction; an existing hash is reported. */
async function insertIn(client: pg.PoolClient, memory: Memory, embedding: Float32Array): Promise<InsertOutcome> {
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO memories (content_hash, content, tags, memory_type, metadata, created_at, updated_at, embedding)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (content_hash) DO NOTHING RETURNING id`,
    [
      memory.contentHash,
      memory.content,
      JSON.stringify(memory.tags),
      memory.memoryType,
      JSON.stringify(memory.metadata),
      memory.createdAt,
      memory.updatedAt,
      pgvector.toSql(Array.from(embedding)),
    ],
  );
  const id = inserted.rows[0]?.id;
  if (id === undefined) {
    const existing = await client.query<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM memories m WHERE content_hash = $1`, [memory.contentHash]);
    return { inserted: false, existing: toMemory(existing.rows[0]!) };
  }
  if (memory.tags.length > 0) {
    await client.query('INSERT INTO memory_tags (tag, memory_id) SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING', [memory.tags, id]);
  }
  await appendEvent(client, MemoryChangeTypes.stored, memoryStoredChange(memory));
  return { inserted: true, memory };
}

export class PostgresMemoryRepository implements MemoryRepository {
  private writeFailure: string | null = null;

  private constructor(
    private readonly pool: pg.Pool,
    private options: PostgresRepositoryOptions,
    /** pgvector 0.8+: a filtered search keeps scanning the index until enough rows pass the filter. */
    private readonly iterativeScan: boolean,
  ) {}

  static async open(options: PostgresRepositoryOptions): Promise<PostgresMemoryRepository> {
    // ef_search is set per session at connection start-up, so every pooled client searches alike.
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize, options: `-c hnsw.ef_search=${Math.trunc(options.efSearch)}` });
    // An idle client that loses its connection must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    let version: string;
    try {
      await applyPostgresMigrations(pool, options.embeddingModel, options.embeddingDimension);
      version = ((await pool.query<{ v: string }>("SELECT extversion AS v FROM pg_extension WHERE extname = 'vector'")).rows[0]?.v ?? '0') as string;
    } catch (error) {
      await pool.end();
      if (error instanceof EmbeddingSpaceMismatchError) throw error;
      throw new StorageUnavailableError(`cannot prepare the PostgreSQL database at ${redacted(options.url)}: ${(error as Error).message}`);
    }
    const [major = 0, minor = 0] = version.split('.').map(Number);
    return new PostgresMemoryRepository(pool, options, major > 0 || minor >= 8);
  }

  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (error) {
      throw translate(error);
    }
  }

  /** A pooled client for `work`, released afterwards; a failure to connect is a domain error. */
  private async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translate(error);
    }
    try {
      return await work(client);
    } finally {
      client.release();
    }
  }

  private transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        this.writeFailure = null;
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        const translated = translate(error);
        if (translated instanceof StorageUnavailableError) this.writeFailure = translated.message;
        throw translated;
      }
    });
  }

  /** For the other stores in this database (OAuth): SqlRunner on this pool (`?` placeholders become $n). */
  sideTables(): SqlRunner {
    const numbered = (sql: string): string => {
      let n = 0;
      return sql.replace(/\?/g, () => `$${++n}`);
    };
    return {
      query: (sql, params) => this.query<Record<string, unknown>>(numbered(sql), params),
      transaction: async (statements) => {
        try {
          return await this.transaction(async (client) => {
            for (const { sql, params, mustChange } of statements) {
              if ((await client.query(numbered(sql), params)).rowCount === 0 && mustChange) throw ROLLED_BACK;
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

  async insertWithEmbedding(memory: Memory, embedding: Float32Array): Promise<InsertOutcome> {
    return this.transaction(async (client) => {
      await this.assertModelUnchanged(client);
      return insertIn(client, memory, embedding);
    });
  }

  async insertBatch(entries: readonly { memory: Memory; embedding: Float32Array }[]): Promise<number> {
    return this.transaction(async (client) => {
      await this.assertModelUnchanged(client);
      let inserted = 0;
      for (const { memory, embedding } of entries) if ((await insertIn(client, memory, embedding)).inserted) inserted += 1;
      return inserted;
    });
  }

  async findByHash(contentHash: string): Promise<Memory | null> {
    const rows = await this.query<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM memories m WHERE content_hash = $1`, [contentHash]);
    return rows[0] ? toMemory(rows[0]) : null;
  }

  async find(filter: MemoryFilter, offset: number, limit: number): Promise<Memory[]> {
    const where = this.whereClause(filter);
    const n = where.params.length;
    const rows = await this.query<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memories m ${where.sql} ORDER BY m.created_at DESC, m.id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...where.params, limit, offset],
    );
    return rows.map(toMemory);
  }

  async list(filter: MemoryFilter, offset: number, limit: number): Promise<MemoryPage> {
    const where = this.whereClause(filter);
    const n = where.params.length;
    const [rows, counts] = await Promise.all([
      this.query<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM memories m ${where.sql} ORDER BY m.created_at DESC, m.id DESC LIMIT $${n + 1} OFFSET $${n + 2}`, [
        ...where.params,
        limit,
        offset,
      ]),
      this.query<{ total: string }>(`SELECT COUNT(*) AS total FROM memories m ${where.sql}`, where.params),
    ]);
    return { memories: rows.map(toMemory), total: Number(counts[0]!.total) };
  }

  async update(contentHash: string, patch: MemoryPatch): Promise<Memory | null> {
    return this.transaction(async (client) => {
      const found = await client.query<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM memories m WHERE content_hash = $1 FOR UPDATE`, [contentHash]);
      const row = found.rows[0];
      if (!row) return null;
      const updated = applyPatch(toMemory(row), patch);
      await client.query('UPDATE memories SET tags = $2, memory_type = $3, metadata = $4, updated_at = $5 WHERE id = $1', [
        row.id,
        JSON.stringify(updated.tags),
        updated.memoryType,
        JSON.stringify(updated.metadata),
        updated.updatedAt,
      ]);
      if (patch.tags) {
        await client.query('DELETE FROM memory_tags WHERE memory_id = $1', [row.id]);
        if (updated.tags.length > 0)
          await client.query('INSERT INTO memory_tags (tag, memory_id) SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING', [updated.tags, row.id]);
      }
      await appendEvent(client, MemoryChangeTypes.updated, memoryUpdatedChange(updated, patch.actor ?? null));
      return updated;
    });
  }

  async delete(contentHash: string, actor: string | null = null): Promise<boolean> {
    return this.transaction(async (client) => {
      const deleted = await client.query('DELETE FROM memories WHERE content_hash = $1 RETURNING id', [contentHash]);
      if (deleted.rows.length === 0) return false;
      await appendEvent(client, MemoryChangeTypes.deleted, memoryDeletedChange(contentHash, actor));
      return true;
    });
  }

  /**
   * Nearest first through the HNSW index. A filtered search uses pgvector's iterative index scan
   * (0.8+), which keeps scanning until enough rows pass the filter instead of returning too few;
   * a limit above ef_search raises it for that search (the index returns at most ef_search rows).
   */
  async searchByVector(query: Float32Array | Promise<Float32Array>, filter: MemoryFilter, limit: number): Promise<ScoredMemory[]> {
    const embedding = await query;
    const where = this.whereClause(filter);
    const n = where.params.length;
    const sql = `SELECT ${MEMORY_COLUMNS}, m.embedding <=> $${n + 1} AS distance FROM memories m ${where.sql} ORDER BY distance LIMIT $${n + 2}`;
    const params = [...where.params, pgvector.toSql(Array.from(embedding)), limit];
    const settings = [
      ...(limit > this.options.efSearch ? [`SET LOCAL hnsw.ef_search = ${Math.trunc(limit)}`] : []),
      ...(where.sql !== '' && this.iterativeScan ? ['SET LOCAL hnsw.iterative_scan = relaxed_order'] : []),
    ];
    const rows =
      settings.length === 0
        ? await this.query<MemoryRow & { distance: number }>(sql, params)
        : await this.readWith<MemoryRow & { distance: number }>(settings, sql, params);
    // relaxed_order may return rows slightly out of order: the exact distances put them right.
    return rows.sort((a, b) => Number(a.distance) - Number(b.distance)).map((row) => ({ memory: toMemory(row), distance: Number(row.distance) }));
  }

  /** One read with session settings local to its transaction. */
  private readWith<R extends pg.QueryResultRow>(settings: string[], sql: string, params: unknown[]): Promise<R[]> {
    return this.withClient(async (client) => {
      try {
        await client.query('BEGIN READ ONLY');
        for (const setting of settings) await client.query(setting);
        const rows = (await client.query<R>(sql, params)).rows;
        await client.query('COMMIT');
        return rows;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw translate(error);
      }
    });
  }

  async searchByKeywords(terms: readonly string[], filter: MemoryFilter, limit: number): Promise<KeywordHit[]> {
    if (terms.length === 0) return [];
    const where = this.whereClause(filter);
    const params: unknown[] = [...where.params];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    // Each term is a bound parameter turned into a phrase query: never tsquery syntax.
    const query = terms.map((term) => `phraseto_tsquery('english', ${param(term)})`).join(' || ');
    const rows = await this.query<MemoryRow & { score: number }>(
      `SELECT ${MEMORY_COLUMNS}, ts_rank_cd(m.search_vector, q.query) AS score
       FROM memories m, (SELECT ${query} AS query) q
       WHERE m.search_vector @@ q.query ${where.sql === '' ? '' : `AND ${where.sql.slice('WHERE '.length)}`}
       ORDER BY score DESC, m.created_at DESC LIMIT ${param(limit)}`,
      params,
    );
    return rows.map((row) => ({ memory: toMemory(row), score: Number(row.score) }));
  }

  async distances(embedding: Float32Array, contentHashes: readonly string[]): Promise<Map<string, number>> {
    if (contentHashes.length === 0) return new Map();
    const rows = await this.query<{ hash: string; distance: number }>(
      'SELECT content_hash AS hash, embedding <=> $1 AS distance FROM memories WHERE content_hash = ANY($2)',
      [pgvector.toSql(Array.from(embedding)), contentHashes],
    );
    return new Map(rows.map((row) => [row.hash, Number(row.distance)]));
  }

  async findContaining(text: string, filter: MemoryFilter, limit: number): Promise<Memory[]> {
    const where = this.whereClause(filter);
    const n = where.params.length;
    const rows = await this.query<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE strpos(lower(m.content), lower($${n + 1})) > 0
       ${where.sql === '' ? '' : `AND ${where.sql.slice('WHERE '.length)}`}
       ORDER BY m.created_at DESC, m.id DESC LIMIT $${n + 2}`,
      [...where.params, text, limit],
    );
    return rows.map(toMemory);
  }

  async findEmbedding(contentHash: string): Promise<Float32Array | null> {
    const rows = await this.query<{ embedding: string }>('SELECT embedding::text AS embedding FROM memories WHERE content_hash = $1', [contentHash]);
    return rows[0] ? Float32Array.from(pgvector.fromSql(rows[0].embedding) as number[]) : null;
  }

  async existingHashes(contentHashes: readonly string[]): Promise<Set<string>> {
    if (contentHashes.length === 0) return new Set();
    const rows = await this.query<{ hash: string }>('SELECT content_hash AS hash FROM memories WHERE content_hash = ANY($1)', [contentHashes]);
    return new Set(rows.map((row) => row.hash));
  }

  async scan(after: number, limit: number, withEmbeddings: boolean): Promise<ScanPage> {
    const rows = await this.query<MemoryRow & { id: string; embedding?: string }>(
      `SELECT ${MEMORY_COLUMNS}${withEmbeddings ? ', m.embedding::text AS embedding' : ''} FROM memories m WHERE m.id > $1 ORDER BY m.id LIMIT $2`,
      [after, limit],
    );
    return {
      entries: rows.map((row) => ({
        memory: toMemory(row),
        embedding: row.embedding === undefined ? null : Float32Array.from(pgvector.fromSql(row.embedding) as number[]),
      })),
      next: rows.length < limit ? null : Number(rows[rows.length - 1]!.id),
    };
  }

  /**
   * Another replica may have moved the database to another model (a re-embed): vectors from this
   * one's model must not be written. The row lock orders this against the switch.
   */
  private async assertModelUnchanged(client: pg.PoolClient): Promise<void> {
    const rows = await client.query<{ value: string }>("SELECT value FROM service_meta WHERE key = 'embedding_model' FOR SHARE");
    const stored = rows.rows[0]?.value;
    if (stored !== undefined && stored !== this.options.embeddingModel) {
      throw new StorageUnavailableError(
        `The database was moved to embedding model "${stored}" by a re-embed; restart this replica with MCP_EMBEDDING_MODEL=${stored}`,
      );
    }
  }

  // --- Re-embedding into another model: a side column with its own HNSW index, swapped in by renames ---

  async beginReembed(model: string, dimension: number): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('LOCK TABLE service_meta IN EXCLUSIVE MODE');
      const meta = await client.query<{ key: string; value: string }>(
        "SELECT key, value FROM service_meta WHERE key IN ('reembed_model', 'reembed_dimension')",
      );
      const stored = new Map(meta.rows.map((row) => [row.key, row.value]));
      if (stored.get('reembed_model') !== model || stored.get('reembed_dimension') !== String(dimension)) {
        await client.query('ALTER TABLE memories DROP COLUMN IF EXISTS embedding_next');
      }
      await client.query(`ALTER TABLE memories ADD COLUMN IF NOT EXISTS embedding_next vector(${Math.trunc(dimension)})`);
      await client.query(
        "INSERT INTO service_meta (key, value) VALUES ('reembed_model', $1), ('reembed_dimension', $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [model, String(dimension)],
      );
    });
  }

  async reembedPending(after: number, limit: number): Promise<{ ref: number; content: string }[]> {
    const rows = await this.query<{ ref: string; content: string }>(
      'SELECT id AS ref, content FROM memories WHERE embedding_next IS NULL AND id > $1 ORDER BY id LIMIT $2',
      [after, limit],
    );
    return rows.map((row) => ({ ref: Number(row.ref), content: row.content }));
  }

  async reembedProgress(): Promise<{ done: number; total: number }> {
    const rows = await this.query<{ done: string; total: string }>('SELECT COUNT(embedding_next) AS done, COUNT(*) AS total FROM memories');
    return { done: Number(rows[0]!.done), total: Number(rows[0]!.total) };
  }

  async storeReembedded(entries: readonly { ref: number; embedding: Float32Array }[]): Promise<void> {
    if (entries.length === 0) return;
    await this.query('UPDATE memories m SET embedding_next = v.embedding::vector FROM unnest($1::bigint[], $2::text[]) AS v(id, embedding) WHERE m.id = v.id', [
      entries.map((e) => e.ref),
      entries.map((e) => pgvector.toSql(Array.from(e.embedding))),
    ]);
  }

  /**
   * The new column gets its HNSW index first (built concurrently: reads and writes go on), then
   * one short transaction swaps the columns and indexes by renames and records the model.
   */
  async completeReembed(model: string, dimension: number): Promise<number | null> {
    const progress = await this.reembedProgress();
    if (progress.done < progress.total) return null;
    // Built once (a valid index from an earlier attempt is kept; an interrupted concurrent build leaves an invalid one).
    const existing = await this.query<{ valid: boolean }>(
      "SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'memories_embedding_next_hnsw'",
    );
    if (existing[0]?.valid !== true) {
      await this.query('DROP INDEX IF EXISTS memories_embedding_next_hnsw');
      await this.query('CREATE INDEX CONCURRENTLY memories_embedding_next_hnsw ON memories USING hnsw (embedding_next vector_cosine_ops)');
    }
    const moved = await this.transaction(async (client) => {
      await client.query('LOCK TABLE memories IN SHARE ROW EXCLUSIVE MODE');
      const counts = await client.query<{ total: string; missing: string }>(
        'SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE embedding_next IS NULL) AS missing FROM memories',
      );
      if (Number(counts.rows[0]!.missing) > 0) return null;
      await client.query('ALTER TABLE memories DROP COLUMN embedding');
      await client.query('ALTER TABLE memories RENAME COLUMN embedding_next TO embedding');
      await client.query('ALTER TABLE memories ALTER COLUMN embedding SET NOT NULL');
      await client.query('ALTER INDEX memories_embedding_next_hnsw RENAME TO memories_embedding_hnsw');
      await client.query("UPDATE service_meta SET value = $1 WHERE key = 'embedding_model'", [model]);
      await client.query("UPDATE service_meta SET value = $1 WHERE key = 'embedding_dimension'", [String(dimension)]);
      await client.query("DELETE FROM service_meta WHERE key IN ('reembed_model', 'reembed_dimension')");
      await appendEvent(client, EMBEDDING_MODEL_CHANGED, {
        timestamp: new Date().toISOString(),
        model,
        dimension,
        message: `The memories were re-embedded with ${model}`,
      });
      return Number(counts.rows[0]!.total);
    });
    if (moved !== null) this.options = { ...this.options, embeddingModel: model, embeddingDimension: dimension };
    return moved;
  }

  async tagCounts(): Promise<TagCount[]> {
    const rows = await this.query<{ tag: string; count: string }>(
      'SELECT tag, COUNT(*) AS count FROM memory_tags GROUP BY tag ORDER BY COUNT(*) DESC, tag ASC',
    );
    return rows.map((r) => ({ tag: r.tag, count: Number(r.count) }));
  }

  async createdPerDay(from: number, offsetSeconds: number): Promise<DayCount[]> {
    const rows = await this.query<{ day: string; count: string }>(
      `SELECT to_char(to_timestamp(created_at + $2) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, COUNT(*) AS count
         FROM memories WHERE created_at >= $1 GROUP BY day ORDER BY day`,
      [from, offsetSeconds],
    );
    return rows.map((r) => ({ day: r.day, count: Number(r.count) }));
  }

  async statistics(): Promise<StorageStatistics> {
    const rows = await this.query<{ m: string; t: string }>('SELECT (SELECT COUNT(*) FROM memories) AS m, (SELECT COUNT(DISTINCT tag) FROM memory_tags) AS t');
    return { totalMemories: Number(rows[0]!.m), totalTags: Number(rows[0]!.t) };
  }

  async details(): Promise<StorageDetails> {
    const rows = await this.query<{ size: string; version: string; ef: string }>(
      "SELECT pg_database_size(current_database()) AS size, current_setting('server_version') AS version, current_setting('hnsw.ef_search', true) AS ef",
    );
    return {
      backend: 'postgres',
      databasePath: redacted(this.options.url),
      databaseSizeBytes: Number(rows[0]!.size),
      walSizeBytes: 0,
      embeddingModel: this.options.embeddingModel,
      embeddingDimension: this.options.embeddingDimension,
      schemaVersion: POSTGRES_SCHEMA_VERSION,
      pragmas: { server_version: rows[0]!.version, 'hnsw.ef_search': rows[0]!.ef, pool_size: this.options.poolSize },
      vectorIndex: null,
    };
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  lastWriteFailure(): string | null {
    return this.writeFailure;
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  /** Fixed SQL fragments; every value is a numbered parameter. */
  private whereClause(filter: MemoryFilter): WhereClause {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.memoryType !== undefined) conditions.push(`m.memory_type = ${param(filter.memoryType)}`);
    if (filter.tags && filter.tags.tags.length > 0) {
      const tags = param(filter.tags.tags);
      conditions.push(
        filter.tags.match === 'all'
          ? `m.id IN (SELECT memory_id FROM memory_tags WHERE tag = ANY(${tags}::text[]) GROUP BY memory_id HAVING COUNT(*) = ${param(new Set(filter.tags.tags).size)})`
          : `m.id IN (SELECT memory_id FROM memory_tags WHERE tag = ANY(${tags}::text[]))`,
      );
    }
    if (filter.createdFrom !== undefined) conditions.push(`m.created_at >= ${param(filter.createdFrom)}`);
    if (filter.createdBefore !== undefined) conditions.push(`m.created_at < ${param(filter.createdBefore)}`);
    if (filter.excludeHash !== undefined) conditions.push(`m.content_hash <> ${param(filter.excludeHash)}`);
    return { sql: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, params };
  }
}
