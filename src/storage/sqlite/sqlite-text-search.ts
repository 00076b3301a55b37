import { LRUCache } from 'lru-cache';
import type { KeywordHit, Memory, MemoryFilter } from '../memory.js';
import type { TermFrequencies, TextSearch } from '../roles.js';
import type { SqliteChangeFeed } from './sqlite-change-feed.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { bm25Part, COLUMN_WEIGHTS, Fts5Tokenizer, fts5Idf, phraseCount, varints } from './fts5-scoring.js';
import { andWhere, hiddenCountStatement, type MemoryRow, OVERFETCH_HIDDEN_MAX, toMemory, whereClause } from './sqlite-rows.js';
import { ftsPhrase, SqliteTermCounts } from './sqlite-term-counts.js';
import { CANDIDATES_PER_RESULT, POSTINGS_BUDGET, splitByCost } from '../keyword-budget.js';

/** A ranked row of the keyword index: the memory, its BM25 score and its length in tokens per column (FTS5 varints). */
type RankedRow = MemoryRow & { score: number; token_counts: Uint8Array };

const keywordHit = (row: RankedRow): KeywordHit => ({ memory: toMemory(row), score: row.score });

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
  private readonly counts: SqliteTermCounts;
  /** Splits rows into the index's tokens (made on the first search that needs it). */
  private tokenizer: Fts5Tokenizer | null = null;
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
    private readonly postingsBudget = POSTINGS_BUDGET,
  ) {
    this.counts = new SqliteTermCounts(db, changes);
  }

  close(): void {
    this.tokenizer?.close();
    this.tokenizer = null;
  }

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

  /**
   * BM25 over every term costs what all their matches cost: a common word matches a large share
   * of a large store. So past a size, the index ranks by the rarer terms only (as many as
   * POSTINGS_BUDGET matches), and the common terms' part of BM25 is added to the best of those
   * candidates here, computed exactly as FTS5's bm25() would (rows: common terms only count where
   * rarer ones matched, as a "common terms" query does elsewhere).
   */
  private async searchUncached(terms: readonly string[], filter: MemoryFilter, limit: number): Promise<KeywordHit[]> {
    // A store too small for the terms' matches to pass the budget together needs no counts.
    if ((await this.counts.of([])).size.rows * terms.length <= this.postingsBudget) return (await this.ranked(terms, filter, limit)).map(keywordHit);
    const counts = await this.counts.of(terms);
    const candidates = limit * CANDIDATES_PER_RESULT;
    const plan = splitByCost(terms, counts.matching, this.postingsBudget, candidates);
    if (plan.common.length === 0) return (await this.ranked(terms, filter, limit)).map(keywordHit);
    const rows = await this.ranked(plan.ranked, filter, candidates);
    const tokenizer = (this.tokenizer ??= new Fts5Tokenizer());
    const { rows: indexed, averageTokens } = counts.size;
    const common = plan.common.map((term) => ({ phrase: tokenizer.tokens(term), idf: fts5Idf(counts.matching.get(term)!, indexed) }));
    for (const row of rows) {
      const [content, tags] = [await tokenizer.tokensOf(row.content), await tokenizer.tokensOf(row.tags)];
      const length = varints(row.token_counts).reduce((sum, n) => sum + n, 0);
      for (const { phrase, idf } of common) {
        const frequency = COLUMN_WEIGHTS[0] * phraseCount(content, phrase) + COLUMN_WEIGHTS[1] * phraseCount(tags, phrase);
        row.score += bm25Part(idf, frequency, length, averageTokens);
      }
    }
    rows.sort((a, b) => b.score - a.score || b.created_at - a.created_at);
    return rows.slice(0, limit).map(keywordHit);
  }

  /** The best `limit` matches of any of `terms` under the filter, by FTS5's BM25 over those terms. */
  private async ranked(terms: readonly string[], filter: MemoryFilter, limit: number): Promise<RankedRow[]> {
    const match = terms.map(ftsPhrase).join(' OR ');
    const { includeSuperseded, ...narrowing } = filter;
    // Only hidden memories (superseded, expired: few) to leave out: the index alone ranks, asked
    // for that many more, and the hidden ones are dropped with the rows (no row lookups for matches that lose).
    const hidden = whereClause(narrowing, false, false).sql === '' ? await this.hiddenCount(includeSuperseded === true) : Infinity;
    // Tags are checked on each match's rowid, before its row is read: the matches are bounded (the
    // budget), while a common tag's list of memories would not be, and most rows read would fail it.
    const where = whereClause(filter, 'memory_fts.rowid');
    const columns = 'm.*, best.score AS score, d.sz AS token_counts';
    const sql =
      hidden <= OVERFETCH_HIDDEN_MAX
        ? `WITH best AS (
             SELECT rowid AS id, -bm25(memory_fts, 1.0, 0.5) AS score FROM memory_fts WHERE memory_fts MATCH @match ORDER BY score DESC, rowid DESC LIMIT @fetch)
           SELECT ${columns} FROM best JOIN memories m ON m.id = best.id JOIN memory_fts_docsize d ON d.id = m.id ${where.sql}
           ORDER BY best.score DESC, m.created_at DESC LIMIT @limit`
        : // The best `limit` matches under the filter first (content weighs twice what tags do in BM25), then their rows.
          `WITH best AS (
             SELECT m.id AS id, -bm25(memory_fts, 1.0, 0.5) AS score
             FROM memory_fts JOIN memories m ON m.id = memory_fts.rowid
             WHERE memory_fts MATCH @match ${andWhere(where)}
             ORDER BY score DESC, m.created_at DESC LIMIT @limit)
           SELECT ${columns} FROM best JOIN memories m ON m.id = best.id JOIN memory_fts_docsize d ON d.id = m.id
           ORDER BY best.score DESC, m.created_at DESC`;
    const fetch = hidden <= OVERFETCH_HIDDEN_MAX ? limit + hidden : limit;
    const [rows] = await this.db.read([{ sql, params: { ...where.params, match, limit, fetch }, mode: 'all' }]);
    return rows as RankedRow[];
  }

  private async hiddenCount(withSuperseded: boolean): Promise<number> {
    return (await this.db.read([hiddenCountStatement(withSuperseded)]))[0] as number;
  }

  termFrequencies(terms: readonly string[]): Promise<TermFrequencies> {
    return this.cached(
      `frequencies\n${JSON.stringify(terms)}`,
      async () => {
        const { size, matching } = await this.counts.of(terms);
        return { memories: size.rows, matching };
      },
      (counts) => ENTRY_OVERHEAD_BYTES + counts.matching.size * 64,
    );
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
