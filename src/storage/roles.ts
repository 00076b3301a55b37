import type {
  AccessRecord,
  DayCount,
  InsertOutcome,
  KeywordHit,
  Memory,
  MemoryFilter,
  PassageVector,
  MemoryPage,
  MemoryPatch,
  ScanPage,
  ScoredMemory,
  SpaceCount,
  StorageDetails,
  StorageStatistics,
  TagCount,
  TagStat,
  VectorDistance,
} from './memory.js';

/**
 * The storage roles. Each backend (sqlite/, postgres/) implements every role with a class of its
 * own; a service injects only the roles it uses (by these tokens), never a database driver. The
 * change feed (EVENT_LOG), backups (DATABASE_BACKUPS) and the OAuth tables (OAUTH_STORE) are roles
 * too, declared beside their types.
 */
export const MEMORY_STORE = Symbol('MEMORY_STORE');
export const VECTOR_SEARCH = Symbol('VECTOR_SEARCH');
export const TEXT_SEARCH = Symbol('TEXT_SEARCH');
export const STORAGE_STATUS = Symbol('STORAGE_STATUS');
export const REEMBED_STAGING = Symbol('REEMBED_STAGING');

/** Memories themselves: writes (each with its change in the change log) and reads by hash, filter or stored order. */
export interface MemoryStore {
  /**
   * Writes the memory and its vector atomically, with its entry in the change log; an existing
   * hash is reported, not overwritten. update and delete append to the change log likewise.
   * `passages`: a long memory's passage vectors (embeddings/passages.ts), stored and deleted with it.
   */
  insertWithEmbedding(memory: Memory, embedding: Float32Array, passages?: readonly PassageVector[]): Promise<InsertOutcome>;
  /**
   * Writes many memories in one transaction, as insertWithEmbedding writes one (existing hashes
   * are skipped); returns how many were new. For imports and generated data: keep batches to a
   * few hundred, so one transaction never holds the writer lock (or the event loop) for long.
   */
  insertBatch(entries: readonly { memory: Memory; embedding: Float32Array; passages?: readonly PassageVector[] }[]): Promise<number>;
  /**
   * The memory with this hash in the first of `spaces` (the caller's order of preference) that
   * holds it; without spaces, in any (the default space first).
   */
  findByHash(contentHash: string, spaces?: readonly string[]): Promise<Memory | null>;
  /** Newest first, with the number of memories the filter matches. */
  list(filter: MemoryFilter, offset: number, limit: number): Promise<MemoryPage>;
  /** Newest first, without counting (for callers that need no total). */
  find(filter: MemoryFilter, offset: number, limit: number): Promise<Memory[]>;
  update(contentHash: string, space: string, patch: MemoryPatch): Promise<Memory | null>;
  /** `actor`: who deletes it (a labelled key), for the change's actor. */
  delete(contentHash: string, space: string, actor?: string | null): Promise<boolean>;
  /** The vector of this text (the same in every space that holds it). */
  findEmbedding(contentHash: string): Promise<Float32Array | null>;
  /** The passages of this text with their vectors (none for a short memory). */
  findPassages(contentHash: string): Promise<PassageVector[]>;
  /**
   * Memories over `minLength` characters without passages (stored before passages existed), in
   * stored order after `after` (their `ref`; start with 0).
   */
  withoutPassages(after: number, limit: number, minLength: number): Promise<{ ref: number; content: string }[]>;
  /** Adds passages to a memory that has none (false: it is gone or has some already; nothing written). */
  addPassages(ref: number, passages: readonly PassageVector[]): Promise<boolean>;
  /** Which of the given hashes the space holds. */
  existingHashes(contentHashes: readonly string[], space: string): Promise<Set<string>>;
  /**
   * Every memory (of `spaces`, when given) in the order it was stored, a page at a time after a
   * cursor (start with 0; the page's `next` continues, null at the end): stable while others
   * write. For exports.
   */
  scan(after: number, limit: number, withEmbeddings: boolean, spaces?: readonly string[]): Promise<ScanPage>;
  /**
   * Moves (or copies) the memories of space `from` stored after the cursor `after` (start with 0),
   * up to `limit`, to space `to`, in one transaction: a memory whose text `to` already holds is
   * skipped. Each move is logged as a delete from `from` and a store into `to` (subscribers of
   * each space see their side); a copy as a store. `next` continues, null at the end.
   */
  transferSpace(from: string, to: string, copy: boolean, after: number, limit: number, actor: string | null): Promise<SpaceTransferPage>;
  /** Deletes up to `limit` memories of a space in one transaction, each with its change; the hashes deleted (none: the space is empty). */
  deleteFromSpace(space: string, limit: number, actor: string | null): Promise<string[]>;
  /**
   * Stores `next` in the space as the memory that replaces `sources` (current memories of the
   * space: one for a new version, several for a merge), in one transaction: the new one (its
   * supersedes: the first source) and each source marked superseded_by it, each with its change.
   */
  supersede(
    sources: readonly string[],
    space: string,
    next: Memory,
    embedding: Float32Array,
    actor: string | null,
    passages?: readonly PassageVector[],
  ): Promise<SupersedeOutcome>;
  /**
   * Marks `loser` superseded by `winner`, two current memories of the space, with the loser's change
   * (a conflict resolved: the winner stays as it is). Answers the winner and the loser as marked.
   */
  supersedeBy(loser: string, winner: string, space: string, actor: string | null): Promise<SupersedeOutcome>;
  /**
   * Every version of the memory's history in its space (itself included): the newest version it
   * led to and every version that one replaced, directly or not (several where memories were
   * merged). Older first: by steps from the newest, then by time. None when it does not exist.
   */
  history(contentHash: string, space: string): Promise<Memory[]>;
  /** Deletes up to `limit` memories expired by now (epoch seconds), each with its change (reason expired); the ones deleted. */
  purgeExpired(now: number, limit: number): Promise<Memory[]>;
  /**
   * Adds accesses to memories' counts in one transaction (no change is logged: reading is not
   * changing); a memory gone meanwhile is skipped.
   */
  recordAccess(records: readonly AccessRecord[]): Promise<void>;
  /** The stored access counts of memories (by `${space}\0${contentHash}`; absent: gone). Fresh, never from a cache. */
  accessCounts(memories: readonly { contentHash: string; space: string }[]): Promise<Map<string, number>>;
}

