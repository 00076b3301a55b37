import type { DayCount, StorageDetails, StorageStatistics, TagCount } from '../memory.js';
import type { StorageStatus } from '../roles.js';
import { type PostgresDatabase, redacted } from './postgres-database.js';
import { POSTGRES_SCHEMA_VERSION } from './postgres-migrations.js';

/** Counts, sizes and health of the PostgreSQL database. */
export class PostgresStatus implements StorageStatus {
  constructor(private readonly db: PostgresDatabase) {}

  async tagCounts(): Promise<TagCount[]> {
    const rows = await this.db.query<{ tag: string; count: string }>(
      'SELECT tag, COUNT(*) AS count FROM memory_tags GROUP BY tag ORDER BY COUNT(*) DESC, tag ASC',
    );
    return rows.map((r) => ({ tag: r.tag, count: Number(r.count) }));
  }

  async createdPerDay(from: number, offsetSeconds: number): Promise<DayCount[]> {
    const rows = await this.db.query<{ day: string; count: string }>(
      `SELECT to_char(to_timestamp(created_at + $2) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, COUNT(*) AS count
         FROM memories WHERE created_at >= $1 GROUP BY day ORDER BY day`,
      [from, offsetSeconds],
    );
    return rows.map((r) => ({ day: r.day, count: Number(r.count) }));
  }

  async statistics(): Promise<StorageStatistics> {
    const rows = await this.db.query<{ m: string; t: string }>(
      'SELECT (SELECT COUNT(*) FROM memories) AS m, (SELECT COUNT(DISTINCT tag) FROM memory_tags) AS t',
    );
    return { totalMemories: Number(rows[0]!.m), totalTags: Number(rows[0]!.t) };
  }

  async details(): Promise<StorageDetails> {
    const rows = await this.db.query<{ size: string; version: string; ef: string }>(
      "SELECT pg_database_size(current_database()) AS size, current_setting('server_version') AS version, current_setting('hnsw.ef_search', true) AS ef",
    );
    return {
      backend: 'postgres',
      databasePath: redacted(this.db.url),
      databaseSizeBytes: Number(rows[0]!.size),
      walSizeBytes: 0,
      embeddingModel: this.db.embeddingModel,
      embeddingDimension: this.db.embeddingDimension,
      schemaVersion: POSTGRES_SCHEMA_VERSION,
      pragmas: { server_version: rows[0]!.version, 'hnsw.ef_search': rows[0]!.ef, pool_size: this.db.poolSize },
      vectorIndex: null,
    };
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  lastWriteFailure(): string | null {
    return this.db.lastWriteFailure();
  }
}
