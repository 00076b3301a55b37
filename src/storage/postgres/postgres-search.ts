import pgvector from 'pgvector';
import type { KeywordHit, Memory, MemoryFilter, ScoredMemory, VectorDistance } from '../memory.js';
import type { TermFrequencies, TextSearch, VectorSearch } from '../roles.js';
import type { PostgresDatabase } from './postgres-database.js';
import { andWhere, MEMORY_COLUMNS, type MemoryRow, toMemory, whereClause } from './postgres-rows.js';

/** Passages asked of their index per result wanted (several of the nearest may be one memory's). */
const PASSAGES_PER_RESULT = 4;

type DistanceRow = { distance: number; passage_start: number | null; passage_end: number | null };

const toDistance = (row: DistanceRow): VectorDistance =>
  row.passage_start === null
    ? { distance: Number(row.distance) }
    : { distance: Number(row.distance), passage: { start: row.passage_start, end: row.passage_end! } };

/** Search by meaning in PostgreSQL: pgvector's HNSW indexes (memories' and passages' vectors). */
export class PostgresVectorSearch implements VectorSearch {
  constructor(private readonly db: PostgresDatabase) {}

  /**
   * Nearest first through the HNSW index. A filtered search uses pgvector's iterative index scan
   * (0.8+), which keeps scanning until enough rows pass the filter instead of returning too few;
   * a limit above ef_search raises it for that search (the index returns at most ef_search rows).
   */
  async searchByVector(query: Float32Array | Promise<Float32Array>, filter: MemoryFilter, limit: number, wholeText = false): Promise<ScoredMemory[]> {
    const embedding = await query;
    const where = whereClause(filter);
    const n = where.params.length;
    // Whole texts and passages each through their own index, then one row per memory: its nearest vector's.
    const sql = wholeText
      ? `SELECT ${MEMORY_COLUMNS}, m.embedding <=> $${n + 1} AS distance, NULL AS passage_start, NULL AS passage_end
         FROM memories m ${where.sql} ORDER BY distance LIMIT $${n + 2}`
      : `WITH whole AS (SELECT m.id, m.embedding <=> $${n + 1} AS distance, NULL::bigint AS passage_id FROM memories m ${where.sql} ORDER BY distance LIMIT $${n + 2}),
         parts AS (SELECT p.memory_id AS id, p.embedding <=> $${n + 1} AS distance, p.id AS passage_id
                   FROM memory_passages p JOIN memories m ON m.id = p.memory_id ${where.sql} ORDER BY distance LIMIT $${n + 2} * ${PASSAGES_PER_RESULT}),
         best AS (SELECT DISTINCT ON (id) id, distance, passage_id FROM (SELECT * FROM whole UNION ALL SELECT * FROM parts) u ORDER BY id, distance)
         SELECT ${MEMORY_COLUMNS}, best.distance AS distance, mp.char_start AS passage_start, mp.char_end AS passage_end
         FROM best JOIN memories m ON m.id = best.id LEFT JOIN memory_passages mp ON mp.id = best.passage_id
         ORDER BY best.distance, m.id LIMIT $${n + 2}`;
    const params = [...where.params, pgvector.toSql(Array.from(embedding)), limit];
    const settings = [
      ...(limit * (wholeText ? 1 : PASSAGES_PER_RESULT) > this.db.efSearch
        ? [`SET LOCAL hnsw.ef_search = ${Math.trunc(limit * (wholeText ? 1 : PASSAGES_PER_RESULT))}`]
        : []),
      ...(where.sql !== '' && this.db.iterativeScan ? ['SET LOCAL hnsw.iterative_scan = relaxed_order'] : []),
    ];
    const rows =
      settings.length === 0
        ? await this.db.query<MemoryRow & DistanceRow>(sql, params)
        : await this.db.readWith<MemoryRow & DistanceRow>(settings, sql, params);
    // relaxed_order may return rows slightly out of order: the exact distances put them right.
    return rows.sort((a, b) => Number(a.distance) - Number(b.distance)).map((row) => ({ memory: toMemory(row), ...toDistance(row) }));
  }

