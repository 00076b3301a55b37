import { LRUCache } from 'lru-cache';
import type { KeywordHit, Memory, MemoryFilter } from '../memory.js';
import type { TermFrequencies, TextSearch } from '../roles.js';
import type { SqliteChangeFeed } from './sqlite-change-feed.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { andWhere, hiddenCountStatement, type MemoryRow, OVERFETCH_HIDDEN_MAX, toMemory, whereClause } from './sqlite-rows.js';

/** A term as an FTS5 string (a literal phrase): quotes doubled, nothing else is syntax. */
const ftsPhrase = (term: string): string => `"${term.replaceAll('"', '""')}"`;

interface CachedResult {
  database: string;
  changeId: number;
  value: unknown;
  bytes: number;
}

/** What the keyword result cache may hold, counted by the text of the memories in it. */
const RESULT_CACHE_BYTES = 32 * 1024 * 1024;
/** A cached memory's size beyond its text (fields, tags, metadata), roughly. */
const ENTRY_OVERHEAD_BYTES = 512;

/** Search by words on SQLite: FTS5 with BM25 over content and tags, and plain substring search. */
export class SqliteTextSearch implements TextSearch {
  private counted: { database: string; changeId: number; memories: number } | null = null;
  /**
   * Recent keyword results and term counts, valid while no change has been logged since (any
   * write by any process on the file moves the change log on): the keyword leg of a repeated
   * search is answered without scoring every match, as the vector leg's results are. Bounded by
   * the size of the memories it holds.
   */
  private readonly results = new LRUCache<string, CachedResult>({
    maxSize: RESULT_CACHE_BYTES,
    sizeCalculation: (entry) => entry.bytes,
  });

  constructor(
    private readonly db: SqliteDatabase,
    private readonly changes: SqliteChangeFeed,
  ) {}

  clearCache(): { entries: number; bytes: number } {
    const dropped = { entries: this.results.size, bytes: this.results.calculatedSize };
    this.results.clear();
    return dropped;
  }

  /** The value for this key as of the newest change, from the cache when nothing changed since it was computed. */
  private async cached<T>(key: string, compute: () => Promise<T>, bytes: (value: T) => number): Promise<T> {
    // Read before computing: a write in between leaves an entry labelled older than its data,
    // which the next lookup discards; never the other way round.
    const changeId = await this.db.run(() => this.changes.boundsNow().newest);
    const database = this.db.databaseId;
    const hit = this.results.get(key);
    if (hit !== undefined && hit.changeId === changeId && hit.database === database) return hit.value as T;
    const value = await compute();
    this.results.set(key, { database, changeId, value, bytes: Math.max(1, bytes(value)) });
    return value;
  }

  async searchByKeywords(terms: readonly string[], filter: MemoryFilter, limit: number): Promise<KeywordHit[]> {
    if (terms.length === 0) return [];
    return this.cached(
      `keywords\n${limit}\n${JSON.stringify(terms)}\n${JSON.stringify(filter)}`,
      () => this.searchUncached(terms, filter, limit),
      (hits) => hits.reduce((sum, hit) => sum + ENTRY_OVERHEAD_BYTES + hit.memory.content.length * 2, 0),
    );
  }

  private async searchUncached(terms: readonly string[], filter: MemoryFilter, limit: number): Promise<KeywordHit[]> {
    const match = terms.map(ftsPhrase).join(' OR ');
    const { includeSuperseded, ...narrowing } = filter;
    // Only hidden memories (superseded, expired: few) to leave out: the index alone ranks, asked
    // for that many more, and the hidden ones are dropped with the rows (no row lookups for matches that lose).
    const hidden = whereClause(narrowing, false, false).sql === '' ? await this.hiddenCount(includeSuperseded === true) : Infinity;
    const where = whereClause(filter);
    const sql =
      hidden <= OVERFETCH_HIDDEN_MAX
        ? `WITH best AS (
             SELECT rowid AS id, -bm25(memory_fts, 1.0, 0.5) AS score FROM memory_fts WHERE memory_fts MATCH @match ORDER BY score DESC, rowid DESC LIMIT @fetch)
           SELECT m.*, best.score AS score FROM best JOIN memories m ON m.id = best.id ${where.sql}
           ORDER BY best.score DESC, m.created_at DESC LIMIT @limit`
        : // The best `limit` matches under the filter first (content weighs twice what tags do in BM25), then their rows.
          `WITH best AS (
             SELECT m.id AS id, -bm25(memory_fts, 1.0, 0.5) AS score
             FROM memory_fts JOIN memories m ON m.id = memory_fts.rowid
             WHERE memory_fts MATCH @match ${andWhere(where)}
             ORDER BY score DESC, m.created_at DESC LIMIT @limit)
           SELECT m.*, best.score AS score FROM best JOIN memories m ON m.id = best.id
           ORDER BY best.score DESC, m.created_at DESC`;
    const fetch = hidden <= OVERFETCH_HIDDEN_MAX ? limit + hidden : limit;
    const [rows] = await this.db.read([{ sql, params: { ...where.params, match, limit, fetch }, mode: 'all' }]);
    return (rows as (MemoryRow & { score: number })[]).map((row) => ({ memory: toMemory(row), score: row.score }));
  }

  private async hiddenCount(withSuperseded: boolean): Promise<number> {
    return (await this.db.read([hiddenCountStatement(withSuperseded)]))[0] as number;
  }

  termFrequencies(terms: readonly string[]): Promise<TermFrequencies> {
    return this.cached(
      `frequencies\n${JSON.stringify(terms)}`,
      () => this.termFrequenciesUncached(terms),
      (counts) => ENTRY_OVERHEAD_BYTES + counts.matching.size * 64,
    );
  }

  private async termFrequenciesUncached(terms: readonly string[]): Promise<TermFrequencies> {
    const [newest, ...matching] = await this.db.read([
      { sql: "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0)", params: {}, mode: 'pluck' },
      ...terms.map((term) => ({
        sql: 'SELECT COUNT(*) FROM memory_fts WHERE memory_fts MATCH @match',
        params: { match: ftsPhrase(term) },
        mode: 'pluck' as const,
      })),
    ]);
    return { memories: await this.memoryCount(newest as number), matching: new Map(terms.map((term, i) => [term, matching[i] as number])) };
  }

  /**
   * How many memories there are. Counting them reads every row of an index (milliseconds at a
   * million), so the count is kept until the changes since could have moved it by 1% (each change
   * moves it by one at most; an inverse document frequency does not notice less).
   */
  private async memoryCount(newest: number): Promise<number> {
    const known = this.counted;
    const database = this.db.databaseId;
    if (known && known.database === database && newest >= known.changeId && newest - known.changeId < Math.max(1, known.memories / 100)) return known.memories;
    const [memories] = await this.db.read([{ sql: 'SELECT COUNT(*) FROM memories', params: {}, mode: 'pluck' }]);
    this.counted = { database, changeId: newest, memories: memories as number };
    return memories as number;
  }

  async findContaining(text: string, filter: MemoryFilter, limit: number): Promise<Memory[]> {
    const where = whereClause(filter);
    const [rows] = await this.db.read([
      {
        sql: `SELECT m.* FROM memories m WHERE instr(lower(m.content), lower(@text)) > 0 ${andWhere(where)}
              ORDER BY m.created_at DESC, m.id DESC LIMIT @limit`,
        params: { ...where.params, text, limit },
        mode: 'all',
      },
    ]);
    return (rows as MemoryRow[]).map(toMemory);
  }
}