export type SupersedeOutcome =
  | { superseded: true; memory: Memory; previous: Memory[] }
  | { superseded: false; reason: 'missing'; contentHash: string }
  | { superseded: false; reason: 'superseded'; contentHash: string; by: string }
  | { superseded: false; reason: 'duplicate'; existing: Memory };

/** Most versions one history holds (a history is one memory's edits and merges: far fewer in practice). */
const MAX_VERSIONS = 1_000;

/**
 * A memory's history, read with `find` (a memory of the same space by hash) and `replaced` (the
 * memories of the space superseded by a hash): from the memory forward to the newest version
 * there is, then back from that one over everything it replaced. Older first (see history).
 */
export function versionHistory(contentHash: string, find: (hash: string) => Memory | null, replaced: (hash: string) => Memory[]): Memory[] {
  const start = find(contentHash);
  if (start === null) return [];
  let newest = start;
  for (const seen = new Set([start.contentHash]); newest.supersededBy !== undefined && seen.size < MAX_VERSIONS && !seen.has(newest.supersededBy);) {
    const next = find(newest.supersededBy);
    if (next === null) break;
    seen.add(next.contentHash);
    newest = next;
  }
  const steps = new Map([[newest.contentHash, 0]]);
  const versions = [newest];
  for (let i = 0; i < versions.length && versions.length < MAX_VERSIONS; i++) {
    const at = versions[i]!;
    const older = replaced(at.contentHash);
    const linked = at.supersedes === undefined ? null : find(at.supersedes);
    for (const memory of linked === null ? older : [...older, linked]) {
      if (steps.has(memory.contentHash)) continue;
      steps.set(memory.contentHash, steps.get(at.contentHash)! + 1);
      versions.push(memory);
    }
  }
  return versions.sort(
    (a, b) => steps.get(b.contentHash)! - steps.get(a.contentHash)! || a.createdAt - b.createdAt || a.contentHash.localeCompare(b.contentHash),
  );
}

export interface SpaceTransferPage {
  moved: number;
  skipped: number;
  next: number | null;
}

/** How a search by meaning may differ from the plain nearest `limit`. */
export interface VectorSearchOptions {
  /**
   * Whole texts only (near-duplicates, neighbours to merge: a short note equal to one sentence
   * of a long memory is not that memory's duplicate).
   */
  wholeText?: boolean;
  /**
   * Under a filter, fewer than `limit` will do when a backend finds at least this many through
   * its index and would otherwise scan the filter's memories exactly for the rest (a hybrid
   * search's meaning leg: its results past the answer's are fusion candidates, not worth an exact
   * scan of a selective filter's memories). A backend may return `limit` anyway.
   */
  enough?: number;
}

