import type pg from 'pg';
import { EmbeddingSpaceMismatchError } from '../embedding-space-mismatch.error.js';
import { OAUTH_SPACES, OAUTH_TABLES } from '../sql-oauth-store.js';

/** Versioned migrations, applied in order; schema_migrations records each one. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE EXTENSION IF NOT EXISTS vector;
  CREATE TABLE service_meta (key text PRIMARY KEY, value text NOT NULL);
  CREATE TABLE memories (
    id           bigserial PRIMARY KEY,
    content_hash text NOT NULL UNIQUE,
    content      text NOT NULL,
    tags         jsonb NOT NULL DEFAULT '[]',
    memory_type  text,
    metadata     jsonb NOT NULL DEFAULT '{}',
    created_at   double precision NOT NULL,
    updated_at   double precision NOT NULL
  );
  CREATE INDEX memories_created_at ON memories (created_at);
  CREATE INDEX memories_type_created_at ON memories (memory_type, created_at);
  CREATE TABLE memory_tags (
    tag       text NOT NULL,
    memory_id bigint NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, memory_id)
  );
  CREATE INDEX memory_tags_memory_id ON memory_tags (memory_id);
  `,
  `
  CREATE TABLE events (
    id         bigserial PRIMARY KEY,
    type       text NOT NULL,
    payload    jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  `,
  // Metadata is kept as the exact JSON text (json, not jsonb, which reorders keys).
  `
  ALTER TABLE memories ALTER COLUMN metadata TYPE json USING metadata::json;
  `,
  // The keyword index: a generated tsvector (english configuration: stemming and stop words;
  // content weighs A, tags B) with a GIN index. Existing rows are indexed as the column is added.
  `
  ALTER TABLE memories ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, content), 'A') || setweight(to_tsvector('english'::regconfig, tags::text), 'B')
  ) STORED;
  CREATE INDEX memories_search_vector ON memories USING gin (search_vector);
  `,
  // The OAuth authorization server's state, shared by every replica.
  OAUTH_TABLES,
  // Spaces: a memory belongs to one space, and its hash is unique per space.
  `
  ALTER TABLE memories ADD COLUMN space text NOT NULL DEFAULT 'default';
  ALTER TABLE memories DROP CONSTRAINT memories_content_hash_key;
  ALTER TABLE memories ADD CONSTRAINT memories_content_hash_space_key UNIQUE (content_hash, space);
  CREATE INDEX memories_space_created_at ON memories (space, created_at);
  `,
  // The spaces of OAuth grants.
  OAUTH_SPACES,
  // Versions and expiry (see the SQLite migration of the same name).
  `
  ALTER TABLE memories ADD COLUMN superseded_by text;
  ALTER TABLE memories ADD COLUMN supersedes text;
  ALTER TABLE memories ADD COLUMN expires_at double precision;
  UPDATE memories SET superseded_by = metadata->>'superseded_by' WHERE json_typeof(metadata->'superseded_by') = 'string';
  UPDATE memories SET supersedes = metadata->>'parent_hash' WHERE json_typeof(metadata->'parent_hash') = 'string';
  CREATE INDEX memories_expires_at ON memories (expires_at) WHERE expires_at IS NOT NULL;
  `,
  // The versions a memory replaced, by their superseded_by (see the SQLite migration of the same name).
  'CREATE INDEX memories_superseded_by ON memories (superseded_by) WHERE superseded_by IS NOT NULL;',
  // Access counts (see the SQLite migration of the same name).
  'ALTER TABLE memories ADD COLUMN access_count bigint NOT NULL DEFAULT 0, ADD COLUMN last_accessed_at double precision;',
  // Passages of long memories (see the SQLite migration of the same name); their vector column
  // and its HNSW index come with the model's dimension (passageVectorsSql).
  `
  CREATE TABLE memory_passages (
    id         bigserial PRIMARY KEY,
    memory_id  bigint NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
    char_start integer NOT NULL,
    char_end   integer NOT NULL
  );
  CREATE INDEX memory_passages_memory_id ON memory_passages (memory_id);
  `,
];

/** The passages' vector column and its HNSW index, at the model's dimension (a table made before a model was recorded has neither). */
function passageVectorsSql(dimension: number): string[] {
  return [
    `ALTER TABLE memory_passages ADD COLUMN IF NOT EXISTS embedding vector(${Math.trunc(dimension)}) NOT NULL`,
    'CREATE INDEX IF NOT EXISTS memory_passages_embedding_hnsw ON memory_passages USING hnsw (embedding vector_cosine_ops)',
  ];
}

export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

/** Any fixed 64-bit number: every replica takes the same advisory lock while migrating. */
const MIGRATION_LOCK = 7_342_118_265;

/**
 * Applies pending migrations under an advisory lock (replicas starting together migrate once),
 * then records the embedding model, adding the vector column and its HNSW index on first use, and
 * refuses a database built with another model.
 */
export async function applyPostgresMigrations(pool: pg.Pool, modelId: string, dimension: number): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const applied = await client.query<{ version: number }>('SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations');
      const current = Number(applied.rows[0]!.version);
      if (current > MIGRATIONS.length) {
        throw new Error(`the database has schema version ${current}, newer than this server understands (${MIGRATIONS.length}); upgrade the server`);
      }
      for (let version = current; version < MIGRATIONS.length; version++) {
        await client.query('BEGIN');
        await client.query(MIGRATIONS[version]!);
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version + 1]);
        await client.query('COMMIT');
      }
      const meta = await client.query<{ key: string; value: string }>(
        "SELECT key, value FROM service_meta WHERE key IN ('embedding_model', 'embedding_dimension')",
      );
      const stored = new Map(meta.rows.map((r) => [r.key, r.value]));
      const storedModel = stored.get('embedding_model');
      if (storedModel !== undefined) {
        const storedDimension = Number(stored.get('embedding_dimension'));
        if (storedModel !== modelId || storedDimension !== dimension) {
          throw new EmbeddingSpaceMismatchError(
            `The PostgreSQL database was built with embedding model "${storedModel}" (${storedDimension}-d), but the server is configured with "${modelId}" (${dimension}-d). Set MCP_EMBEDDING_MODEL=${storedModel}, or move the database to the new model (it keeps serving meanwhile): MCP_EMBEDDING_MODEL=${storedModel} mcp-memory reembed --model ${modelId}`,
          );
        }
        for (const sql of passageVectorsSql(dimension)) await client.query(sql);
        return;
      }
      await client.query('BEGIN');
      await client.query(`ALTER TABLE memories ADD COLUMN embedding vector(${Math.trunc(dimension)}) NOT NULL`);
      await client.query('CREATE INDEX memories_embedding_hnsw ON memories USING hnsw (embedding vector_cosine_ops)');
      for (const sql of passageVectorsSql(dimension)) await client.query(sql);
      await client.query("INSERT INTO service_meta (key, value) VALUES ('embedding_model', $1), ('embedding_dimension', $2)", [modelId, String(dimension)]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
