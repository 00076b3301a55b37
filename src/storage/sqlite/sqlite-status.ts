import type { DayCount, SpaceCount, StorageDetails, StorageStatistics, TagCount, TagStat } from '../memory.js';
import type { StorageStatus } from '../roles.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { fileSize } from './sqlite-database.js';
import { SCHEMA_VERSION } from './sqlite-migrations.js';
import { notHidden, visibilitySql, whereClause } from './sqlite-rows.js';
import type { SqliteVectorSearch } from './sqlite-vector-search.js';

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

/** Counts, sizes and health of a SQLite file. */
export class SqliteStatus implements StorageStatus {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly vectors: SqliteVectorSearch,
  ) {}

  async tagCounts(spaces?: readonly string[]): Promise<TagCount[]> {
    const [rows] = await this.db.read([
      spaces === undefined
        ? {
            sql: `SELECT tag, COUNT(*) AS count FROM memory_tags WHERE ${notHidden('memory_id')} GROUP BY tag ORDER BY count DESC, tag ASC`,
            params: {},
            mode: 'all',
          }
        : {
            sql: `SELECT t.tag AS tag, COUNT(*) AS count FROM memory_tags t JOIN memories m ON m.id = t.memory_id
                  WHERE m.space IN (SELECT value FROM json_each(@spaces)) AND ${visibilitySql(false)} GROUP BY t.tag ORDER BY count DESC, tag ASC`,
            params: { spaces: JSON.stringify(spaces) },
            mode: 'all',
          },
    ]);
    return rows as TagCount[];
  }

  async tagStats(spaces?: readonly string[]): Promise<TagStat[]> {
    const [rows] = await this.db.read([
      {
        sql: `SELECT t.tag AS tag, COUNT(*) AS count, MAX(m.created_at) AS lastUsed,
                     json_group_array(DISTINCT m.memory_type) FILTER (WHERE m.memory_type IS NOT NULL) AS memoryTypes
                FROM memory_tags t JOIN memories m ON m.id = t.memory_id
               WHERE ${visibilitySql(false)} ${spaces === undefined ? '' : 'AND m.space IN (SELECT value FROM json_each(@spaces))'}
               GROUP BY t.tag ORDER BY count DESC, tag ASC`,
        params: spaces === undefined ? {} : { spaces: JSON.stringify(spaces) },
        mode: 'all',
      },
    ]);
    return (rows as { tag: string; count: number; lastUsed: number; memoryTypes: string }[]).map((row) => ({
      ...row,
      memoryTypes: (JSON.parse(row.memoryTypes) as string[]).sort(),
    }));
  }

  async typeCounts(spaces?: readonly string[]): Promise<{ memoryType: string; count: number }[]> {
    const where = whereClause({ ...(spaces === undefined ? {} : { spaces }) });
    const [rows] = await this.db.read([
      {
        sql: `SELECT m.memory_type AS memoryType, COUNT(*) AS count FROM memories m ${where.sql} ${where.sql === '' ? 'WHERE' : 'AND'} m.memory_type IS NOT NULL
               GROUP BY m.memory_type ORDER BY m.memory_type`,
        params: where.params,
        mode: 'all',
      },
    ]);
    return rows as { memoryType: string; count: number }[];
  }

  async createdPerDay(from: number, offsetSeconds: number, spaces?: readonly string[]): Promise<DayCount[]> {
    const where = whereClause({ createdFrom: from, ...(spaces === undefined ? {} : { spaces }) });
    const [rows] = await this.db.read([
      {
        sql: `SELECT date(m.created_at + @offset, 'unixepoch') AS day, COUNT(*) AS count FROM memories m ${where.sql} GROUP BY day ORDER BY day`,
        params: { ...where.params, offset: offsetSeconds },
        mode: 'all',
      },
    ]);
    return rows as DayCount[];
  }

  async statistics(spaces?: readonly string[]): Promise<StorageStatistics> {
    const [row] = await this.db.read([
      spaces === undefined
        ? {
            sql: `SELECT (SELECT COUNT(*) FROM memories) - (SELECT COUNT(*) FROM memories m WHERE (m.superseded_by IS NOT NULL OR m.expires_at IS NOT NULL)
                           AND NOT (${visibilitySql(false)})) AS totalMemories,
                         (SELECT COUNT(DISTINCT tag) FROM memory_tags WHERE ${notHidden('memory_id')}) AS totalTags`,
            params: {},
            mode: 'get',
          }
        : {
            sql: `SELECT (SELECT COUNT(*) FROM memories m WHERE m.space IN (SELECT value FROM json_each(@spaces)) AND ${visibilitySql(false)}) AS totalMemories,
                         (SELECT COUNT(DISTINCT t.tag) FROM memory_tags t JOIN memories m ON m.id = t.memory_id
                          WHERE m.space IN (SELECT value FROM json_each(@spaces)) AND ${visibilitySql(false)}) AS totalTags`,
            params: { spaces: JSON.stringify(spaces) },
            mode: 'get',
          },
    ]);
    return row as StorageStatistics;
  }

  async spaceCounts(): Promise<SpaceCount[]> {
    const [rows] = await this.db.read([
      {
        sql: `SELECT m.space AS space, COUNT(*) AS count FROM memories m WHERE ${visibilitySql(false)} GROUP BY m.space ORDER BY m.space`,
        params: {},
        mode: 'all',
      },
    ]);
    return rows as SpaceCount[];
  }

  details(): Promise<StorageDetails> {
    return this.db.run(() => {
      const pragmas: Record<string, string | number> = {};
      for (const name of REPORTED_PRAGMAS) pragmas[name] = this.db.pragma(name) as string | number;
      return {
        backend: 'sqlite_vec',
        databasePath: this.db.path,
        databaseSizeBytes: fileSize(this.db.path),
        walSizeBytes: fileSize(`${this.db.path}-wal`),
        embeddingModel: this.db.embeddingModel,
        embeddingDimension: this.db.embeddingDimension,
        schemaVersion: SCHEMA_VERSION,
        pragmas,
        vectorIndex: this.vectors.vectorIndexStatus(),
      };
    });
  }

  async ping(): Promise<void> {
    // One page from the memories table's first leaf (a COUNT(*) would read every page, per health probe).
    await this.db.run(() => this.db.statement('SELECT 1 FROM memories LIMIT 1', true).get());
  }

  lastWriteFailure(): string | null {
    return this.db.lastWriteFailure();
  }
}
