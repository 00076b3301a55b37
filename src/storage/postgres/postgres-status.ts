import type { DayCount, SpaceCount, StorageDetails, StorageStatistics, TagCount, TagStat } from '../memory.js';
import type { StorageStatus } from '../roles.js';
import { type PostgresDatabase, redacted } from './postgres-database.js';
import { POSTGRES_SCHEMA_VERSION } from './postgres-migrations.js';
import { SQL_NOW } from './postgres-rows.js';

/** Current, unexpired memories (over `memories m`): what counts count. */
const VISIBLE = `(m.expires_at IS NULL OR m.expires_at > ${SQL_NOW}) AND m.superseded_by IS NULL`;

/** Counts, sizes and health of the PostgreSQL database. */
export class PostgresStatus implements StorageStatus {
  constructor(private readonly db: PostgresDatabase) {}

  async tagCounts(spaces?: readonly string[]): Promise<TagCount[]> {
    const rows =
      spaces === undefined
        ? await this.db.query<{ tag: string; count: string }>(
            `SELECT t.tag AS tag, COUNT(*) AS count FROM memory_tags t JOIN memories m ON m.id = t.memory_id
             WHERE ${VISIBLE} GROUP BY t.tag ORDER BY COUNT(*) DESC, t.tag ASC`,
          )
        : await this.db.query<{ tag: string; count: string }>(
            `SELECT t.tag AS tag, COUNT(*) AS count FROM memory_tags t JOIN memories m ON m.id = t.memory_id
             WHERE m.space = ANY($1::text[]) AND ${VISIBLE} GROUP BY t.tag ORDER BY COUNT(*) DESC, t.tag ASC`,
            [spaces],
          );
    return rows.map((r) => ({ tag: r.tag, count: Number(r.count) }));
  }

  async tagStats(spaces?: readonly string[]): Promise<TagStat[]> {
    const rows = await this.db.query<{ tag: string; count: string; last_used: number; memory_types: string[] | null }>(
      `SELECT t.tag AS tag, COUNT(*) AS count, MAX(m.created_at) AS last_used,
              array_agg(DISTINCT m.memory_type ORDER BY m.memory_type) FILTER (WHERE m.memory_type IS NOT NULL) AS memory_types
         FROM memory_tags t JOIN memories m ON m.id = t.memory_id
        WHERE ${VISIBLE} ${spaces === undefined ? '' : 'AND m.space = ANY($1::text[])'}
        GROUP BY t.tag ORDER BY COUNT(*) DESC, t.tag ASC`,
      spaces === undefined ? [] : [spaces],
    );
    return rows.map((r) => ({ tag: r.tag, count: Number(r.count), lastUsed: Number(r.last_used), memoryTypes: r.memory_types ?? [] }));
  }

  async typeCounts(spaces?: readonly string[]): Promise<{ memoryType: string; count: number }[]> {
    const rows = await this.db.query<{ memory_type: string; count: string }>(
      `SELECT memory_type, COUNT(*) AS count FROM memories m WHERE memory_type IS NOT NULL AND ${VISIBLE}
         ${spaces === undefined ? '' : 'AND m.space = ANY($1::text[])'} GROUP BY memory_type ORDER BY memory_type`,
      spaces === undefined ? [] : [spaces],
    );
    return rows.map((r) => ({ memoryType: r.memory_type, count: Number(r.count) }));
  }

  async createdPerDay(from: number, offsetSeconds: number, spaces?: readonly string[]): Promise<DayCount[]> {
    const rows = await this.db.query<{ day: string; count: string }>(
      `SELECT to_char(to_timestamp(created_at + $2) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, COUNT(*) AS count
         FROM memories m WHERE created_at >= $1 AND ${VISIBLE} ${spaces === undefined ? '' : 'AND space = ANY($3::text[])'} GROUP BY day ORDER BY day`,
      spaces === undefined ? [from, offsetSeconds] : [from, offsetSeconds, spaces],
    );
    return rows.map((r) => ({ day: r.day, count: Number(r.count) }));
  }

  async statistics(spaces?: readonly string[]): Promise<StorageStatistics> {
    const rows =
      spaces === undefined
        ? await this.db.query<{ m: string; t: string }>(
            `SELECT (SELECT COUNT(*) FROM memories m WHERE ${VISIBLE}) AS m,
                    (SELECT COUNT(DISTINCT t.tag) FROM memory_tags t JOIN memories m ON m.id = t.memory_id WHERE ${VISIBLE}) AS t`,
          )
        : await this.db.query<{ m: string; t: string }>(
            `SELECT (SELECT COUNT(*) FROM memories m WHERE m.space = ANY($1::text[]) AND ${VISIBLE}) AS m,
                    (SELECT COUNT(DISTINCT t.tag) FROM memory_tags t JOIN memories m ON m.id = t.memory_id WHERE m.space = ANY($1::text[]) AND ${VISIBLE}) AS t`,
            [spaces],
          );
    return { totalMemories: Number(rows[0]!.m), totalTags: Number(rows[0]!.t) };
  }

  async spaceCounts(): Promise<SpaceCount[]> {
    const rows = await this.db.query<{ space: string; count: string }>(
      `SELECT space, COUNT(*) AS count FROM memories m WHERE ${VISIBLE} GROUP BY space ORDER BY space`,
    );
    return rows.map((r) => ({ space: r.space, count: Number(r.count) }));
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