/** Search by meaning: nearest vectors. */
export interface VectorSearch {
  /**
   * Nearest first, limited to memories matching the filter. The query's vector may still be on
   * its way (the model computing it): a backend may read what the search needs besides it meanwhile.
   * A memory with passages scores its nearest vector (whole text or passage, then named).
   */
  searchByVector(query: Float32Array | Promise<Float32Array>, filter: MemoryFilter, limit: number, options?: VectorSearchOptions): Promise<ScoredMemory[]>;
  /** Distances from `embedding` to the memories named, as searchByVector scores them (absent hashes are left out). */
  distances(embedding: Float32Array, contentHashes: readonly string[]): Promise<Map<string, VectorDistance>>;
}

/** Search by words. */
export interface TextSearch {
  /**
   * Full-text search: memories matching any of `terms` (words or phrases, taken literally, never
   * as query syntax) in content or tags, best first, limited to the filter.
   */
  searchByKeywords(terms: readonly string[], filter: MemoryFilter, limit: number): Promise<KeywordHit[]>;
  /** Memories whose content contains `text` (case-insensitive; ASCII case folding on SQLite), newest first. */
  findContaining(text: string, filter: MemoryFilter, limit: number): Promise<Memory[]>;
  /**
   * How many memories each term matches (as searchByKeywords matches it, over every memory), and
   * how many memories there are: what a term is worth as evidence (rare terms say more).
   */
  termFrequencies(terms: readonly string[]): Promise<TermFrequencies>;
  /** Drops the recent results it keeps (if it keeps any): how many, and their size in bytes. */
  clearCache(): { entries: number; bytes: number };
}

export interface TermFrequencies {
  /** All memories: exact in a small store; in a large one a backend may keep or estimate it (an inverse document frequency does not notice 1%). */
  memories: number;
  /** By term as given; a term nothing matches is 0. */
  matching: Map<string, number>;
}

/** What the database holds and how it is: counts, sizes, health. */
export interface StorageStatus {
  /** Tags with how many memories (of `spaces`, when given; else of all) carry each. */
  tagCounts(spaces?: readonly string[]): Promise<TagCount[]>;
  /** Each tag of the current memories (of `spaces`, when given) with its count, newest use and memory types; most used first. */
  tagStats(spaces?: readonly string[]): Promise<TagStat[]>;
  /** The memory types of the current memories (of `spaces`, when given) with their counts, by name. */
  typeCounts(spaces?: readonly string[]): Promise<{ memoryType: string; count: number }[]>;
  /**
   * Memories (of `spaces`, when given) created at or after `from` (epoch seconds), counted per
   * calendar day of a zone `offsetSeconds` east of UTC; days without memories are left out. Oldest day first.
   */
  createdPerDay(from: number, offsetSeconds: number, spaces?: readonly string[]): Promise<DayCount[]>;
  /** Memories and distinct tags (of `spaces`, when given). */
  statistics(spaces?: readonly string[]): Promise<StorageStatistics>;
  /** Every space that holds memories, with how many, by name. */
  spaceCounts(): Promise<SpaceCount[]>;
  details(): Promise<StorageDetails>;
  /** Throws if the database cannot answer a trivial query. */
  ping(): Promise<void>;
  /** Why the last write failed (other than contention), or null when writes work. */
  lastWriteFailure(): string | null;
}

/**
 * Re-embedding (moving the database to another model while this one serves): new vectors are
 * kept beside the current ones until complete swaps them in, in one transaction.
 */
export interface ReembedStaging {
  /** Keeps what an interrupted run built for the same target, and starts over for another one. */
  begin(model: string, dimension: number): Promise<void>;
  /** Memories without a vector of the target yet, in stored order after `after` (their `ref`). */
  pending(after: number, limit: number): Promise<{ ref: number; content: string }[]>;
  progress(): Promise<{ done: number; total: number }>;
  /** Keeps new vectors, the passages' with them (for memories deleted meanwhile, nothing); the switch replaces each memory's passages with these. */
  store(entries: readonly { ref: number; embedding: Float32Array; passages?: readonly PassageVector[] }[]): Promise<void>;
  /**
   * Swaps the new vectors in and records the model, in one transaction (with a change, type
   * embedding_model_changed): how many memories it moved; null, changing nothing, while some
   * memory still lacks a new vector.
   */
  complete(model: string, dimension: number): Promise<number | null>;
}
