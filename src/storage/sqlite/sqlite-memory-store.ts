import { memoryDeletedChange, MemoryChangeTypes, memoryStoredChange, memoryUpdatedChange, PASSAGES_ADDED } from '../change-log.js';
import { firstBySpace } from '../spaces-order.js';
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
import type { SqliteChangeFeed } from './sqlite-change-feed.js';
import type { SqliteDatabase } from './sqlite-database.js';
import type { ReadStatement } from './sqlite-read.protocol.js';
import {
  countStatement,
  filtersOnlyTags,
  fromVectorBlob,
  memoryColumns,
  type MemoryRow,
  PASSAGE_KEY_BASE,
  PASSAGES_OF,
  toMemory,
  toVectorBlob,
  type WhereClause,
  whereClause,
} from './sqlite-rows.js';

const SQL = {
  findCopies: 'SELECT * FROM memories WHERE content_hash = ?',
  findInSpace: 'SELECT * FROM memories WHERE content_hash = ? AND space = ?',
  findIdInSpace: 'SELECT id FROM memories WHERE content_hash = ? AND space = ?',
  findAnyId: 'SELECT id FROM memories WHERE content_hash = ? LIMIT 1',
  insertMemory: `INSERT INTO memories (content_hash, space, content, tags, memory_type, metadata, created_at, updated_at, superseded_by, supersedes, expires_at)
                 VALUES (@contentHash, @space, @content, @tags, @memoryType, @metadata, @createdAt, @updatedAt, @supersededBy, @supersedes, @expiresAt)`,
  setSupersededBy: 'UPDATE memories SET superseded_by = ? WHERE id = ?',
  replacedBy: 'SELECT * FROM memories WHERE superseded_by = ? AND space = ?',
  accessCounts: 'SELECT content_hash, space, access_count FROM memories WHERE content_hash IN (SELECT value FROM json_each(?))',
  recordAccess: `UPDATE memories SET access_count = access_count + @count, last_accessed_at = MAX(COALESCE(last_accessed_at, 0), @at)
                 WHERE content_hash = @contentHash AND space = @space`,
  expired: `SELECT * FROM memories WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?`,
  insertTag: 'INSERT OR IGNORE INTO memory_tags (tag, memory_id) VALUES (?, ?)',
  deleteTags: 'DELETE FROM memory_tags WHERE memory_id = ?',
  insertEmbedding: 'INSERT INTO memory_embeddings (rowid, embedding) VALUES (?, ?)',
  deleteEmbedding: 'DELETE FROM memory_embeddings WHERE rowid = ?',
  findEmbedding: 'SELECT embedding FROM memory_embeddings WHERE rowid = ?',
  insertPassage: 'INSERT INTO memory_passages (memory_id, char_start, char_end) VALUES (?, ?, ?)',
  passageIds: 'SELECT id FROM memory_passages WHERE memory_id = ?',
  deletePassages: 'DELETE FROM memory_passages WHERE memory_id = ?',
  passagesOf: PASSAGES_OF,
  updateMemory: `UPDATE memories SET tags = @tags, memory_type = @memoryType, metadata = @metadata, updated_at = @updatedAt
                 WHERE id = @id`,
  deleteMemory: 'DELETE FROM memories WHERE id = ?',
  spacePage: 'SELECT * FROM memories WHERE space = ? AND id > ? ORDER BY id LIMIT ?',
  setSpace: 'UPDATE memories SET space = ? WHERE id = ?',
  // An upper bound of the number of memories, read from the two ends of the id index (two
  // subqueries: SQLite answers a lone MIN or MAX from the index end, not both in one aggregate).
  idSpan: 'SELECT COALESCE((SELECT MAX(id) FROM memories) - (SELECT MIN(id) FROM memories) + 1, 0)',
} as const;

/** Expired by now (a row not purged yet). */
const isExpired = (row: MemoryRow): boolean => row.expires_at !== null && row.expires_at <= Date.now() / 1000;

/** A memory's passages and their vectors, inside the caller's write transaction. */
function insertPassages(db: SqliteDatabase, memoryId: bigint, passages: readonly PassageVector[]): void {
  for (const { start, end, vector } of passages) {
    const passageId = BigInt(db.statement(SQL.insertPassage).run(memoryId, start, end).lastInsertRowid);
    db.statement(SQL.insertEmbedding).run(BigInt(PASSAGE_KEY_BASE) + passageId, toVectorBlob(vector));
  }
}

