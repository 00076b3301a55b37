import { isVisible, type MemoryFilter, type ScoredMemory, type VectorDistance } from '../memory.js';
import type { VectorSearch, VectorSearchOptions } from '../roles.js';
import { AnnIndex, type AnnSource, type AnnStatus } from './ann-index.js';
import type { SqliteChangeFeed } from './sqlite-change-feed.js';
import type { SqliteDatabase } from './sqlite-database.js';
import type { ReadStatement } from './sqlite-read.protocol.js';
import {
  countStatement,
  fromVectorBlob,
  hiddenCountStatement,
  type MemoryRow,
  OVERFETCH_HIDDEN_MAX,
  PASSAGE_KEY_BASE,
  PASSAGE_SQL,
  toMemory,
  toVectorBlob,
  type WhereClause,
  whereClause,
} from './sqlite-rows.js';
import { ANN_MAX_CANDIDATES, candidateDepths, FILTER_COUNT_CAP, planVectorSearch } from './vector-search-plan.js';

/**
 * Candidate lists up to this long are re-scored on the server's own connection while the file is
 * small enough (readSmall): each candidate is a vector lookup (~20 us through the page cache), so
 * this bounds what the event loop spends; longer lists (crowds of near-duplicates, hybrid
 * searches' deeper lists) go to a read worker.
 */
const LOCAL_RESCORE_MAX = 32;
/** Cached results per query vector (one entry per limit and filter). */
const CACHED_PER_VECTOR = 8;
/** Distances kept per query vector (the keyword hits of its hybrid searches). */
const DISTANCES_PER_VECTOR = 1000;

export interface AnnSettings {
  mode: 'auto' | 'on' | 'off';
  threshold: number;
}

/** A memory row with its best vector's distance and, when a passage's was best, that passage's span. */
type DistanceRow = MemoryRow & { distance: number; passage_start?: number | null; passage_end?: number | null };

const toDistance = (row: Omit<DistanceRow, keyof MemoryRow>): VectorDistance =>
  row.passage_start == null ? { distance: row.distance } : { distance: row.distance, passage: { start: row.passage_start, end: row.passage_end! } };

const toScored = (row: DistanceRow): ScoredMemory => ({ memory: toMemory(row), ...toDistance(row) });

/**
 * One row per memory from `scored(key, distance)` rows (vector keys: a memory's id, or a
 * passage's under PASSAGE_KEY_BASE): its nearest vector's distance, and the passage when it was
 * a passage's. `where` filters the memories (alias m).
 */
function bestPerMemory(scored: string, where = '', limit = '', counted = false, wholeOnly = false): string {
  return `WITH scored AS (${scored}),
    owned AS (SELECT ${PASSAGE_SQL.owner('s.key')} AS id, s.distance AS distance, p.id AS passage_id FROM scored s ${PASSAGE_SQL.join('s.key')}
              ${wholeOnly ? `WHERE s.key < ${PASSAGE_KEY_BASE}` : ''}),
    best AS (SELECT id, MIN(distance) AS distance, passage_id FROM owned WHERE id IS NOT NULL GROUP BY id)
    SELECT ${counted ? '(SELECT COUNT(*) FROM scored) AS scored_count, ' : ''}m.*, best.distance AS distance, mp.char_start AS passage_start, mp.char_end AS passage_end
    FROM best JOIN memories m ON m.id = best.id LEFT JOIN memory_passages mp ON mp.id = best.passage_id
    ${where} ORDER BY best.distance, m.id ${limit}`;
}

/** Whole-text and passage vectors of the memories `where` keeps (alias m), as `scored(key, distance)` rows. */
function vectorsOfMemories(where: string): string {
  return `SELECT m.id AS key, vec_distance_cosine(e.embedding, @vector) AS distance FROM memories m JOIN memory_embeddings e ON e.rowid = m.id ${where}
    UNION ALL
    SELECT ${PASSAGE_KEY_BASE} + p.id, vec_distance_cosine(e.embedding, @vector)
    FROM memories m JOIN memory_passages p ON p.memory_id = m.id JOIN memory_embeddings e ON e.rowid = ${PASSAGE_KEY_BASE} + p.id ${where}`;
}

