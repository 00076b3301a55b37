import { accessFields, type JsonObject, type Memory, type MemoryFilter } from '../memory.js';
import type { ReadStatement } from './sqlite-read.protocol.js';

/** A row of the memories table. */
export interface MemoryRow {
  id: number;
  content_hash: string;
  space: string;
  content: string;
  tags: string;
  memory_type: string | null;
  metadata: string;
  created_at: number;
  updated_at: number;
  superseded_by: string | null;
  supersedes: string | null;
  expires_at: number | null;
  access_count?: number;
  last_accessed_at?: number | null;
}

export function toMemory(row: MemoryRow): Memory {
  return {
    contentHash: row.content_hash,
    space: row.space,
    content: row.content,
    tags: JSON.parse(row.tags) as string[],
    memoryType: row.memory_type,
    metadata: JSON.parse(row.metadata) as JsonObject,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...lifecycleOf(row),
    ...accessFields(row.access_count, row.last_accessed_at),
  };
}

/** The lifecycle fields a memory has (none for a current memory that never expires). */
export function lifecycleOf(row: { superseded_by: string | null; supersedes: string | null; expires_at: number | null }): Partial<Memory> {
  return {
    ...(row.superseded_by === null ? {} : { supersededBy: row.superseded_by }),
    ...(row.supersedes === null ? {} : { supersedes: row.supersedes }),
    ...(row.expires_at === null ? {} : { expiresAt: Number(row.expires_at) }),
  };
}

/** The columns a memory is written with (named parameters of the insert statement). */
export function memoryColumns(memory: Memory): Record<string, string | number | null> {
  return {
    contentHash: memory.contentHash,
    space: memory.space,
    content: memory.content,
    tags: JSON.stringify(memory.tags),
    memoryType: memory.memoryType,
    metadata: JSON.stringify(memory.metadata),
    createdAt: memory.createdAt,
    updatedAt: memory.updatedAt,
    supersededBy: memory.supersededBy ?? null,
    supersedes: memory.supersedes ?? null,
    expiresAt: memory.expiresAt ?? null,
  };
}

/**
 * The vector's bytes in a buffer of their own (small to send to a read worker): a Buffer copied
 * from a typed array is a view into Node's shared 64 KiB pool, and postMessage clones the whole
 * pool, on the event loop.
 */
export function toVectorBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer.slice(vector.byteOffset, vector.byteOffset + vector.byteLength) as ArrayBuffer);
}

/** A stored vector's bytes as floats (copied: the driver's buffer may be reused). */
export function fromVectorBlob(blob: Uint8Array): Float32Array {
  return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
}

/**
 * Where a passage's vector sits in memory_embeddings: its id plus this (memories' own vectors sit
 * under their ids, which stay far below it). Any key at or above it is a passage's.
 */
export const PASSAGE_KEY_BASE = 2 ** 40;

/** SQL for the memory a vector key belongs to (`key` an expression, `p` a memory_passages row joined on it). */
export const PASSAGE_SQL = {
  /** memory_passages joined to a vector key (`s.key`). */
  join: (key: string): string => `LEFT JOIN memory_passages p ON ${key} >= ${PASSAGE_KEY_BASE} AND p.id = ${key} - ${PASSAGE_KEY_BASE}`,
  owner: (key: string): string => `CASE WHEN ${key} >= ${PASSAGE_KEY_BASE} THEN p.memory_id ELSE ${key} END`,
};

/** A memory's passages with their vectors, in order. */
export const PASSAGES_OF = `SELECT p.char_start AS start, p.char_end AS end, e.embedding AS embedding
  FROM memory_passages p JOIN memory_embeddings e ON e.rowid = ${PASSAGE_KEY_BASE} + p.id WHERE p.memory_id = ? ORDER BY p.id`;

export interface WhereClause {
  sql: string;
  params: Record<string, string | number>;
}

/** `AND ...` for a query that has a WHERE of its own ('' when the filter keeps everything). */
export const andWhere = (where: WhereClause): string => (where.sql === '' ? '' : `AND ${where.sql.slice('WHERE '.length)}`);

/** Whether a filter has tag conditions and nothing else (such pages can be read two ways). */
export const filtersOnlyTags = (filter: MemoryFilter): boolean =>
  filter.tags !== undefined && Object.entries(filter).every(([key, value]) => key === 'tags' || value === undefined);

/** Now, in epoch seconds, as SQLite computes it (without unixepoch('subsec'), which older builds lack). */
export const SQL_NOW = "((julianday('now') - 2440587.5) * 86400.0)";