/** A memory's passages with their vectors (on the server's connection). */
function passagesOf(db: SqliteDatabase, memoryId: number): PassageVector[] {
  return (db.statement(SQL.passagesOf).all(memoryId) as { start: number; end: number; embedding: Buffer }[]).map((row) => ({
    start: row.start,
    end: row.end,
    vector: fromVectorBlob(row.embedding),
  }));
}

/** Memories, their tags and vectors on SQLite: every write with its change, in one transaction. */
export class SqliteMemoryStore implements MemoryStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly changes: SqliteChangeFeed,
  ) {}

  insertWithEmbedding(memory: Memory, embedding: Float32Array, passages: readonly PassageVector[] = []): Promise<InsertOutcome> {
    return this.db.write(() => this.insertInTransaction(memory, embedding, passages));
  }

  insertBatch(entries: readonly { memory: Memory; embedding: Float32Array; passages?: readonly PassageVector[] }[]): Promise<number> {
    return this.db.write(
      () => entries.filter(({ memory, embedding, passages }) => this.insertInTransaction(memory, embedding, passages ?? []).inserted).length,
    );
  }

  /** The memory, its tags, its vectors and its change, inside the caller's write transaction. */
  private insertInTransaction(memory: Memory, embedding: Float32Array, passages: readonly PassageVector[]): InsertOutcome {
    this.db.assertModelUnchanged();
    const existing = this.db.statement(SQL.findInSpace).get(memory.contentHash, memory.space) as MemoryRow | undefined;
    if (existing && !isExpired(existing)) return { inserted: false, existing: toMemory(existing) };
    // An expired copy not purged yet gives way (purged now, with its change).
    if (existing) this.deleteRow(existing, null);
    const id = BigInt(this.db.statement(SQL.insertMemory).run(memoryColumns(memory)).lastInsertRowid);
    const insertTag = this.db.statement(SQL.insertTag);
    for (const tag of memory.tags) insertTag.run(tag, id);
    this.db.statement(SQL.insertEmbedding).run(id, toVectorBlob(embedding));
    insertPassages(this.db, id, passages);
    this.changes.appendInTransaction(MemoryChangeTypes.stored, memory.contentHash, memoryStoredChange(memory), Number(id));
    return { inserted: true, memory };
  }

  findByHash(contentHash: string, spaces?: readonly string[]): Promise<Memory | null> {
    return this.db.run(() =>
      firstBySpace((this.db.statement(SQL.findCopies).all(contentHash) as MemoryRow[]).filter((row) => !isExpired(row)).map(toMemory), spaces),
    );
  }

  supersede(
    sources: readonly string[],
    space: string,
    next: Memory,
    embedding: Float32Array,
    actor: string | null,
    passages: readonly PassageVector[] = [],
  ): Promise<SupersedeOutcome> {
    return this.db.write(() => {
      const rows: MemoryRow[] = [];
      for (const hash of sources) {
        const current = this.currentRow(hash, space);
        if ('reason' in current) return current;
        rows.push(current);
      }
      const inserted = this.insertInTransaction({ ...next, space, supersedes: sources[0]! }, embedding, passages);
      if (!inserted.inserted) return { superseded: false, reason: 'duplicate', existing: inserted.existing };
      return { superseded: true, memory: inserted.memory, previous: rows.map((row) => this.markSuperseded(row, next.contentHash, actor)) };
    });
  }

  supersedeBy(loser: string, winner: string, space: string, actor: string | null): Promise<SupersedeOutcome> {
    return this.db.write(() => {
      const winnerRow = this.currentRow(winner, space);
      if ('reason' in winnerRow) return winnerRow;
      const loserRow = this.currentRow(loser, space);
      if ('reason' in loserRow) return loserRow;
      return { superseded: true, memory: toMemory(winnerRow), previous: [this.markSuperseded(loserRow, winner, actor)] };
    });
  }

  /** The row of a current memory of the space, inside the caller's transaction; else why not. */
  private currentRow(contentHash: string, space: string): MemoryRow | Extract<SupersedeOutcome, { reason: 'missing' | 'superseded' }> {
    const row = this.db.statement(SQL.findInSpace).get(contentHash, space) as MemoryRow | undefined;
    if (!row || isExpired(row)) return { superseded: false, reason: 'missing', contentHash };
    if (row.superseded_by !== null) return { superseded: false, reason: 'superseded', contentHash, by: row.superseded_by };
    return row;
  }

  /** Marks a row superseded by a hash, with its change, inside the caller's write transaction; the memory as marked. */
  private markSuperseded(row: MemoryRow, by: string, actor: string | null): Memory {
    this.db.statement(SQL.setSupersededBy).run(by, row.id);
    const previous = { ...toMemory(row), supersededBy: by };
    this.changes.appendInTransaction(MemoryChangeTypes.updated, row.content_hash, memoryUpdatedChange(previous, actor), row.id);
    return previous;
  }

  history(contentHash: string, space: string): Promise<Memory[]> {
    return this.db.run(() => {
      const find = (hash: string): Memory | null => {
        const row = this.db.statement(SQL.findInSpace).get(hash, space) as MemoryRow | undefined;
        return row ? toMemory(row) : null;
      };
      const replaced = (hash: string): Memory[] => (this.db.statement(SQL.replacedBy).all(hash, space) as MemoryRow[]).map(toMemory);
      return versionHistory(contentHash, find, replaced);
    });
  }

  /** Access counts are bookkeeping: their commits do not wait for the disk (a power cut may lose the last few). */
  recordAccess(records: readonly AccessRecord[]): Promise<void> {
    return this.db.write(() => {
      const record = this.db.statement(SQL.recordAccess);
      for (const { contentHash, space, count, at } of records) record.run({ contentHash, space, count, at });
    }, 'unsynced');
  }

  accessCounts(memories: readonly { contentHash: string; space: string }[]): Promise<Map<string, number>> {
    return this.db.run(() => {
      const rows = this.db.statement(SQL.accessCounts).all(JSON.stringify(memories.map((m) => m.contentHash))) as {
        content_hash: string;
        space: string;
        access_count: number;
      }[];
      const wanted = new Set(memories.map((m) => `${m.space}\0${m.contentHash}`));
      return new Map(rows.map((r) => [`${r.space}\0${r.content_hash}`, r.access_count] as const).filter(([key]) => wanted.has(key)));
    });
  }

  purgeExpired(now: number, limit: number): Promise<Memory[]> {
    return this.db.write(() => {
      const rows = this.db.statement(SQL.expired).all(now, limit) as MemoryRow[];
      for (const row of rows) this.deleteRow(row, null, 'expired');
      return rows.map(toMemory);
    });
  }

  /** Deletes a row, its vectors (its tags cascade) and logs the change, inside the caller's write transaction. */
  private deleteRow(row: MemoryRow, actor: string | null, reason?: string): void {
    this.db.statement(SQL.deleteEmbedding).run(BigInt(row.id));
    for (const passageId of this.db.statement(SQL.passageIds, true).all(row.id) as number[]) {
      this.db.statement(SQL.deleteEmbedding).run(BigInt(PASSAGE_KEY_BASE) + BigInt(passageId));
    }
    this.db.statement(SQL.deletePassages).run(row.id);
    this.db.statement(SQL.deleteMemory).run(row.id);
    this.changes.appendInTransaction(
      MemoryChangeTypes.deleted,
      row.content_hash,
      { ...memoryDeletedChange(row.content_hash, row.space, actor), ...(reason ? { reason } : {}) },
      row.id,
    );
  }

  async list(filter: MemoryFilter, offset: number, limit: number): Promise<MemoryPage> {
    const where = whereClause(filter);
    const page = pageStatement(await pageWhere(this.db, filter, where, offset, limit), offset, limit);
    const [rows, total] = await this.db.read([page, countStatement(filter, where)]);
    return { memories: (rows as MemoryRow[]).map(toMemory), total: total as number };
  }

  async find(filter: MemoryFilter, offset: number, limit: number): Promise<Memory[]> {
    const where = await pageWhere(this.db, filter, whereClause(filter), offset, limit);
    const [rows] = await this.db.read([pageStatement(where, offset, limit)]);
    return (rows as MemoryRow[]).map(toMemory);
  }

  update(contentHash: string, space: string, patch: MemoryPatch): Promise<Memory | null> {
    return this.db.write(() => {
      const row = this.db.statement(SQL.findInSpace).get(contentHash, space) as MemoryRow | undefined;
      if (!row) return null;
      const updated = applyPatch(toMemory(row), patch);
      this.db.statement(SQL.updateMemory).run({
        id: row.id,
        tags: JSON.stringify(updated.tags),
        memoryType: updated.memoryType,
        metadata: JSON.stringify(updated.metadata),
        updatedAt: updated.updatedAt,
      });
      if (patch.tags) {
        this.db.statement(SQL.deleteTags).run(row.id);
        const insertTag = this.db.statement(SQL.insertTag);
        for (const tag of updated.tags) insertTag.run(tag, row.id);
      }
      this.changes.appendInTransaction(MemoryChangeTypes.updated, contentHash, memoryUpdatedChange(updated, patch.actor ?? null), row.id);
      return updated;
    });
  }

  delete(contentHash: string, space: string, actor: string | null = null): Promise<boolean> {
    return this.db.write(() => {
      const row = this.db.statement(SQL.findInSpace).get(contentHash, space) as MemoryRow | undefined;
      if (row === undefined || isExpired(row)) return false;
      this.deleteRow(row, actor);
      return true;
    });
  }

  findEmbedding(contentHash: string): Promise<Float32Array | null> {
    return this.db.run(() => {
      // Any copy: the same text has the same vector in every space.
      const id = this.db.statement(SQL.findAnyId, true).get(contentHash) as number | undefined;
      if (id === undefined) return null;
      const blob = this.db.statement(SQL.findEmbedding, true).get(BigInt(id)) as Buffer | undefined;
      return blob ? fromVectorBlob(blob) : null;
    });
  }

  findPassages(contentHash: string): Promise<PassageVector[]> {
    return this.db.run(() => {
      const id = this.db.statement(SQL.findAnyId, true).get(contentHash) as number | undefined;
      return id === undefined ? [] : passagesOf(this.db, id);
    });
  }

  async withoutPassages(after: number, limit: number, minLength: number): Promise<{ ref: number; content: string }[]> {
    const [rows] = await this.db.read([
      {
        sql: `SELECT m.id AS ref, m.content AS content FROM memories m
              WHERE m.id > @after AND length(m.content) > @minLength AND NOT EXISTS (SELECT 1 FROM memory_passages p WHERE p.memory_id = m.id)
              ORDER BY m.id LIMIT @limit`,
        params: { after, limit, minLength },
        mode: 'all',
      },
    ]);
    return rows as { ref: number; content: string }[];
  }

  addPassages(ref: number, passages: readonly PassageVector[]): Promise<boolean> {
    return this.db.write(() => {
      this.db.assertModelUnchanged();
      const row = this.db.statement('SELECT content_hash FROM memories WHERE id = ?').get(ref) as { content_hash: string } | undefined;
      if (row === undefined || this.db.statement(SQL.passageIds, true).get(ref) !== undefined) return false;
      insertPassages(this.db, BigInt(ref), passages);
      this.changes.appendInTransaction(PASSAGES_ADDED, row.content_hash, { passages: passages.length }, ref);
      return true;
    });
  }

  async existingHashes(contentHashes: readonly string[], space: string): Promise<Set<string>> {
    if (contentHashes.length === 0) return new Set();
    const [rows] = await this.db.read([
      {
        sql: 'SELECT content_hash AS hash FROM memories WHERE content_hash IN (SELECT value FROM json_each(@hashes)) AND space = @space',
        params: { hashes: JSON.stringify(contentHashes), space },
        mode: 'all',
      },
    ]);
    return new Set((rows as { hash: string }[]).map((row) => row.hash));
  }

  transferSpace(from: string, to: string, copy: boolean, after: number, limit: number, actor: string | null): Promise<SpaceTransferPage> {
    return this.db.write(() => {
      const rows = this.db.statement(SQL.spacePage).all(from, after, limit) as MemoryRow[];
      let moved = 0;
      for (const row of rows) {
        if (this.db.statement(SQL.findIdInSpace, true).get(row.content_hash, to) !== undefined) continue;
        const memory = { ...toMemory(row), space: to };
        if (copy) {
          const blob = this.db.statement(SQL.findEmbedding, true).get(BigInt(row.id)) as Buffer;
          this.insertInTransaction(memory, fromVectorBlob(blob), passagesOf(this.db, row.id));
        } else {
          // The row keeps its id and vector (the vector index needs nothing): no row id on these changes.
          this.db.statement(SQL.setSpace).run(to, row.id);
          this.changes.appendInTransaction(MemoryChangeTypes.deleted, row.content_hash, memoryDeletedChange(row.content_hash, from, actor));
          this.changes.appendInTransaction(MemoryChangeTypes.stored, row.content_hash, { ...memoryStoredChange(memory), ...(actor ? { actor } : {}) });
        }
        moved += 1;
      }
      return { moved, skipped: rows.length - moved, next: rows.length < limit ? null : rows[rows.length - 1]!.id };
    });
  }

  deleteFromSpace(space: string, limit: number, actor: string | null): Promise<string[]> {
    return this.db.write(() => {
      const rows = this.db.statement(SQL.spacePage).all(space, 0, limit) as MemoryRow[];
      for (const row of rows) this.deleteRow(row, actor);
      return rows.map((row) => row.content_hash);
    });
  }

  async scan(after: number, limit: number, withEmbeddings: boolean, spaces?: readonly string[]): Promise<ScanPage> {
    const inSpaces = spaces === undefined ? '' : 'AND m.space IN (SELECT value FROM json_each(@spaces))';
    const [rows] = await this.db.read([
      {
        sql: withEmbeddings
          ? `SELECT m.*, e.embedding AS embedding FROM memories m JOIN memory_embeddings e ON e.rowid = m.id WHERE m.id > @after ${inSpaces} ORDER BY m.id LIMIT @limit`
          : `SELECT m.* FROM memories m WHERE m.id > @after ${inSpaces} ORDER BY m.id LIMIT @limit`,
        params: { after, limit, ...(spaces === undefined ? {} : { spaces: JSON.stringify(spaces) }) },
        mode: 'all',
      },
    ]);
    const page = rows as (MemoryRow & { embedding?: Uint8Array })[];
    const passages = withEmbeddings ? await this.db.run(() => new Map(page.map((row) => [row.id, passagesOf(this.db, row.id)]))) : null;
    return {
      entries: page.map((row) => ({
        memory: toMemory(row),
        embedding: row.embedding === undefined ? null : fromVectorBlob(row.embedding),
        ...(passages === null ? {} : { passages: passages.get(row.id)! }),
      })),
      next: page.length < limit ? null : page[page.length - 1]!.id,
    };
  }
}

