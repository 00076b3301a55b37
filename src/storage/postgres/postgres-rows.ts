import type { JsonObject, Memory, MemoryFilter } from '../memory.js';

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
}

export const MEMORY_COLUMNS = 'm.id, m.content_hash, m.space, m.content, m.tags, m.memory_type, m.metadata, m.created_at, m.updated_at';

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
  };
}

export interface WhereClause {
  sql: string;
  params: unknown[];
}

/** `AND ...` for a query that has a WHERE of its own ('' when the filter keeps everything). */
export const andWhere = (where: WhereClause): string => (where.sql === '' ? '' : `AND ${where.sql.slice('WHERE '.length)}`);

/** A WHERE clause over `memories m` from fixed SQL fragments; every value is a numbered parameter. */
export function whereClause(filter: MemoryFilter): WhereClause {
  const conditions: string[] = [];
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