/** The conditions that keep hidden memories out: expired ones always, superseded ones unless asked for. */
export function visibilitySql(includeSuperseded: boolean): string {
  return `(m.expires_at IS NULL OR m.expires_at > ${SQL_NOW})${includeSuperseded ? '' : ' AND m.superseded_by IS NULL'}`;
}

/** `column` (a memory id) is of no hidden memory: checked against the few the partial index holds, not row by row. */
export const notHidden = (column: string, includeSuperseded = false): string =>
  `${column} NOT IN (SELECT m.id FROM memories m WHERE (m.superseded_by IS NOT NULL OR m.expires_at IS NOT NULL) AND NOT (${visibilitySql(includeSuperseded)}))`;

/** Hidden (superseded, expiring) memories up to this many are over-fetched by a search and dropped; more make it a filtered one. */
export const OVERFETCH_HIDDEN_MAX = 1_000;

/** How many memories may be hidden (superseded or expiring), from the partial indexes: what a search over-fetches by. */
export const hiddenCountStatement = (includeSuperseded: boolean): ReadStatement => ({
  sql: includeSuperseded
    ? 'SELECT COUNT(*) FROM memories WHERE expires_at IS NOT NULL'
    : 'SELECT COUNT(*) FROM memories WHERE superseded_by IS NOT NULL OR expires_at IS NOT NULL',
  params: {},
  mode: 'pluck',
});

/**
 * A WHERE clause over `memories m` from fixed fragments; every user value is a bound parameter.
 * `perRow`: the tag conditions as per-row lookups (EXISTS on the memory's own tags) instead of a
 * set of matching ids: for checking a few hundred candidates, where building the set of every
 * memory with a broad tag would cost more than the search. A column instead of `true` keys the
 * lookups on it (a full-text index's rowid: checked before the memory's row is read). `visibility`
 * false leaves hidden memories in (for a search that over-fetches and drops them itself).
 */
export function whereClause(filter: MemoryFilter, perRow: boolean | string = false, visibility = true): WhereClause {
  const conditions: string[] = visibility ? [visibilitySql(filter.includeSuperseded === true)] : [];
  const params: Record<string, string | number> = {};
  if (filter.spaces !== undefined) {
    conditions.push('m.space IN (SELECT value FROM json_each(@spaces))');
    params.spaces = JSON.stringify(filter.spaces);
  }
  if (filter.agentId !== undefined) {
    conditions.push("(json_extract(m.metadata, '$.agent_id') = @agentId OR m.id IN (SELECT memory_id FROM memory_tags WHERE tag = 'agent:' || @agentId))");
    params.agentId = filter.agentId;
  }
  if (filter.memoryType !== undefined) {
    conditions.push('m.memory_type = @memoryType');
    params.memoryType = filter.memoryType;
  }
  if (filter.tags && filter.tags.tags.length > 0) {
    params.tags = JSON.stringify(filter.tags.tags);
    if (perRow !== false) {
      const id = perRow === true ? 'm.id' : perRow;
      conditions.push(
        filter.tags.match === 'all'
          ? `(SELECT COUNT(*) FROM memory_tags t WHERE t.memory_id = ${id} AND t.tag IN (SELECT value FROM json_each(@tags))) = @tagCount`
          : `EXISTS (SELECT 1 FROM memory_tags t WHERE t.memory_id = ${id} AND t.tag IN (SELECT value FROM json_each(@tags)))`,
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
  if (filter.untagged === true) conditions.push('NOT EXISTS (SELECT 1 FROM memory_tags t WHERE t.memory_id = m.id)');
  if (filter.idleBefore !== undefined) {
    conditions.push('COALESCE(m.last_accessed_at, m.created_at) < @idleBefore');
    params.idleBefore = filter.idleBefore;
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

/**
 * How many memories a filter keeps (from the tag index alone when only any-of tags filter, else
 * over the rows), or with `cap`, how many up to the cap (no more rows are visited).
 */
export function countStatement(filter: MemoryFilter, where: WhereClause, cap?: number): ReadStatement {
  const [sql, params] =
    filtersOnlyTags(filter) && filter.tags!.match === 'any'
      ? [
          `SELECT DISTINCT memory_id FROM memory_tags WHERE tag IN (SELECT value FROM json_each(@tags)) AND ${notHidden('memory_id', filter.includeSuperseded === true)}`,
          { tags: where.params.tags! },
        ]
      : [`SELECT 1 FROM memories m ${where.sql}`, where.params];
  return cap === undefined
    ? { sql: `SELECT COUNT(*) FROM (${sql})`, params, mode: 'pluck' }
    : { sql: `SELECT COUNT(*) FROM (${sql} LIMIT @cap)`, params: { ...params, cap }, mode: 'pluck' };
}