/**
 * A page filtered by tags alone comes one of two ways: collect the tagged ids and sort them
 * (cheap for a rare tag), or walk the created_at index newest first, testing each memory's tags,
 * until the page is full (cheap for a common tag). The walk takes about
 * (offset + limit) x span / matching steps, the sort about `matching`: the walk wins once
 * matching > sqrt((offset + limit) x span), so tags are counted only up to that bound (a common
 * tag is never counted whole).
 */
async function pageWhere(db: SqliteDatabase, filter: MemoryFilter, where: WhereClause, offset: number, limit: number): Promise<WhereClause> {
  if (!filtersOnlyTags(filter)) return where;
  const span = await db.run(() => db.statement(SQL.idSpan, true).get() as number);
  const bound = Math.ceil(Math.sqrt((offset + limit) * span)) + 1;
  const [counts] = await db.read([
    {
      sql: 'SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM memory_tags t WHERE t.tag = j.value LIMIT @bound)) FROM json_each(@tags) j',
      params: { tags: where.params.tags!, bound },
      mode: 'all',
    },
  ]);
  const perTag = (counts as Record<string, number>[]).map((row) => Object.values(row)[0]!);
  // Any: the tags together reach the bound; all: every tag does (the rarest bounds the intersection).
  const common = filter.tags!.match === 'any' ? perTag.reduce((a, b) => a + b, 0) >= bound : perTag.every((n) => n >= bound);
  return common ? whereClause(filter, true) : where;
}

function pageStatement(where: WhereClause, offset: number, limit: number): ReadStatement {
  return {
    sql: `SELECT m.* FROM memories m ${where.sql} ORDER BY m.created_at DESC, m.id DESC LIMIT @limit OFFSET @offset`,
    params: { ...where.params, limit, offset },
    mode: 'all',
  };
}
