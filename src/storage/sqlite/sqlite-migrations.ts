import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { EmbeddingSpaceMismatchError } from '../embedding-space-mismatch.error.js';
import { OAUTH_SPACES, OAUTH_TABLES } from '../sql-oauth-store.js';

/** The triggers that keep the keyword index in step with the memories table (v3, and again after v5's rebuild). */
const FTS_TRIGGERS = `
  CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
    INSERT INTO memory_fts (rowid, content, tags) VALUES (new.id, new.content, new.tags);
  END;
  CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
    INSERT INTO memory_fts (memory_fts, rowid, content, tags) VALUES ('delete', old.id, old.content, old.tags);
  END;
  CREATE TRIGGER memories_fts_update AFTER UPDATE OF content, tags ON memories BEGIN
    INSERT INTO memory_fts (memory_fts, rowid, content, tags) VALUES ('delete', old.id, old.content, old.tags);
    INSERT INTO memory_fts (rowid, content, tags) VALUES (new.id, new.content, new.tags);
  END;
`;

/**
 * Schema migrations, applied in order on start; PRAGMA user_version records the last one applied.
 * Each runs inside one IMMEDIATE transaction, so two processes opening a new file migrate it once.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE memories (
    id           INTEGER PRIMARY KEY,
    content_hash TEXT NOT NULL UNIQUE,
    content      TEXT NOT NULL,
    tags         TEXT NOT NULL DEFAULT '[]',
    memory_type  TEXT,
    metadata     TEXT NOT NULL DEFAULT '{}',
    created_at   REAL NOT NULL,
    updated_at   REAL NOT NULL
  );
  CREATE INDEX memories_created_at ON memories (created_at);
  CREATE INDEX memories_type_created_at ON memories (memory_type, created_at);
  CREATE TABLE memory_tags (
    tag       TEXT NOT NULL,
    memory_id INTEGER NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, memory_id)
  ) WITHOUT ROWID;
  CREATE INDEX memory_tags_memory_id ON memory_tags (memory_id);
  CREATE TABLE service_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // v2: the change log. Every write by any process appends here in its own transaction.
  `
  CREATE TABLE changes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    content_hash TEXT,
    payload      TEXT NOT NULL,
    created_at   REAL NOT NULL
  );
  `,
  // v3: the keyword index (FTS5 over content and tags, Porter stemming, diacritics folded). It is
  // an external-content table kept in step by triggers, so every writer (any process) updates it
  // in the transaction of its write; existing memories are indexed by the rebuild.
  `
  CREATE VIRTUAL TABLE memory_fts USING fts5(
    content, tags,
    content='memories', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
  );
  ${FTS_TRIGGERS}
  INSERT INTO memory_fts (memory_fts) VALUES ('rebuild');
  `,
  // v4: the OAuth authorization server's state.
  OAUTH_TABLES,
  // v5: spaces. A memory belongs to one space and its hash is unique per space, so the table is
  // rebuilt (SQLite cannot drop a column's UNIQUE) with the same ids: the vectors, the keyword
  // index (external content, by rowid) and the vector index beside the file stay valid. Tags are
  // kept aside meanwhile (dropping the old table would cascade to them), and the triggers are
  // dropped first (the keyword index must not see the copy as deletes). Changes name the row
  // they touch, so the vector index follows a memory, not a hash that two spaces may share.
  `
  CREATE TABLE memory_tags_kept (tag TEXT NOT NULL, memory_id INTEGER NOT NULL);
  INSERT INTO memory_tags_kept (tag, memory_id) SELECT tag, memory_id FROM memory_tags;
  DROP TABLE memory_tags;
  DROP TRIGGER memories_fts_insert;
  DROP TRIGGER memories_fts_delete;
  DROP TRIGGER memories_fts_update;
  CREATE TABLE memories_v5 (
    id           INTEGER PRIMARY KEY,
    content_hash TEXT NOT NULL,
    space        TEXT NOT NULL DEFAULT 'default',
    content      TEXT NOT NULL,
    tags         TEXT NOT NULL DEFAULT '[]',
    memory_type  TEXT,
    metadata     TEXT NOT NULL DEFAULT '{}',
    created_at   REAL NOT NULL,
    updated_at   REAL NOT NULL,
    UNIQUE (content_hash, space)
  );
  INSERT INTO memories_v5 (id, content_hash, space, content, tags, memory_type, metadata, created_at, updated_at)
    SELECT id, content_hash, 'default', content, tags, memory_type, metadata, created_at, updated_at FROM memories;
  DROP TABLE memories;
  ALTER TABLE memories_v5 RENAME TO memories;
  CREATE INDEX memories_created_at ON memories (created_at);
  CREATE INDEX memories_type_created_at ON memories (memory_type, created_at);
  CREATE INDEX memories_space_created_at ON memories (space, created_at);
  CREATE TABLE memory_tags (
    tag       TEXT NOT NULL,
    memory_id INTEGER NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, memory_id)
  ) WITHOUT ROWID;
  CREATE INDEX memory_tags_memory_id ON memory_tags (memory_id);
  INSERT INTO memory_tags (tag, memory_id) SELECT tag, memory_id FROM memory_tags_kept;
  DROP TABLE memory_tags_kept;
  ${FTS_TRIGGERS}
  ALTER TABLE changes ADD COLUMN memory_id INTEGER;
  `,
  // v6: the spaces of OAuth grants.
  OAUTH_SPACES,
  // v7: versions and expiry. Superseded and expiring memories are few: partial indexes count them
  // (a search over-fetches by that many and leaves them out) and find the expired ones to purge.
  // Versions made before (memory_update's metadata.superseded_by / parent_hash) become first-class.
  `
  ALTER TABLE memories ADD COLUMN superseded_by TEXT;
  ALTER TABLE memories ADD COLUMN supersedes TEXT;
  ALTER TABLE memories ADD COLUMN expires_at REAL;
  UPDATE memories SET superseded_by = json_extract(metadata, '$.superseded_by')
    WHERE json_type(metadata, '$.superseded_by') = 'text';
  UPDATE memories SET supersedes = json_extract(metadata, '$.parent_hash')
    WHERE json_type(metadata, '$.parent_hash') = 'text';
  CREATE INDEX memories_hidden ON memories (id) WHERE superseded_by IS NOT NULL OR expires_at IS NOT NULL;
  CREATE INDEX memories_expires_at ON memories (expires_at) WHERE expires_at IS NOT NULL;
  `,
  // v8: the versions a memory replaced (merges replace several; resolving a conflict marks one
  // superseded by a memory that was already there), found by their superseded_by.
  'CREATE INDEX memories_superseded_by ON memories (superseded_by) WHERE superseded_by IS NOT NULL;',
  // v9: how often and when a memory was last returned (ranked search, stale lists), counted in
  // batches, not one write per read.
  `
  ALTER TABLE memories ADD COLUMN access_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE memories ADD COLUMN last_accessed_at REAL;
  `,
  // v10: passages of long memories. Each passage's vector sits in memory_embeddings beside the
  // memories' own, under its id plus PASSAGE_KEY_BASE (sqlite-rows.ts): one vector table, one
  // nearest-neighbour index and one scan cover both. Memories stored before keep their one vector.
  `
  CREATE TABLE memory_passages (
    id         INTEGER PRIMARY KEY,
    memory_id  INTEGER NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
    char_start INTEGER NOT NULL,
    char_end   INTEGER NOT NULL
  );
  CREATE INDEX memory_passages_memory_id ON memory_passages (memory_id);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export class SchemaVersionError extends Error {}

export function applyMigrations(db: Database.Database, path: string): void {
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) {
      throw new SchemaVersionError(
        `Database file ${path} has schema version ${current}, newer than this server understands (${SCHEMA_VERSION}); upgrade the server`,
      );
    }
    for (let version = current; version < SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }
  }).immediate();
}

export { EmbeddingSpaceMismatchError };

/**
 * Vectors per sqlite-vec chunk. A chunk is one blob, and reading one vector of it walks the blob's
 * overflow pages up to that vector, so small chunks make single lookups cheap (the index's
 * candidates are re-scored by such lookups, as are the rows of a narrow filter) at a small cost to
 * the exact scan of every chunk (figures: docs/benchmarks.md, "Behind the code's constants").
 */