/**
 * Search by meaning on SQLite: the approximate-nearest-neighbour index beside the file (fed from
 * the change feed) when it is ready, sqlite-vec's exact scan otherwise, the way chosen by the
 * planner (vector-search-plan.ts); and a cache of recent results.
 */
export class SqliteVectorSearch implements VectorSearch {
  private ann: AnnIndex | null = null;
  /**
   * Results of recent searches, per query vector (the query cache hands out the same vector for
   * the same text) and filter, valid while no change has been logged since: any write by any
   * process on the file moves the change log on, so a repeated query is answered without
   * searching and never stale.
   */
  private resultCache = new WeakMap<Float32Array, Map<string, { changeId: number; hits: ScoredMemory[] }>>();
  /**
   * Distances from a query vector to memories by content hash (a hybrid search's keyword hits):
   * the same text has the same vector under one model, so they hold until the connection (file or
   * model) changes, whatever else is written.
   */
  private distanceMemo = new WeakMap<Float32Array, Map<string, VectorDistance>>();
  /** How many memories may be hidden (index 0: superseded or expiring; 1: expiring), as of a change id. */
  private hidden: { changeId: number; counts: [number | null, number | null] } = { changeId: -1, counts: [null, null] };

  constructor(
    private readonly db: SqliteDatabase,
    private readonly changes: SqliteChangeFeed,
    private readonly settings: AnnSettings = { mode: 'off', threshold: 0 },
  ) {
    this.startIndex();
    db.onReconnect(() => this.startIndex());
  }

  /** A fresh index (and cache) for the connection now open: another file, or another model's vectors. */
  private startIndex(): void {
    void this.ann?.close();
    this.ann = null;
    this.resultCache = new WeakMap();
    this.distanceMemo = new WeakMap();
    if (this.settings.mode === 'off') return;
    this.ann = new AnnIndex(
      {
        dbPath: this.db.path,
        dimension: this.db.embeddingDimension,
        model: this.db.embeddingModel,
        mode: this.settings.mode,
        threshold: this.settings.threshold,
        log: (message) => this.db.log(message),
        warn: (message) => this.db.warn(message),
      },
      this.annSource(),
    );
    this.ann.start();
  }

  /** The index's view of the database: the change feed and stored vectors, through the server's connection. */
  private annSource(): AnnSource {
    return {
      changesAfter: (id, limit) => this.changes.kindsAfterNow(id, limit),
      changeBounds: () => this.changes.boundsNow(),
      vectorsOf: (memoryId) => {
        const whole = this.db.statement('SELECT embedding FROM memory_embeddings WHERE rowid = ?', true).get(BigInt(memoryId)) as Buffer | undefined;
        if (whole === undefined) return [];
        const passages = this.db
          .statement(
            `SELECT ${PASSAGE_KEY_BASE} + p.id AS key, e.embedding AS embedding FROM memory_passages p JOIN memory_embeddings e ON e.rowid = ${PASSAGE_KEY_BASE} + p.id WHERE p.memory_id = ?`,
          )
          .all(memoryId) as { key: number; embedding: Buffer }[];
        return [{ key: memoryId, vector: fromVectorBlob(whole) }, ...passages.map((row) => ({ key: row.key, vector: fromVectorBlob(row.embedding) }))];
      },
      memoryCount: () => this.db.statement('SELECT COUNT(*) FROM memories', true).get() as number,
      databaseId: () => this.db.databaseId,
    };
  }

  /** The vector index's state (null when it is off), for health details and benchmarks. */
  vectorIndexStatus(): AnnStatus | null {
    return this.ann?.status() ?? null;
  }

  /** Resolves when no index build is running (tests and benchmarks wait for the index with it). */
  async vectorIndexSettled(): Promise<void> {
    await this.ann?.settled();
  }

