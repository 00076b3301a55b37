import type { Memory } from './memory.js';

/**
 * The change log: every write by any process appends a change in the same transaction as the
 * write (SQLite: the `changes` table; PostgreSQL: the `events` table), with a global increasing
 * id. The server follows it and turns new changes into SSE events and MCP notifications, so a
 * write by another process (a stdio `mcp` process, another replica) reaches every client.
 */
export const EVENT_LOG = Symbol('EVENT_LOG');

export type ChangePayload = Record<string, unknown>;

export interface Change {
  id: number;
  type: string;
  payload: ChangePayload;
}

export type ChangeListener = (change: Change) => void;

export interface EventLog {
  /** Id of the newest change when the log was opened (new clients start after it). */
  readonly startId: number;
  /** Id of the newest change delivered to subscribers so far. */
  readonly lastId: number;
  /** The newest change any writer has committed, read now: a result computed at it holds while it does. */
  newestId(): Promise<number>;
  /** Appends a change that is not a memory write (backups); subscribers receive it with its id. */
  append(type: string, payload: ChangePayload): Promise<void>;
  /** Every change after the ones already delivered, in id order, on this server and any other writer's. */
  subscribe(listener: ChangeListener): void;
  /** Reads new changes now (after this process committed one) instead of at the next poll. */
  poll(): void;
  /**
   * The retained changes after `id`, oldest first; null when some were pruned (the client must
   * resynchronize) or `id` is unknown.
   */
  since(id: number): Promise<Change[] | null>;
  close(): Promise<void>;
}

/** The change a completed re-embed appends: the database now holds another model's vectors. */
export const EMBEDDING_MODEL_CHANGED = 'embedding_model_changed';

/**
 * Passages were added to a memory stored before passages existed (the passage backfill): logged
 * on SQLite for the vector index beside the file to pick them up, never published (the memory
 * itself did not change).
 */
export const PASSAGES_ADDED = 'memory_passages_added';

/** How much of a memory's content a change carries: enough for a notification, bounded in size. */
export const CONTENT_PREVIEW_CHARS = 200;

export const MemoryChangeTypes = {
  stored: 'memory_stored',
  updated: 'memory_updated',
  deleted: 'memory_deleted',
} as const;

/**
 * What a memory change carries: when, the hash, tags, type, times and a bounded preview of the
 * content (with a flag when it was cut), never the whole memory, so the log and the replay buffer
 * stay small whatever the memories weigh. Clients that need the content fetch it by hash. The
 * events module renders it for the wire (events/server-event.ts).
 */
function memoryChangePayload(memory: Memory): ChangePayload {
  const truncated = memory.content.length > CONTENT_PREVIEW_CHARS;
  return {
    timestamp: new Date().toISOString(),
    content_hash: memory.contentHash,
    space: memory.space,
    content_preview: truncated ? `${previewOf(memory.content)}...` : memory.content,
    content_truncated: truncated,
    content_length: memory.content.length,
    tags: memory.tags,
    memory_type: memory.memoryType,
    created_at: memory.createdAt,
    updated_at: memory.updatedAt,
  };
}

/** The first CONTENT_PREVIEW_CHARS characters, never splitting a surrogate pair. */
function previewOf(content: string): string {
  const cut = content.slice(0, CONTENT_PREVIEW_CHARS);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** The label of the labelled key behind a change (never a key), when there was one. */
const actorOf = (actor: string | null | undefined): ChangePayload => (actor ? { actor } : {});

/** A stored memory's actor is the label it records as stored_by. */
export function memoryStoredChange(memory: Memory): ChangePayload {
  const storedBy = memory.metadata.stored_by;
  return { ...memoryChangePayload(memory), ...actorOf(typeof storedBy === 'string' ? storedBy : null) };
}

export function memoryUpdatedChange(memory: Memory, actor: string | null = null): ChangePayload {
  return { ...memoryChangePayload(memory), ...actorOf(actor) };
}

export function memoryDeletedChange(contentHash: string, space: string, actor: string | null = null): ChangePayload {
  return { timestamp: new Date().toISOString(), content_hash: contentHash, space, ...actorOf(actor) };
}