  async distances(embedding: Float32Array, contentHashes: readonly string[]): Promise<Map<string, VectorDistance>> {
    if (contentHashes.length === 0) return new Map();
    const rows = await this.db.query<DistanceRow & { hash: string }>(
      `SELECT DISTINCT ON (m.content_hash) m.content_hash AS hash, d.distance, d.passage_start, d.passage_end
       FROM memories m CROSS JOIN LATERAL (
         SELECT m.embedding <=> $1 AS distance, NULL::integer AS passage_start, NULL::integer AS passage_end
         UNION ALL SELECT p.embedding <=> $1, p.char_start, p.char_end FROM memory_passages p WHERE p.memory_id = m.id) d
       WHERE m.content_hash = ANY($2) ORDER BY m.content_hash, d.distance`,
      [pgvector.toSql(Array.from(embedding)), contentHashes],
    );
    return new Map(rows.map((row) => [row.hash, toDistance(row)]));
  }
}

/** Search by words in PostgreSQL: a tsvector column ranked with ts_rank_cd, and plain substring search. */
export class PostgresTextSearch implements TextSearch {
  constructor(private readonly db: PostgresDatabase) {}

  async searchByKeywords(terms: readonly string[], filter: MemoryFilter, limit: number): Promise<KeywordHit[]> {
    if (terms.length === 0) return [];
    const where = whereClause(filter);
    const params: unknown[] = [...where.params];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    // Each term is a bound parameter turned into a phrase query: never tsquery syntax.
    const query = terms.map((term) => `phraseto_tsquery('english', ${param(term)})`).join(' || ');
    const rows = await this.db.query<MemoryRow & { score: number }>(
      `SELECT ${MEMORY_COLUMNS}, ts_rank_cd(m.search_vector, q.query) AS score
       FROM memories m, (SELECT ${query} AS query) q
       WHERE m.search_vector @@ q.query ${andWhere(where)}
       ORDER BY score DESC, m.created_at DESC LIMIT ${param(limit)}`,
      params,
    );
    return rows.map((row) => ({ memory: toMemory(row), score: Number(row.score) }));
  }

  /** Nothing is kept here: PostgreSQL's own caches serve repeated searches. */
  clearCache(): { entries: number; bytes: number } {
    return { entries: 0, bytes: 0 };
  }

  async termFrequencies(terms: readonly string[]): Promise<TermFrequencies> {
    // Each term as the keyword search takes it: a phrase query, its text a bound parameter.
    const rows = await this.db.query<{ memories: string; matching: string[] }>(
      // Counting every row costs tens of milliseconds at a million; past 100,000 the planner's
      // estimate (kept by autovacuum) is close enough for an inverse document frequency.
      `SELECT (SELECT CASE WHEN c.reltuples >= 100000 THEN c.reltuples::bigint ELSE (SELECT COUNT(*) FROM memories) END
               FROM pg_class c WHERE c.oid = 'memories'::regclass) AS memories,
              ARRAY(SELECT (SELECT COUNT(*) FROM memories m WHERE m.search_vector @@ phraseto_tsquery('english', t.term))::text
                    FROM unnest($1::text[]) WITH ORDINALITY AS t(term, n) ORDER BY t.n) AS matching`,
      [terms],
    );
    const { memories, matching } = rows[0]!;
    return { memories: Number(memories), matching: new Map(terms.map((term, i) => [term, Number(matching[i])])) };
  }

  async findContaining(text: string, filter: MemoryFilter, limit: number): Promise<Memory[]> {
    const where = whereClause(filter);
    const n = where.params.length;
    const rows = await this.db.query<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE strpos(lower(m.content), lower($${n + 1})) > 0 ${andWhere(where)}
       ORDER BY m.created_at DESC, m.id DESC LIMIT $${n + 2}`,
      [...where.params, text, limit],
    );
    return rows.map(toMemory);
  }
}
