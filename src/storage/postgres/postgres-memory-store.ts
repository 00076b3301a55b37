import type pg from 'pg';
import pgvector from 'pgvector';
import { memoryDeletedChange, MemoryChangeTypes, memoryStoredChange, memoryUpdatedChange } from '../change-log.js';
import {
  type AccessRecord,
  applyPatch,
  type InsertOutcome,
  type Memory,
  type MemoryFilter,
  type MemoryPage,
  type MemoryPatch,
  type PassageVector,
  type ScanPage,
} from '../memory.js';
import { type MemoryStore, type SpaceTransferPage, type SupersedeOutcome, versionHistory } from '../roles.js';
import { firstBySpace } from '../spaces-order.js';
import type { PostgresDatabase } from './postgres-database.js';
import { appendEvent } from './postgres-event-log.js';
import { MEMORY_COLUMNS, type MemoryRow, SQL_NOW, toMemory, whereClause } from './postgres-rows.js';

/** The memory, its tags, its passages and its change, inside the caller's transaction; an existing hash is reported. */
async function insertIn(client: pg.PoolClient, memory: Memory, embedding: Float32Array, passages: readonly PassageVector[] = []): Promise<InsertOutcome> {
  // An expired copy not purged yet gives way (purged now, with its change).
  const expired = await client.query(`DELETE FROM memories WHERE content_hash = $1 AND space = $2 AND expires_at <= ${SQL_NOW} RETURNING id`, [
    memory.contentHash,
    memory.space,
  ]);
  if (expired.rows.length > 0)
    await appendEvent(client, MemoryChangeTypes.deleted, { ...memoryDeletedChange(memory.contentHash, memory.space), reason: 'expired' });
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO memories (content_hash, content, tags, memory_type, metadata, created_at, updated_at, embedding, space, supersedes, expires_at, superseded_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (content_hash, space) DO NOTHING RETURNING id`,
    [
      memory.contentHash,
      memory.content,
      JSON.stringify(memory.tags),
      memory.memoryType,
      JSON.stringify(memory.metadata),
      memory.createdAt,
      memory.updatedAt,
      pgvector.toSql(Array.from(embedding)),
      memory.space,
      memory.supersedes ?? null,
      memory.expiresAt ?? null,
      memory.supersededBy ?? null,
    ],
  );
  const id = inserted.rows[0]?.id;
  if (id === undefined) {
    const existing = await client.query<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM memories m WHERE content_hash = $1 AND space = $2`, [
      memory.contentHash,
      memory.space,
    ]);
    return { inserted: false, existing: toMemory(existing.rows[0]!) };
  }
  if (memory.tags.length > 0) {
    await client.query('INSERT INTO memory_tags (tag, memory_id) SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING', [memory.tags, id]);
  }
  await insertPassagesIn(client, id, passages);
  await appendEvent(client, MemoryChangeTypes.stored, memoryStoredChange(memory));
  return { inserted: true, memory };
}

/** A memory's passages with their vectors, in order, inside the caller's transaction. */
async function insertPassagesIn(client: pg.PoolClient, memoryId: string, passages: readonly PassageVector[]): Promise<void> {
  if (passages.length === 0) return;
  await client.query(
    `INSERT INTO memory_passages (memory_id, char_start, char_end, embedding)
     SELECT $1, p.char_start, p.char_end, p.embedding::vector FROM unnest($2::int[], $3::int[], $4::text[]) WITH ORDINALITY AS p(char_start, char_end, embedding, n) ORDER BY p.n`,
    [memoryId, passages.map((p) => p.start), passages.map((p) => p.end), passages.map((p) => pgvector.toSql(Array.from(p.vector)))],
  );
}

/**
 * Locks the rows of current memories of the space (in hash order, so two writers never wait on
 * each other) and answers them in the order asked; else why not.
 */
async function lockCurrent(
  client: pg.PoolClient,
  hashes: readonly string[],
  space: string,
): Promise<MemoryRow[] | Extract<SupersedeOutcome, { reason: 'missing' | 'superseded' }>> {
  const locked = await client.query<MemoryRow>(
    `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE content_hash = ANY($1) AND space = $2 AND (m.expires_at IS NULL OR m.expires_at > ${SQL_NOW})
     ORDER BY content_hash FOR UPDATE`,
    [hashes, space],
  );
  const byHash = new Map(locked.rows.map((row) => [row.content_hash, row]));
  const rows: MemoryRow[] = [];
  for (const contentHash of hashes) {
    const row = byHash.get(contentHash);
    if (!row) return { superseded: false, reason: 'missing', contentHash };
    if (row.superseded_by !== null) return { superseded: false, reason: 'superseded', contentHash, by: row.superseded_by };
    rows.push(row);
  }
  return rows;
}