  async searchByVector(
    query: Float32Array | Promise<Float32Array>,
    filter: MemoryFilter,
    limit: number,
    options: VectorSearchOptions = {},
  ): Promise<ScoredMemory[]> {
    const { wholeText = false, enough = limit } = options;
    // The model check, the newest change (the result cache's key) and whether any memory has
    // passages are read while the model runs, if it still does: less to do after it, when the
    // caches are cold.
    const [embedding, { useIndex, changeId, hasPassages }] = await Promise.all([
      query,
      this.db.run(() => {
        this.db.assertModelUnchanged();
        return { useIndex: this.ann?.ready() ?? false, changeId: this.changes.boundsNow().newest, hasPassages: this.hasPassages() };
      }),
    ]);
    const cacheKey = `${limit}:${enough}:${wholeText}:${JSON.stringify(filter)}`;
    const cached = this.resultCache.get(embedding)?.get(cacheKey);
    if (cached && cached.changeId === changeId) return cached.hits;
    const vectors: VectorKinds = { passages: hasPassages && !wholeText, indexHasPassages: hasPassages };
    const hits = await this.searchUncached(embedding, filter, { limit, enough }, useIndex ? this.ann : null, changeId, vectors);
    const perVector = this.resultCache.get(embedding) ?? new Map<string, { changeId: number; hits: ScoredMemory[] }>();
    if (perVector.size >= CACHED_PER_VECTOR) perVector.delete(perVector.keys().next().value!);
    perVector.set(cacheKey, { changeId, hits });
    this.resultCache.set(embedding, perVector);
    return hits;
  }

  /**
   * A search that only has to leave hidden memories out (superseded, expired) is planned as an
   * unfiltered one asking for that many more, the hidden ones then dropped: they are few, and the
   * unfiltered ways (the index, sqlite-vec's scan) cost far less than a filtered one.
   */
  private async searchUncached(
    embedding: Float32Array,
    filter: MemoryFilter,
    { limit, enough }: Wanted,
    ann: AnnIndex | null,
    changeId: number,
    vectors: VectorKinds,
  ): Promise<ScoredMemory[]> {
    const { excludeHash, includeSuperseded, ...narrowing } = filter;
    if (whereClause(narrowing, false, false).sql === '') {
      const withSuperseded = includeSuperseded === true;
      const hidden = await this.hiddenCount(withSuperseded, changeId);
      if (hidden <= OVERFETCH_HIDDEN_MAX) {
        const now = Date.now() / 1000;
        const hits = await this.searchPlanned(
          embedding,
          excludeHash === undefined ? {} : { excludeHash },
          { limit: limit + hidden, enough },
          ann,
          false,
          vectors,
        );
        return hits.filter((hit) => isVisible(hit.memory, now, withSuperseded)).slice(0, limit);
      }
    }
    return this.searchPlanned(embedding, filter, { limit, enough }, ann, true, vectors);
  }

  /** Whether any memory has passages (an index probe; none in a store of short notes, whose searches then skip them). */
  private hasPassages(): boolean {
    return this.db.statement('SELECT EXISTS (SELECT 1 FROM memory_passages)', true).get() === 1;
  }

  /** How many memories may be hidden, counted once per change of the file. */
  private async hiddenCount(withSuperseded: boolean, changeId: number): Promise<number> {
    const key = withSuperseded ? 1 : 0;
    if (this.hidden.changeId !== changeId) this.hidden = { changeId, counts: [null, null] };
    this.hidden.counts[key] ??= (await this.db.read([hiddenCountStatement(withSuperseded)]))[0] as number;
    return this.hidden.counts[key];
  }

