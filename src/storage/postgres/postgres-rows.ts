import { accessFields, type JsonObject, type Memory, type MemoryFilter } from '../memory.js';

/** A row of the memories table (without the vector). */
export interface MemoryRow {
  id: string;
  content_hash: string;
  space: string;
  content: string;
  tags: string[];
  memory_type: string | null;
  metadata: JsonObject;
  created_at: number;
  updated_at: number;
  superseded_by: string | null;
  supersedes: string | null;
  expires_at: number | null;
  access_count: string;
  last_accessed_at: number | null;
}

export const MEMORY_COLUMNS =
  'm.id, m.content_hash, m.space, m.content, m.tags, m.memory_type, m.metadata, m.created_at, m.updated_at, m.superseded_by, m.supersedes, m.expires_at, m.access_count, m.last_accessed_at';

export function toMemory(row: MemoryRow): Memory {
  return {
    contentHash: row.content_hash,
    space: row.space,
    content: row.content,
    tags: row.tags,
    memoryType: row.memory_type,
    metadata: row.metadata,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    ...(row.superseded_by === null ? {} : { supersededBy: row.superseded_by }),
    ...(row.supersedes === null ? {} : { supersedes: row.supersedes }),
    ...(row.expires_at === null ? {} : { expiresAt: Number(row.expires_at) }),
    ...accessFields(row.access_count, row.last_accessed_at),
  };
}

/** Now, in epoch seconds, as PostgreSQL computes it. */
export const SQL_NOW = 'extract(epoch from clock_timestamp())';

export interface WhereClause {
  sql: string;
  params: unknown[];
}

/** `AND ...` for a query that has a WHERE of its own ('' when the filter keeps everything). */
export const andWhere = (where: WhereClause): string => (where.sql === '' ? '' : `AND ${where.sql.slice('WHERE '.length)}`);

/** A WHERE clause over `memories m` from fixed SQL fragments; every value is a numbered parameter. */
export function whereClause(filter: MemoryFilter): WhereClause {
  // Expired memories are never read; superseded versions only when asked for.
  const conditions: string[] = [
    `(m.expires_at IS NULL OR m.expires_at > ${SQL_NOW})`,
    ...(filter.includeSuperseded === true ? [] : ['m.superseded_by IS NULL']),
  ];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.spaces !== undefined) conditions.push(`m.space = ANY(${param(filter.spaces)}::text[])`);
  if (filter.agentId !== undefined) {
    const agentId = param(filter.agentId);
    conditions.push(`(m.metadata->>'agent_id' = ${agentId} OR m.id IN (SELECT memory_id FROM memory_tags WHERE tag = 'agent:' || ${agentId}))`);
  }
  if (filter.memoryType !== undefined) conditions.push(`m.memory_type = ${param(filter.memoryType)}`);
  if (filter.untagged === true) conditions.push('NOT EXISTS (SELECT 1 FROM memory_tags t WHERE t.memory_id = m.id)');
  if (filter.idleBefore !== undefined) conditions.push(`COALESCE(m.last_accessed_at, m.created_at) < ${param(filter.idleBefore)}`);
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