/** Marks a row superseded by a hash, with its event, inside the caller's transaction; the memory as marked. */
async function markSuperseded(client: pg.PoolClient, row: MemoryRow, by: string, actor: string | null): Promise<Memory> {
  await client.query('UPDATE memories SET superseded_by = $2 WHERE id = $1', [row.id, by]);
  const previous = { ...toMemory(row), supersededBy: by };
  await appendEvent(client, MemoryChangeTypes.updated, memoryUpdatedChange(previous, actor));
  return previous;
}

type PassageRow = { memory_id: string; start: number; end: number; embedding: string };

/** The passages of memories (by id) with their vectors, in order; a memory without any is absent. */
async function passagesOf(
  query: (sql: string, params: unknown[]) => Promise<PassageRow[]>,
  memoryIds: readonly string[],
): Promise<Map<string, PassageVector[]>> {
  const byMemory = new Map<string, PassageVector[]>();
  if (memoryIds.length === 0) return byMemory;
  const rows = await query(
    'SELECT memory_id, char_start AS start, char_end AS end, embedding::text AS embedding FROM memory_passages WHERE memory_id = ANY($1::bigint[]) ORDER BY id',
    [memoryIds],
  );
  for (const row of rows) {
    const list = byMemory.get(String(row.memory_id)) ?? [];
    list.push({ start: row.start, end: row.end, vector: Float32Array.from(pgvector.fromSql(row.embedding) as number[]) });
    byMemory.set(String(row.memory_id), list);
  }
  return byMemory;
}

/** Memories, their tags and vectors in PostgreSQL: every write with its event, in one transaction. */
export class PostgresMemoryStore implements MemoryStore {
  constructor(private readonly db: PostgresDatabase) {}

  insertWithEmbedding(memory: Memory, embedding: Float32Array, passages: readonly PassageVector[] = []): Promise<InsertOutcome> {
    return this.db.transaction(async (client) => {
      await this.db.assertModelUnchanged(client);
      return insertIn(client, memory, embedding, passages);
    });
  }

  insertBatch(entries: readonly { memory: Memory; embedding: Float32Array; passages?: readonly PassageVector[] }[]): Promise<number> {
    return this.db.transaction(async (client) => {
      await this.db.assertModelUnchanged(client);
      let inserted = 0;
      for (const { memory, embedding, passages } of entries) if ((await insertIn(client, memory, embedding, passages)).inserted) inserted += 1;
      return inserted;
    });
  }