export const VECTOR_CHUNK_SIZE = 16;
/**
 * Files whose chunks are at most this many vectors keep them (a file made with chunks of 64 by an
 * earlier release: its lookups cost a little more, not worth a rebuild at open of every vector);
 * larger ones (sqlite-vec's default) are rebuilt once.
 */
const VECTOR_CHUNK_SIZE_KEPT = 64;

export function vectorTableSql(dimension: number): string {
  return `CREATE VIRTUAL TABLE memory_embeddings USING vec0(embedding float[${Math.trunc(dimension)}] distance_metric=cosine, chunk_size=${VECTOR_CHUNK_SIZE})`;
}

/** The chunk size a vector table was declared with (sqlite-vec's default, 1024, when none was). */
function declaredChunkSize(tableSql: string): number {
  const match = /chunk_size\s*=\s*(\d+)/i.exec(tableSql);
  return match ? Number(match[1]) : 1024;
}

/**
 * A file made with large chunks (before VECTOR_CHUNK_SIZE_KEPT) gets its vector table rebuilt once,
 * in one transaction (same rowids, same vectors; staged in a plain table since sqlite-vec tables
 * cannot be renamed). Returns whether it did.
 */
export function rechunkVectorTable(db: Database.Database, dimension: number): boolean {
  const current = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'memory_embeddings'").pluck().get() as string | undefined;
  if (current === undefined || declaredChunkSize(current) <= VECTOR_CHUNK_SIZE_KEPT) return false;
  db.transaction(() => {
    db.exec('CREATE TABLE memory_embeddings_rechunk (id INTEGER PRIMARY KEY, embedding BLOB NOT NULL)');
    db.exec('INSERT INTO memory_embeddings_rechunk (id, embedding) SELECT rowid, embedding FROM memory_embeddings');
    db.exec('DROP TABLE memory_embeddings');
    db.exec(vectorTableSql(dimension));
    db.exec('INSERT INTO memory_embeddings (rowid, embedding) SELECT id, embedding FROM memory_embeddings_rechunk ORDER BY id');
    db.exec('DROP TABLE memory_embeddings_rechunk');
  }).immediate();
  return true;
}

