import pgvector from 'pgvector';
import { EMBEDDING_MODEL_CHANGED } from '../change-log.js';
import type { PassageVector } from '../memory.js';
import type { ReembedStaging } from '../roles.js';
import type { PostgresDatabase } from './postgres-database.js';
import { appendEvent } from './postgres-event-log.js';

/**
 * Re-embedding in PostgreSQL: a side column with its own HNSW index, and a side table of passages
 * (cut anew) with its own, swapped in by renames.
 */
export class PostgresReembedStaging implements ReembedStaging {
  constructor(private readonly db: PostgresDatabase) {}

  async begin(model: string, dimension: number): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query('LOCK TABLE service_meta IN EXCLUSIVE MODE');
      const meta = await client.query<{ key: string; value: string }>(
        "SELECT key, value FROM service_meta WHERE key IN ('reembed_model', 'reembed_dimension')",
      );
      const stored = new Map(meta.rows.map((row) => [row.key, row.value]));
      if (stored.get('reembed_model') !== model || stored.get('reembed_dimension') !== String(dimension)) {
        await client.query('ALTER TABLE memories DROP COLUMN IF EXISTS embedding_next');
        await client.query('DROP TABLE IF EXISTS reembed_passages');
      }
      await client.query(`ALTER TABLE memories ADD COLUMN IF NOT EXISTS embedding_next vector(${Math.trunc(dimension)})`);
      await client.query(`CREATE TABLE IF NOT EXISTS reembed_passages (
        id bigserial PRIMARY KEY,
        memory_id bigint NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
        char_start integer NOT NULL,
        char_end integer NOT NULL,
        embedding vector(${Math.trunc(dimension)}) NOT NULL)`);
      await client.query('CREATE INDEX IF NOT EXISTS reembed_passages_memory_id ON reembed_passages (memory_id)');
      await client.query(
        "INSERT INTO service_meta (key, value) VALUES ('reembed_model', $1), ('reembed_dimension', $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [model, String(dimension)],
      );
    });
  }

  async pending(after: number, limit: number): Promise<{ ref: number; content: string }[]> {
    const rows = await this.db.query<{ ref: string; content: string }>(
      'SELECT id AS ref, content FROM memories WHERE embedding_next IS NULL AND id > $1 ORDER BY id LIMIT $2',
      [after, limit],
    );
    return rows.map((row) => ({ ref: Number(row.ref), content: row.content }));
  }

  async progress(): Promise<{ done: number; total: number }> {
    const rows = await this.db.query<{ done: string; total: string }>('SELECT COUNT(embedding_next) AS done, COUNT(*) AS total FROM memories');
    return { done: Number(rows[0]!.done), total: Number(rows[0]!.total) };
  }

  async store(entries: readonly { ref: number; embedding: Float32Array; passages?: readonly PassageVector[] }[]): Promise<void> {
    if (entries.length === 0) return;
    const refs = entries.map((e) => e.ref);
    const passages = entries.flatMap((e) => (e.passages ?? []).map((p) => ({ ref: e.ref, ...p })));
    await this.db.transaction(async (client) => {
      await client.query(
        'UPDATE memories m SET embedding_next = v.embedding::vector FROM unnest($1::bigint[], $2::text[]) AS v(id, embedding) WHERE m.id = v.id',
        [refs, entries.map((e) => pgvector.toSql(Array.from(e.embedding)))],
      );
      await client.query('DELETE FROM reembed_passages WHERE memory_id = ANY($1::bigint[])', [refs]);
      await client.query(
        `INSERT INTO reembed_passages (memory_id, char_start, char_end, embedding)
         SELECT p.memory_id, p.char_start, p.char_end, p.embedding::vector
         FROM unnest($1::bigint[], $2::int[], $3::int[], $4::text[]) WITH ORDINALITY AS p(memory_id, char_start, char_end, embedding, n)
         WHERE EXISTS (SELECT 1 FROM memories m WHERE m.id = p.memory_id) ORDER BY p.n`,
        [passages.map((p) => p.ref), passages.map((p) => p.start), passages.map((p) => p.end), passages.map((p) => pgvector.toSql(Array.from(p.vector)))],
      );
    });
  }

  /**
   * The new column gets its HNSW index first (built concurrently: reads and writes go on), then
   * one short transaction swaps the columns and indexes by renames and records the model.
   */
  async complete(model: string, dimension: number): Promise<number | null> {
    const progress = await this.progress();
    if (progress.done < progress.total) return null;
    // Built once (a valid index from an earlier attempt is kept; an interrupted concurrent build leaves an invalid one).
    const existing = await this.db.query<{ valid: boolean }>(
      "SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'memories_embedding_next_hnsw'",
    );
    if (existing[0]?.valid !== true) {
      await this.db.query('DROP INDEX IF EXISTS memories_embedding_next_hnsw');
      await this.db.query('CREATE INDEX CONCURRENTLY memories_embedding_next_hnsw ON memories USING hnsw (embedding_next vector_cosine_ops)');
    }
    await this.db.query('CREATE INDEX IF NOT EXISTS reembed_passages_embedding_hnsw ON reembed_passages USING hnsw (embedding vector_cosine_ops)');
    const moved = await this.db.transaction(async (client) => {
      await client.query('LOCK TABLE memories IN SHARE ROW EXCLUSIVE MODE');
      const counts = await client.query<{ total: string; missing: string }>(
        'SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE embedding_next IS NULL) AS missing FROM memories',
      );
      if (Number(counts.rows[0]!.missing) > 0) return null;
      await client.query('ALTER TABLE memories DROP COLUMN embedding');
      await client.query('ALTER TABLE memories RENAME COLUMN embedding_next TO embedding');
      await client.query('ALTER TABLE memories ALTER COLUMN embedding SET NOT NULL');
      await client.query('ALTER INDEX memories_embedding_next_hnsw RENAME TO memories_embedding_hnsw');
      await client.query('DROP TABLE memory_passages');
      await client.query('ALTER TABLE reembed_passages RENAME TO memory_passages');
      await client.query('ALTER INDEX reembed_passages_memory_id RENAME TO memory_passages_memory_id');
      await client.query('ALTER INDEX reembed_passages_embedding_hnsw RENAME TO memory_passages_embedding_hnsw');
      await client.query("UPDATE service_meta SET value = $1 WHERE key = 'embedding_model'", [model]);
      await client.query("UPDATE service_meta SET value = $1 WHERE key = 'embedding_dimension'", [String(dimension)]);
      await client.query("DELETE FROM service_meta WHERE key IN ('reembed_model', 'reembed_dimension')");
      await appendEvent(client, EMBEDDING_MODEL_CHANGED, {
        timestamp: new Date().toISOString(),
        model,
        dimension,
        message: `The memories were re-embedded with ${model}`,
      });
      return Number(counts.rows[0]!.total);
    });
    if (moved !== null) this.db.switchModel(model, dimension);
    return moved;
  }
}