  private async searchPlanned(
    embedding: Float32Array,
    filter: MemoryFilter,
    { limit, enough: fewest }: Wanted,
    ann: AnnIndex | null,
    visibility: boolean,
    vectors: VectorKinds,
  ): Promise<ScoredMemory[]> {
    const { excludeHash, ...rest } = filter;
    const where = whereClause(rest, false, visibility);
    const filtered = where.sql !== '';
    // Counted only up to FILTER_COUNT_CAP: a common tag is never counted whole.
    const matching = ann !== null && filtered ? ((await this.db.read([countStatement(rest, where, FILTER_COUNT_CAP)]))[0] as number) : 0;
    const plan = planVectorSearch({ indexed: ann?.size ?? null, filtered, matching, limit, excluding: excludeHash !== undefined });
    const vector = toVectorBlob(embedding);
    const excluded = excludeHash === undefined ? {} : { excludeHash };
    const exclusion = excludeHash === undefined ? '' : 'AND m.content_hash <> @excludeHash';
    if (plan.way === 'index') {
      const perRow = whereClause(rest, true, visibility);
      // Several of a memory's passages may be among the candidates: ask deeper until enough memories come back.
      const enough = vectors.indexHasPassages && !filtered ? limit : plan.enough;
      for (const depth of candidateDepths(plan.candidates)) {
        const found = ann!.candidates(embedding, depth, limit);
        const candidates = vectors.passages ? found : found.filter((key) => key < PASSAGE_KEY_BASE);
        const params = { ...excluded, vector, limit, candidates: JSON.stringify(candidates) };
        const rescore = vectors.passages
          ? passageRescoreStatement(perRow, exclusion, params)
          : rescoreStatement(perRow, exclusion, params, excludeHash !== undefined);
        const [rows] = await (candidates.length <= LOCAL_RESCORE_MAX ? this.db.readSmall([rescore]) : this.db.read([rescore]));
        const hits = rows as DistanceRow[];
        // The deepest candidates holding `fewest` will do when asked (VectorSearchOptions.enough): no exact scan of the filter's memories for the rest.
        if (hits.length >= enough || (depth >= ANN_MAX_CANDIDATES && hits.length >= fewest)) return hits.map(toScored);
      }
    }
    // Passages, or whole texts only where passages take places among the nearest vectors.
    if (vectors.passages || (vectors.indexHasPassages && !filtered)) return this.passageScan(vector, where, excludeHash, limit, !vectors.passages);
    if (filtered) {
      const [rows] = await this.db.read([
        {
          sql: `SELECT m.*, vec_distance_cosine(e.embedding, @vector) AS distance
                FROM memories m JOIN memory_embeddings e ON e.rowid = m.id
                ${where.sql} ${exclusion}
                ORDER BY distance LIMIT @limit`,
          params: { ...where.params, ...excluded, vector, limit },
          mode: 'all',
        },
      ]);
      return (rows as DistanceRow[]).map(toScored);
    }
    const [rows] = await this.db.read([
      {
        sql: `WITH hits AS (SELECT rowid AS id, distance FROM memory_embeddings WHERE embedding MATCH @vector AND k = @k)
              SELECT m.*, hits.distance AS distance FROM hits JOIN memories m ON m.id = hits.id ORDER BY hits.distance, m.id`,
        params: { vector, k: excludeHash === undefined ? limit : limit + 1 },
        mode: 'all',
      },
    ]);
    return (rows as DistanceRow[])
      .filter((row) => row.content_hash !== excludeHash)
      .slice(0, limit)
      .map(toScored);
  }

  /**
   * The exact search when memories have passages: sqlite-vec's scan (or the filter's rows) over
   * every vector, one result per memory. Unfiltered, the scan's k grows until it yields enough
   * memories (several nearest vectors may be one memory's passages, or passages a whole-text
   * search leaves out) or every vector was seen.
   */
  private async passageScan(vector: Buffer, where: WhereClause, excludeHash: string | undefined, limit: number, wholeOnly: boolean): Promise<ScoredMemory[]> {
    if (where.sql !== '') {
      const exclusion = excludeHash === undefined ? '' : 'AND m.content_hash <> @excludeHash';
      const [rows] = await this.db.read([
        {
          sql: bestPerMemory(vectorsOfMemories(`${where.sql} ${exclusion}`), '', 'LIMIT @limit'),
          params: { ...where.params, ...(excludeHash === undefined ? {} : { excludeHash }), vector, limit },
          mode: 'all',
        },
      ]);
      return (rows as DistanceRow[]).map(toScored);
    }
    const wanted = limit + (excludeHash === undefined ? 0 : 1);
    for (let k = Math.max(64, wanted * 4); ; k *= 4) {
      const nearest = 'SELECT rowid AS key, distance FROM memory_embeddings WHERE embedding MATCH @vector AND k = @k';
      const [rows] = await this.db.read([{ sql: bestPerMemory(nearest, '', '', true, wholeOnly), params: { vector, k }, mode: 'all' }]);
      const hits = rows as (DistanceRow & { scored_count: number })[];
      if (hits.length >= wanted || hits.length === 0 || hits[0]!.scored_count < k) {
        return hits
          .filter((row) => row.content_hash !== excludeHash)
          .slice(0, limit)
          .map(toScored);
      }
    }
  }

