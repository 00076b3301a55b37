/**
 * The storage contract every backend implements. Services depend on this interface (injected as
 * MEMORY_REPOSITORY), never on a database driver.
 */
export const MEMORY_REPOSITORY = Symbol('MEMORY_REPOSITORY');

export type JsonObject = Record<string, unknown>;

export interface Memory {
  contentHash: string;
  content: string;
  tags: string[];
  memoryType: string | null;
  metadata: JsonObject;
  /** Epoch seconds (fractional). */
  createdAt: number;
  updatedAt: number;
}

export type TagMatch = 'any' | 'all';

export interface TagFilter {
  tags: string[];
  match: TagMatch;
}

export interface MemoryFilter {
  tags?: TagFilter;
  memoryType?: string;
  /** Epoch seconds, inclusive. */
  createdFrom?: number;
  /** Epoch seconds, exclusive. */
  createdBefore?: number;
  excludeHash?: string;
}

export interface MemoryPage {
  memories: Memory[];
  total: number;
}

export interface ScoredMemory {
  memory: Memory;
  /** Cosine distance in 0..2 (0 = same direction). */
  distance: number;
}

export interface ScanPage {
  entries: { memory: Memory; embedding: Float32Array | null }[];
  next: number | null;
}

/** A keyword (full-text) hit. */
export interface KeywordHit {
  memory: Memory;
  /** The backend's relevance (SQLite: -bm25; PostgreSQL: ts_rank_cd), higher is better; compare within one result list only. */
  score: number;
}

export interface MemoryPatch {
  tags?: string[];
  memoryType?: string | null;
  /** Keys merged (shallowly) into the stored metadata, inside the write transaction. */
  metadata?: JsonObject;
  updatedAt: number;
  /** Who changes it (a labelled key), for the change's actor; not stored. */
  actor?: string | null;
}

/** What a memory becomes under a patch; both backends apply it inside their write transaction. */
export function applyPatch(current: Memory, patch: MemoryPatch): Memory {
  return {
    ...current,
    tags: patch.tags ?? current.tags,
    memoryType: patch.memoryType === undefined ? current.memoryType : patch.memoryType,
    metadata: patch.metadata ? { ...current.metadata, ...patch.metadata } : current.metadata,
    updatedAt: patch.updatedAt,
  };
}

export interface TagCount {
  tag: string;
  count: number;
}

/** Memories created on one calendar day (YYYY-MM-DD in the caller's time zone). */
export interface DayCount {
  day: string;
  count: number;
}

export interface StorageStatistics {
  totalMemories: number;
  totalTags: number;
}

export interface StorageDetails {
  backend: string;
  databasePath: string;
  databaseSizeBytes: number;
  walSizeBytes: number;
  embeddingModel: string;
  embeddingDimension: number;
  schemaVersion: number;
  pragmas: Record<string, string | number>;
  /** The approximate-nearest-neighbour index beside a SQLite file (null: none, e.g. PostgreSQL's is inside the database). */
  vectorIndex: VectorIndexStatus | null;
}

export interface VectorIndexStatus {
  mode: 'auto' | 'on' | 'off';
  state: 'off' | 'below_threshold' | 'building' | 'catching_up' | 'ready' | 'behind';
  /** Vectors in the built index. */
  indexed: number;
  /** Vectors written since the build, searched exactly beside the index. */
  pending: number;
  lastBuildMs: number | null;
  lastError: string | null;
}

export type InsertOutcome = { inserted: true; memory: Memory } | { inserted: false; existing: Memory };

