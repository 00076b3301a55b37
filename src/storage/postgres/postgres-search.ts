import { LRUCache } from 'lru-cache';
import pgvector from 'pgvector';
import { CANDIDATES_PER_RESULT, POSTINGS_BUDGET, splitByCost } from '../keyword-budget.js';
import type { KeywordHit, Memory, MemoryFilter, ScoredMemory, VectorDistance } from '../memory.js';
import type { TermFrequencies, TextSearch, VectorSearch, VectorSearchOptions } from '../roles.js';
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
  async searchByVector(
    query: Float32Array | Promise<Float32Array>,
    filter: MemoryFilter,
    limit: number,
    { wholeText = false }: VectorSearchOptions = {},
  ): Promise<ScoredMemory[]> {
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

/** How long the planner's statistics on the keyword column are kept between reads (ANALYZE renews them now and then). */
const STATISTICS_TTL_MS = 60_000;

/** Term counts from this many matches up are kept for STATISTICS_TTL_MS; smaller ones are counted every time. */
const KEEP_COUNTS_FROM = 1_000;

interface LexemeStatistics {
  at: number;
  /** Rows by the planner's estimate. */
  rows: number;
  /** The share of rows holding each of the most common lexemes (none: the column was never analyzed). */
  shares: Map<string, number> | null;
}

/** Search by words in PostgreSQL: a tsvector column ranked with ts_rank_cd, and plain substring search. */
export class PostgresTextSearch implements TextSearch {
  private statistics: LexemeStatistics | null = null;
  /** Term counts (matches, when counted), by term. */
  private readonly termCounts = new LRUCache<string, { matching: number; at: number }>({ max: 50_000 });
  /** Each term's lexemes (as phraseto_tsquery makes them), by term. */
  private readonly lexemes = new LRUCache<string, readonly string[]>({ max: 50_000 });

  constructor(
    private readonly db: PostgresDatabase,
    private readonly postingsBudget = POSTINGS_BUDGET,
  ) {}

  /**
   * Ranked by ts_rank_cd over every term. The GIN index finds every match before they are ranked,
   * so when the terms' estimated matches pass the budget, only the rarer terms' matches are
   * candidates (ts_rank_cd needs no statistics over the table: their rank is the exact one).
   */
  async searchByKeywords(terms: readonly string[], filter: MemoryFilter, limit: number): Promise<KeywordHit[]> {
    if (terms.length === 0) return [];
    const where = whereClause(filter);
    const params: unknown[] = [...where.params];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    // Each term is a bound parameter turned into a phrase query: never tsquery syntax.
    const query = (some: readonly string[]): string => some.map((term) => `phraseto_tsquery('english', ${param(term)})`).join(' || ');
    const matching = await this.estimatedMatches(terms);
    const plan = matching === null ? null : splitByCost(terms, matching, this.postingsBudget, limit * CANDIDATES_PER_RESULT);
    const rows = await this.db.query<MemoryRow & { score: number }>(
      `SELECT ${MEMORY_COLUMNS}, ts_rank_cd(m.search_vector, q.query) AS score
       FROM memories m, (SELECT ${query(terms)} AS query${plan !== null && plan.common.length > 0 ? `, ${query(plan.ranked)} AS selecting` : ''}) q
       WHERE m.search_vector @@ q.${plan !== null && plan.common.length > 0 ? 'selecting' : 'query'} ${andWhere(where)}
       ORDER BY score DESC, m.created_at DESC LIMIT ${param(limit)}`,
      params,
    );
    return rows.map((row) => ({ memory: toMemory(row), score: Number(row.score) }));
  }

  /**
   * Each term's matches as the planner estimates them: the rows times the share of its rarest
   * lexeme among the column's most common ones (a lexeme not among them is rare: 0). Null
   * while the column has no statistics (a new or small table: every term is ranked).
   */
  private async estimatedMatches(terms: readonly string[]): Promise<Map<string, number> | null> {
    const missing = terms.filter((term) => !this.lexemes.has(term));
    if (missing.length > 0 || this.statistics === null || Date.now() - this.statistics.at > STATISTICS_TTL_MS) {
      const [row] = await this.db.query<{ elems: string[] | null; shares: number[] | null; rows: number; lexemes: string[][] }>(
        `SELECT s.most_common_elems::text::text[] AS elems, s.most_common_elem_freqs AS shares,
                (SELECT c.reltuples FROM pg_class c WHERE c.oid = 'memories'::regclass) AS rows,
                ARRAY(SELECT array_to_json(tsvector_to_array(to_tsvector('english', t.term)))::text
                      FROM unnest($1::text[]) WITH ORDINALITY AS t(term, n) ORDER BY t.n) AS lexemes
         FROM (SELECT 1) one LEFT JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = 'memories' AND s.attname = 'search_vector'`,
        [missing],
      );
      const { elems, shares, rows, lexemes } = row!;
      this.statistics = {
        at: Date.now(),
        rows: Math.max(0, Number(rows)),
        shares: elems === null || shares === null ? null : new Map(elems.map((lexeme, i) => [lexeme, shares[i]!])),
      };
      missing.forEach((term, i) => this.lexemes.set(term, JSON.parse(lexemes[i] as unknown as string) as string[]));
    }
    const { rows, shares } = this.statistics!;
    if (shares === null) return null;
    return new Map(
      terms.map((term) => {
        // A term of stop words only has no lexeme and matches nothing.
        const lexemes = this.lexemes.get(term) ?? [];
        return [term, lexemes.length === 0 ? 0 : Math.round(rows * Math.min(...lexemes.map((lexeme) => shares.get(lexeme) ?? 0)))];
      }),
    );
  }

  /** Nothing is kept here: PostgreSQL's own caches serve repeated searches. */
  clearCache(): { entries: number; bytes: number } {
    return { entries: 0, bytes: 0 };
  }

  /**
   * Each term's count is kept for a while when it is large (counting a common word reads its
   * whole posting list: tens of milliseconds at a million; its inverse document frequency barely
   * moves meanwhile); a rare term, cheap to count, is counted every time.
   */
  async termFrequencies(terms: readonly string[]): Promise<TermFrequencies> {
    const now = Date.now();
    const missing = [...new Set(terms)].filter((term) => {
      const known = this.termCounts.get(term);
      return known === undefined || known.matching < KEEP_COUNTS_FROM || now - known.at > STATISTICS_TTL_MS;
    });
    // Each term as the keyword search takes it: a phrase query, its text a bound parameter.
    const rows = await this.db.query<{ memories: string; matching: string[] }>(
      // Counting every row costs tens of milliseconds at a million; past 100,000 the planner's
      // estimate (kept by autovacuum) is close enough for an inverse document frequency.
      `SELECT (SELECT CASE WHEN c.reltuples >= 100000 THEN c.reltuples::bigint ELSE (SELECT COUNT(*) FROM memories) END
               FROM pg_class c WHERE c.oid = 'memories'::regclass) AS memories,
              ARRAY(SELECT (SELECT COUNT(*) FROM memories m WHERE m.search_vector @@ phraseto_tsquery('english', t.term))::text
                    FROM unnest($1::text[]) WITH ORDINALITY AS t(term, n) ORDER BY t.n) AS matching`,
      [missing],
    );
    const { memories, matching } = rows[0]!;
    missing.forEach((term, i) => this.termCounts.set(term, { matching: Number(matching[i]), at: now }));
    return { memories: Number(memories), matching: new Map(terms.map((term) => [term, this.termCounts.get(term)?.matching ?? 0])) };
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
