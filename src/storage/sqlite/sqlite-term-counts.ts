import { LRUCache } from 'lru-cache';
import type { SqliteChangeFeed } from './sqlite-change-feed.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { varints } from './fts5-scoring.js';

/** A term as an FTS5 string (a literal phrase): quotes doubled, nothing else is syntax. */
export const ftsPhrase = (term: string): string => `"${term.replaceAll('"', '""')}"`;

/**
 * Matches a term's count reads at most. A more common term's count is extrapolated from the id
 * at which that many end (an inverse document frequency does not notice the difference), so no
 * count costs more than this many postings.
 */
export const COUNT_CAP = 20_000;

/** The keyword index's size, as FTS5's bm25() takes it. */
export interface IndexSize {
  /** Rows (memories) in the index. */
  rows: number;
  /** Tokens per row, over all columns. */
  averageTokens: number;
}

interface KnownCount {
  database: string;
  changeId: number;
  matching: number;
}

/**
 * How many memories each keyword-search term matches (its document frequency), and the index's
 * size. A term's count is kept until the changes since could have moved it by 1% (each change
 * moves it by one at most): a rare term, cheap to count, is counted again after any change; a
 * common one after many. The index's size comes from FTS5's own totals (one small record).
 */
export class SqliteTermCounts {
  private readonly known = new LRUCache<string, KnownCount>({ max: 50_000 });
  private readonly counting = new Map<string, Promise<number>>();
  private size: { database: string; changeId: number; value: IndexSize } | null = null;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly changes: SqliteChangeFeed,
  ) {}

  async of(terms: readonly string[]): Promise<{ size: IndexSize; matching: Map<string, number> }> {
    const newest = await this.db.run(() => this.changes.boundsNow().newest);
    const database = this.db.databaseId;
    const counting = new Map<string, Promise<number>>();
    const missing: string[] = [];
    for (const term of new Set(terms)) {
      const known = this.known.get(term);
      const fresh = known !== undefined && known.database === database && newest >= known.changeId && newest - known.changeId <= known.matching / 100;
      // A term another search is counting right now (a hybrid search asks twice at once) is counted once.
      const pending = fresh ? Promise.resolve(known.matching) : this.counting.get(term);
      if (pending !== undefined) counting.set(term, pending);
      else missing.push(term);
    }
    const size = this.size?.database === database && this.size.changeId === newest ? this.size.value : null;
    if (missing.length > 0 || size === null) {
      const read = this.count(missing, database, newest);
      missing.forEach((term, i) => {
        const pending = read.then(({ counts }) => counts[i]!);
        this.counting.set(term, pending);
        counting.set(term, pending);
        void pending.finally(() => this.counting.get(term) === pending && this.counting.delete(term)).catch(() => undefined);
      });
      await read;
    }
    const matching = new Map<string, number>();
    for (const [term, pending] of counting) matching.set(term, await pending);
    return { size: this.size!.value, matching };
  }

  /** Counts the terms (and reads the index's size) in one read, and remembers them. */
  private async count(terms: readonly string[], database: string, newest: number): Promise<{ counts: number[] }> {
    const [totals, ids, ...counted] = await this.db.read([
      { sql: 'SELECT block FROM memory_fts_data WHERE id = 1', params: {}, mode: 'pluck' },
      { sql: 'SELECT (SELECT min(id) FROM memories) AS first, (SELECT max(id) FROM memories) AS last', params: {}, mode: 'get' },
      ...terms.map((term) => ({
        sql: 'SELECT count(*) AS n, max(rowid) AS reached FROM (SELECT rowid FROM memory_fts WHERE memory_fts MATCH @match ORDER BY rowid LIMIT @cap)',
        params: { match: ftsPhrase(term), cap: COUNT_CAP },
        mode: 'get' as const,
      })),
    ]);
    const size = indexSize(totals as Uint8Array | undefined);
    this.size = { database, changeId: newest, value: size };
    const { first, last } = ids as { first: number | null; last: number | null };
    const counts = terms.map((term, i) => {
      const { n, reached } = counted[i] as { n: number; reached: number | null };
      // Capped: as many again per as many ids further (the term spread evenly over the ids).
      const count =
        n < COUNT_CAP || first === null || last === null || reached === null
          ? n
          : Math.min(size.rows, Math.round((n * (last - first + 1)) / (reached - first + 1)));
      this.known.set(term, { database, changeId: newest, matching: count });
      return count;
    });
    return { counts };
  }
}

/** The index's row and token totals from FTS5's averages record (a row count, then tokens per column). */
function indexSize(block: Uint8Array | undefined): IndexSize {
  if (block === undefined) return { rows: 0, averageTokens: 0 };
  const [rows = 0, ...columns] = varints(block);
  return { rows, averageTokens: rows === 0 ? 0 : columns.reduce((sum, n) => sum + n, 0) / rows };
}