export interface MemoryRepository {
  /**
   * Writes the memory and its vector atomically, with its entry in the change log; an existing
   * hash is reported, not overwritten. update and delete append to the change log likewise.
   */
  insertWithEmbedding(memory: Memory, embedding: Float32Array): Promise<InsertOutcome>;
  /**
   * Writes many memories in one transaction, as insertWithEmbedding writes one (existing hashes
   * are skipped); returns how many were new. For imports and generated data: keep batches to a
   * few hundred, so one transaction never holds the writer lock (or the event loop) for long.
   */
  insertBatch(entries: readonly { memory: Memory; embedding: Float32Array }[]): Promise<number>;
  findByHash(contentHash: string): Promise<Memory | null>;
  /** Newest first, with the number of memories the filter matches. */
  list(filter: MemoryFilter, offset: number, limit: number): Promise<MemoryPage>;
  /** Newest first, without counting (for callers that need no total). */
  find(filter: MemoryFilter, offset: number, limit: number): Promise<Memory[]>;
  update(contentHash: string, patch: MemoryPatch): Promise<Memory | null>;
  /** `actor`: who deletes it (a labelled key), for the change's actor. */
  delete(contentHash: string, actor?: string | null): Promise<boolean>;
  /**
   * Nearest first, limited to memories matching the filter. The query's vector may still be on
   * its way (the model computing it): what the search needs besides it is read meanwhile.
   */
  searchByVector(query: Float32Array | Promise<Float32Array>, filter: MemoryFilter, limit: number): Promise<ScoredMemory[]>;
  /**
   * Full-text search: memories matching any of `terms` (words or phrases, taken literally, never
   * as query syntax) in content or tags, best first, limited to the filter.
   */
  searchByKeywords(terms: readonly string[], filter: MemoryFilter, limit: number): Promise<KeywordHit[]>;
  /** Cosine distances from `embedding` to the memories named (absent hashes are left out). */
  distances(embedding: Float32Array, contentHashes: readonly string[]): Promise<Map<string, number>>;
  /** Memories whose content contains `text` (case-insensitive; ASCII case folding on SQLite), newest first. */
  findContaining(text: string, filter: MemoryFilter, limit: number): Promise<Memory[]>;
  findEmbedding(contentHash: string): Promise<Float32Array | null>;
  /** Which of the given hashes are stored. */
  existingHashes(contentHashes: readonly string[]): Promise<Set<string>>;
  /**
   * Every memory in the order it was stored, a page at a time after a cursor (start with 0; the
   * page's `next` continues, null at the end): stable while others write. For exports.
   */
  scan(after: number, limit: number, withEmbeddings: boolean): Promise<ScanPage>;
  /**
   * Re-embedding (moving the database to another model while this one serves): new vectors are
   * kept beside the current ones until completeReembed swaps them in, in one transaction.
   * beginReembed keeps what an interrupted run built for the same target, and starts over for
   * another one.
   */
  beginReembed(model: string, dimension: number): Promise<void>;
  /** Memories without a vector of the target yet, in stored order after `after` (their `ref`). */
  reembedPending(after: number, limit: number): Promise<{ ref: number; content: string }[]>;
  reembedProgress(): Promise<{ done: number; total: number }>;
  /** Keeps new vectors (for memories deleted meanwhile, nothing). */
  storeReembedded(entries: readonly { ref: number; embedding: Float32Array }[]): Promise<void>;
  /**
   * Swaps the new vectors in and records the model, in one transaction (with a change, type
   * embedding_model_changed): how many memories it moved; null, changing nothing, while some
   * memory still lacks a new vector.
   */
  completeReembed(model: string, dimension: number): Promise<number | null>;
  tagCounts(): Promise<TagCount[]>;
  /**
   * Memories created at or after `from` (epoch seconds), counted per calendar day of a zone
   * `offsetSeconds` east of UTC; days without memories are left out. Oldest day first.
   */
  createdPerDay(from: number, offsetSeconds: number): Promise<DayCount[]>;
  statistics(): Promise<StorageStatistics>;
  details(): Promise<StorageDetails>;
  /** Throws if the database cannot answer a trivial query. */
  ping(): Promise<void>;
  /** Why the last write failed (other than contention), or null when writes work. */
  lastWriteFailure(): string | null;
  close(): Promise<void>;
}