  async distances(embedding: Float32Array, contentHashes: readonly string[]): Promise<Map<string, VectorDistance>> {
    const known = this.distanceMemo.get(embedding) ?? new Map<string, VectorDistance>();
    const missing = contentHashes.filter((hash) => !known.has(hash));
    if (missing.length > 0) {
      const named = 'WHERE m.content_hash IN (SELECT value FROM json_each(@hashes))';
      const hasPassages = await this.db.run(() => this.hasPassages());
      const [rows] = await this.db.read([
        {
          sql: hasPassages
            ? bestPerMemory(vectorsOfMemories(named))
            : `SELECT m.content_hash, vec_distance_cosine(e.embedding, @vector) AS distance FROM memories m JOIN memory_embeddings e ON e.rowid = m.id ${named}`,
          params: { vector: toVectorBlob(embedding), hashes: JSON.stringify(missing) },
          mode: 'all',
        },
      ]);
      if (known.size + missing.length > DISTANCES_PER_VECTOR) known.clear();
      for (const row of rows as DistanceRow[]) known.set(row.content_hash, toDistance(row));
      this.distanceMemo.set(embedding, known);
    }
    return new Map(contentHashes.flatMap((hash) => (known.has(hash) ? [[hash, known.get(hash)!] as const] : [])));
  }

  async close(): Promise<void> {
    await this.ann?.close();
  }
}

/** Results a search returns at most, and how many will do under a filter (VectorSearchOptions.enough). */
interface Wanted {
  limit: number;
  enough: number;
}

/** Which vectors a search compares: passages too (or whole texts only), and whether the index holds any passage's. */
interface VectorKinds {
  passages: boolean;
  indexHasPassages: boolean;
}

/** The index's candidates (memories' and passages' vectors) re-scored exactly, one row per memory. */
function passageRescoreStatement(perRow: WhereClause, exclusion: string, params: Record<string, unknown>): ReadStatement {
  const where = perRow.sql === '' ? (exclusion === '' ? '' : `WHERE 1 ${exclusion}`) : `${perRow.sql} ${exclusion}`;
  return {
    sql: bestPerMemory(
      'SELECT c.value AS key, vec_distance_cosine(e.embedding, @vector) AS distance FROM json_each(@candidates) c JOIN memory_embeddings e ON e.rowid = c.value',
      where,
      'LIMIT @limit',
    ),
    params: { ...perRow.params, ...params },
    mode: 'all',
  };
}

/**
 * The index's candidates re-scored with their exact vectors. Unfiltered, only the nearest
 * candidates' rows are read; a filter needs every candidate's row, and only the vectors of those
 * that pass it.
 */
function rescoreStatement(perRow: WhereClause, exclusion: string, params: Record<string, unknown> & { limit: number }, excluding: boolean): ReadStatement {
  return perRow.sql === ''
    ? {
        sql: `WITH nearest AS (
                SELECT e.rowid AS id, vec_distance_cosine(e.embedding, @vector) AS distance
                FROM json_each(@candidates) c JOIN memory_embeddings e ON e.rowid = c.value
                ORDER BY distance, id LIMIT @nearest)
              SELECT m.*, nearest.distance AS distance FROM nearest JOIN memories m ON m.id = nearest.id
              WHERE 1 ${exclusion} ORDER BY nearest.distance, m.id LIMIT @limit`,
        params: { ...params, nearest: params.limit + (excluding ? 1 : 0) },
        mode: 'all',
      }
    : {
        // The filter first, on the rows alone: a selective filter's candidates are many (scaled by
        // its selectivity) and only those that pass have their vectors read.
        sql: `WITH passing AS MATERIALIZED (
                SELECT m.id FROM memories m
                WHERE m.id IN (SELECT value FROM json_each(@candidates)) AND ${perRow.sql.slice('WHERE '.length)} ${exclusion}),
              nearest AS (
                SELECT p.id, vec_distance_cosine(e.embedding, @vector) AS distance
                FROM passing p JOIN memory_embeddings e ON e.rowid = p.id
                ORDER BY distance, p.id LIMIT @limit)
              SELECT m.*, nearest.distance AS distance FROM nearest JOIN memories m ON m.id = nearest.id ORDER BY nearest.distance, m.id`,
        params: { ...perRow.params, ...params },
        mode: 'all',
      };
}
