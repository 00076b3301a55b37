/** What the storage roles (roles.ts) take and give: memories, filters, pages and reports, the same on every backend. */

export type JsonObject = Record<string, unknown>;

/** The space memories stored before spaces existed moved to, and where keys without spaces write. */
export const DEFAULT_SPACE = 'default';

export interface Memory {
  contentHash: string;
  /** The space it belongs to: a hash is unique per space (the same text in two spaces is two memories). */
  space: string;
  content: string;
  tags: string[];
  memoryType: string | null;
  metadata: JsonObject;
  /** Epoch seconds (fractional). */
  createdAt: number;
  updatedAt: number;
  /** The next version (a memory of the same space) once this one is superseded: hidden from reads by default. Absent: current. */
  supersededBy?: string;
  /** The version this one replaced. */
  supersedes?: string;
  /** When it expires (epoch seconds): from then on it is left out of every read, and purged. Absent: never. */
  expiresAt?: number;
  /** How many times searches and reads by hash returned it (counted in batches, so a little behind). Absent: never. */
  accessCount?: number;
  /** When it was last returned (epoch seconds). */
  lastAccessedAt?: number;
}

/** The access fields of a memory as stored (none before its first access). */
export function accessFields(count: number | string | undefined, lastAccessedAt: number | null | undefined): Partial<Memory> {
  const accesses = Number(count ?? 0);
  return {
    ...(accesses > 0 ? { accessCount: accesses } : {}),
    ...(lastAccessedAt === null || lastAccessedAt === undefined ? {} : { lastAccessedAt: Number(lastAccessedAt) }),
  };
}

/** Accesses of one memory to add to its counts. */
export interface AccessRecord {
  contentHash: string;
  space: string;
  count: number;
  /** The latest (epoch seconds). */
  at: number;
}

/** Whether a memory shows in reads at `now` (epoch seconds): not expired, and current unless superseded ones are asked for. */
export const isVisible = (memory: Memory, now: number, includeSuperseded = false): boolean =>
  (memory.expiresAt === undefined || memory.expiresAt > now) && (includeSuperseded || memory.supersededBy === undefined);

export type TagMatch = 'any' | 'all';

export interface TagFilter {
  tags: string[];
  match: TagMatch;
}

export interface MemoryFilter {
  /** Only memories of these spaces (undefined: every space). */
  spaces?: readonly string[];
  /** Only memories of this agent: metadata.agent_id equal to it, or the tag agent:<id> (upstream's rule). */
  agentId?: string;
  /** Superseded versions too (default: current versions only). Expired memories are never read. */
  includeSuperseded?: boolean;
  tags?: TagFilter;
  /** Only memories without any tag. */
  untagged?: boolean;
  /** Only memories not returned since (epoch seconds; never returned: created before it). */
  idleBefore?: number;
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

/** A stretch of a memory's content, by character offsets (end exclusive). */
export interface PassageSpan {
  start: number;
  end: number;
}

/** A passage of a long memory with its own vector, searched beside the whole text's (passages.ts says which memories have them). */
export interface PassageVector extends PassageSpan {
  vector: Float32Array;
}

/** A memory's distance to a query vector: its best vector's (the whole text's or a passage's, then named). */
export interface VectorDistance {
  /** Cosine distance in 0..2 (0 = same direction). */
  distance: number;
  /** The passage closer than the whole text, if one was. */
  passage?: PassageSpan;
}

export interface ScoredMemory extends VectorDistance {
  memory: Memory;
}

export interface ScanPage {
  /** `passages` only with embeddings. */
  entries: { memory: Memory; embedding: Float32Array | null; passages?: PassageVector[] }[];
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

/** A tag's use: how many memories carry it, the newest one's creation time, their types. */
export interface TagStat extends TagCount {
  /** Epoch seconds. */
  lastUsed: number;
  memoryTypes: string[];
}

export interface SpaceCount {
  space: string;
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