  async findByHash(contentHash: string, spaces?: readonly string[]): Promise<Memory | null> {
    const rows = await this.db.query<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE content_hash = $1 AND (m.expires_at IS NULL OR m.expires_at > ${SQL_NOW})`,
      [contentHash],
    );
    return firstBySpace(rows.map(toMemory), spaces);
  }

  supersede(
    sources: readonly string[],
    space: string,
    next: Memory,
    embedding: Float32Array,
    actor: string | null,
    passages: readonly PassageVector[] = [],
  ): Promise<SupersedeOutcome> {
    return this.db.transaction(async (client) => {
      await this.db.assertModelUnchanged(client);
      const rows = await lockCurrent(client, sources, space);
      if (!Array.isArray(rows)) return rows;
      const inserted = await insertIn(client, { ...next, space, supersedes: sources[0]! }, embedding, passages);
      if (!inserted.inserted) return { superseded: false, reason: 'duplicate', existing: inserted.existing };
      const previous: Memory[] = [];
      for (const row of rows) previous.push(await markSuperseded(client, row, next.contentHash, actor));
      return { superseded: true, memory: inserted.memory, previous };
    });
  }

  supersedeBy(loser: string, winner: string, space: string, actor: string | null): Promise<SupersedeOutcome> {
    return this.db.transaction(async (client) => {
      const rows = await lockCurrent(client, [winner, loser], space);
      if (!Array.isArray(rows)) return rows;
      const [winnerRow, loserRow] = rows as [MemoryRow, MemoryRow];
      return { superseded: true, memory: toMemory(winnerRow), previous: [await markSuperseded(client, loserRow, winner, actor)] };
    });
  }

  async history(contentHash: string, space: string): Promise<Memory[]> {
    // A history is small: read the space's versions linked to it step by step, in one connection.
    const rows = await this.db.query<MemoryRow>(
      `WITH RECURSIVE linked AS (
         SELECT id, content_hash, supersedes, superseded_by FROM memories WHERE content_hash = $1 AND space = $2
         UNION
         SELECT n.id, n.content_hash, n.supersedes, n.superseded_by FROM memories n JOIN linked l
           ON n.space = $2 AND (n.content_hash = l.supersedes OR n.content_hash = l.superseded_by OR n.superseded_by = l.content_hash)
       )
       SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.id IN (SELECT id FROM linked LIMIT 1001)`,
      [contentHash, space],
    );
    const memories = rows.map(toMemory);
    const byHash = new Map(memories.map((memory) => [memory.contentHash, memory]));
    return versionHistory(
      contentHash,
      (hash) => byHash.get(hash) ?? null,
      (hash) => memories.filter((memory) => memory.supersededBy === hash),
    );
  }

  async recordAccess(records: readonly AccessRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.db.query(
      `UPDATE memories m SET access_count = m.access_count + a.count, last_accessed_at = GREATEST(COALESCE(m.last_accessed_at, 0), a.at)
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::double precision[]) AS a(content_hash, space, count, at)
        WHERE m.content_hash = a.content_hash AND m.space = a.space`,
      [records.map((r) => r.contentHash), records.map((r) => r.space), records.map((r) => r.count), records.map((r) => r.at)],
    );
  }

  async accessCounts(memories: readonly { contentHash: string; space: string }[]): Promise<Map<string, number>> {
    const rows = await this.db.query<{ content_hash: string; space: string; access_count: string }>(
      `SELECT m.content_hash, m.space, m.access_count FROM memories m
         JOIN unnest($1::text[], $2::text[]) AS w(content_hash, space) ON m.content_hash = w.content_hash AND m.space = w.space`,
      [memories.map((m) => m.contentHash), memories.map((m) => m.space)],
    );
    return new Map(rows.map((r) => [`${r.space}\0${r.content_hash}`, Number(r.access_count)]));
  }

  purgeExpired(now: number, limit: number): Promise<Memory[]> {
    return this.db.transaction(async (client) => {
      const deleted = await client.query<MemoryRow>(
        `DELETE FROM memories WHERE id IN (SELECT id FROM memories WHERE expires_at IS NOT NULL AND expires_at <= $1 ORDER BY expires_at LIMIT $2)
         RETURNING ${MEMORY_COLUMNS.replaceAll('m.', '')}`,
        [now, limit],
      );
      const memories = deleted.rows.map(toMemory);
      for (const memory of memories) {
        await appendEvent(client, MemoryChangeTypes.deleted, { ...memoryDeletedChange(memory.contentHash, memory.space), reason: 'expired' });
      }
      return memories;
    });
  }

  async find(filter: MemoryFilter, offset: number, limit: number): Promise<Memory[]> {
    const where = whereClause(filter);
    const n = where.params.length;
    const rows = await this.db.query<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memories m ${where.sql} ORDER BY m.created_at DESC, m.id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...where.params, limit, offset],
    );
    return rows.map(toMemory);
  }

  async list(filter: MemoryFilter, offset: number, limit: number): Promise<MemoryPage> {
    const where = whereClause(filter);
    const [memories, counts] = await Promise.all([
      this.find(filter, offset, limit),
      this.db.query<{ total: string }>(`SELECT COUNT(*) AS total FROM memories m ${where.sql}`, where.params),
    ]);
    return { memories, total: Number(counts[0]!.total) };
  }

  update(contentHash: string, space: string, patch: MemoryPatch): Promise<Memory | null> {
    return this.db.transaction(async (client) => {
      const found = await client.query<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM memories m WHERE content_hash = $1 AND space = $2 FOR UPDATE`, [
        contentHash,
        space,
      ]);
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

  delete(contentHash: string, space: string, actor: string | null = null): Promise<boolean> {
    return this.db.transaction(async (client) => {
      const deleted = await client.query(
        `DELETE FROM memories WHERE content_hash = $1 AND space = $2 AND (expires_at IS NULL OR expires_at > ${SQL_NOW}) RETURNING id`,
        [contentHash, space],
      );
      if (deleted.rows.length === 0) return false;
      await appendEvent(client, MemoryChangeTypes.deleted, memoryDeletedChange(contentHash, space, actor));
      return true;
    });
  }

  async findEmbedding(contentHash: string): Promise<Float32Array | null> {
    // Any copy: the same text has the same vector in every space.
    const rows = await this.db.query<{ embedding: string }>('SELECT embedding::text AS embedding FROM memories WHERE content_hash = $1 LIMIT 1', [contentHash]);
    return rows[0] ? Float32Array.from(pgvector.fromSql(rows[0].embedding) as number[]) : null;
  }

  async findPassages(contentHash: string): Promise<PassageVector[]> {
    const rows = await this.db.query<{ id: string }>('SELECT id FROM memories WHERE content_hash = $1 LIMIT 1', [contentHash]);
    if (!rows[0]) return [];
    return (await passagesOf((sql, params) => this.db.query(sql, params), [rows[0].id])).get(String(rows[0].id)) ?? [];
  }

  async withoutPassages(after: number, limit: number, minLength: number): Promise<{ ref: number; content: string }[]> {
    const rows = await this.db.query<{ ref: string; content: string }>(
      `SELECT m.id AS ref, m.content FROM memories m
       WHERE m.id > $1 AND length(m.content) > $3 AND NOT EXISTS (SELECT 1 FROM memory_passages p WHERE p.memory_id = m.id)
       ORDER BY m.id LIMIT $2`,
      [after, limit, minLength],
    );
    return rows.map((row) => ({ ref: Number(row.ref), content: row.content }));
  }

  addPassages(ref: number, passages: readonly PassageVector[]): Promise<boolean> {
    return this.db.transaction(async (client) => {
      await this.db.assertModelUnchanged(client);
      // The memory's row lock: two processes adding its passages at once add them once.
      const locked = await client.query('SELECT 1 FROM memories WHERE id = $1 FOR UPDATE', [ref]);
      if (locked.rows.length === 0) return false;
      if ((await client.query('SELECT 1 FROM memory_passages WHERE memory_id = $1 LIMIT 1', [ref])).rows.length > 0) return false;
      await insertPassagesIn(client, String(ref), passages);
      return true;
    });
  }

  async existingHashes(contentHashes: readonly string[], space: string): Promise<Set<string>> {
    if (contentHashes.length === 0) return new Set();
    const rows = await this.db.query<{ hash: string }>('SELECT content_hash AS hash FROM memories WHERE content_hash = ANY($1) AND space = $2', [
      contentHashes,
      space,
    ]);
    return new Set(rows.map((row) => row.hash));
  }

  transferSpace(from: string, to: string, copy: boolean, after: number, limit: number, actor: string | null): Promise<SpaceTransferPage> {
    return this.db.transaction(async (client) => {
      const rows = (
        await client.query<MemoryRow & { embedding: string }>(
          `SELECT ${MEMORY_COLUMNS}, m.embedding::text AS embedding FROM memories m WHERE m.space = $1 AND m.id > $2 ORDER BY m.id LIMIT $3 FOR UPDATE`,
          [from, after, limit],
        )
      ).rows;
      let moved = 0;
      for (const row of rows) {
        const memory = { ...toMemory(row), space: to };
        if (copy) {
          const passages = (await passagesOf(async (sql, params) => (await client.query<PassageRow>(sql, params)).rows, [row.id])).get(String(row.id)) ?? [];
          if (!(await insertIn(client, memory, Float32Array.from(pgvector.fromSql(row.embedding) as number[]), passages)).inserted) continue;
        } else {
          const updated = await client.query(
            'UPDATE memories SET space = $2 WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM memories o WHERE o.content_hash = $3 AND o.space = $2)',
            [row.id, to, row.content_hash],
          );
          if (updated.rowCount === 0) continue;
          await appendEvent(client, MemoryChangeTypes.deleted, memoryDeletedChange(row.content_hash, from, actor));
          await appendEvent(client, MemoryChangeTypes.stored, { ...memoryStoredChange(memory), ...(actor ? { actor } : {}) });
        }
        moved += 1;
      }
      return { moved, skipped: rows.length - moved, next: rows.length < limit ? null : Number(rows[rows.length - 1]!.id) };
    });
  }

  deleteFromSpace(space: string, limit: number, actor: string | null): Promise<string[]> {
    return this.db.transaction(async (client) => {
      const deleted = await client.query<{ hash: string }>(
        'DELETE FROM memories WHERE id IN (SELECT id FROM memories WHERE space = $1 ORDER BY id LIMIT $2) RETURNING content_hash AS hash',
        [space, limit],
      );
      for (const { hash } of deleted.rows) await appendEvent(client, MemoryChangeTypes.deleted, memoryDeletedChange(hash, space, actor));
      return deleted.rows.map((row) => row.hash);
    });
  }

  async scan(after: number, limit: number, withEmbeddings: boolean, spaces?: readonly string[]): Promise<ScanPage> {
    const rows = await this.db.query<MemoryRow & { embedding?: string }>(
      `SELECT ${MEMORY_COLUMNS}${withEmbeddings ? ', m.embedding::text AS embedding' : ''} FROM memories m
       WHERE m.id > $1 ${spaces === undefined ? '' : 'AND m.space = ANY($3::text[])'} ORDER BY m.id LIMIT $2`,
      spaces === undefined ? [after, limit] : [after, limit, spaces],
    );
    const passages = withEmbeddings
      ? await passagesOf(
          (sql, params) => this.db.query(sql, params),
          rows.map((row) => row.id),
        )
      : null;
    return {
      entries: rows.map((row) => ({
        memory: toMemory(row),
        embedding: row.embedding === undefined ? null : Float32Array.from(pgvector.fromSql(row.embedding) as number[]),
        ...(passages === null ? {} : { passages: passages.get(String(row.id)) ?? [] }),
      })),
      next: rows.length < limit ? null : Number(rows[rows.length - 1]!.id),
    };
  }
}