/**
 * Records the model that fills the vector table, creating the vec0 table with its dimension on
 * first use, and refuses a file built with another model.
 */
export function ensureEmbeddingSpace(db: Database.Database, path: string, modelId: string, dimension: number): void {
  db.transaction(() => {
    const rows = db.prepare(`SELECT key, value FROM service_meta WHERE key IN ('embedding_model', 'embedding_dimension')`).all() as {
      key: string;
      value: string;
    }[];
    const meta = new Map(rows.map((r) => [r.key, r.value]));
    const storedModel = meta.get('embedding_model');
    if (storedModel !== undefined) {
      const storedDimension = Number(meta.get('embedding_dimension'));
      if (storedModel !== modelId || storedDimension !== dimension) {
        throw new EmbeddingSpaceMismatchError(
          `Database file ${path} was built with embedding model "${storedModel}" (${storedDimension}-d), ` +
            `but the server is configured with "${modelId}" (${dimension}-d). Set MCP_EMBEDDING_MODEL=${storedModel}, ` +
            `or move the database to the new model (it keeps serving meanwhile): MCP_EMBEDDING_MODEL=${storedModel} mcp-memory reembed --model ${modelId}`,
        );
      }
      return;
    }
    if (!Number.isInteger(dimension) || dimension <= 0 || dimension > 8192) {
      throw new EmbeddingSpaceMismatchError(`Embedding dimension ${dimension} is not usable`);
    }
    db.exec(vectorTableSql(dimension));
    const insert = db.prepare('INSERT INTO service_meta (key, value) VALUES (?, ?)');
    insert.run('embedding_model', modelId);
    insert.run('embedding_dimension', String(dimension));
  }).immediate();
}

/**
 * A random id recorded once per database file: what the vector index beside the file checks it
 * was built from (a different file moved to the same path gets its own index).
 */
export function ensureDatabaseId(db: Database.Database): string {
  const read = (): string | undefined => db.prepare("SELECT value FROM service_meta WHERE key = 'database_id'").pluck().get() as string | undefined;
  const existing = read();
  if (existing !== undefined) return existing;
  db.prepare("INSERT OR IGNORE INTO service_meta (key, value) VALUES ('database_id', ?)").run(randomUUID());
  return read()!;
}
