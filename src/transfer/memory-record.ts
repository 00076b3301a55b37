import type { JsonObject, Memory } from '../storage/memory.js';
import { type MemoryResponse, toMemoryResponse } from '../memories/dto/memory.response.js';
import { storedTime } from '../time/stored-time.js';
import { ALL_SPACES, SPACE_NAME_PATTERN } from '../spaces/space-access.js';

/**
 * One line of an export (JSON Lines, UTF-8, one memory per line): the REST API's memory shape
 * (content_hash, space, content, tags, memory_type, metadata, created_at, created_at_iso, updated_at,
 * updated_at_iso), plus with --with-vectors embedding_model, embedding_dimension and embedding.
 */
export interface MemoryRecord extends MemoryResponse {
  embedding_model?: string;
  embedding_dimension?: number;
  embedding?: number[];
}

export function toRecord(memory: Memory, vector: { model: string; embedding: Float32Array } | null): MemoryRecord {
  const record: MemoryRecord = toMemoryResponse(memory);
  if (vector === null) return record;
  return { ...record, embedding_model: vector.model, embedding_dimension: vector.embedding.length, embedding: Array.from(vector.embedding) };
}

/** A memory on its way in (from a JSON Lines record or an upstream database row), not yet checked. */
export interface ImportItem {
  /** Where it came from, for the report: "line 12", "row 345". */
  source: string;
  /** Computed from the content when absent; a given one must match the content, unless it is a stored id (hashIsId). */
  contentHash: string | null;
  /**
   * An upstream database's own id for the row, kept as stored: other rows of that database point
   * at it, and its older releases hashed content and metadata as they were then.
   */
  hashIsId?: boolean;
  content: string;
  tags: string[];
  memoryType: string | null;
  metadata: JsonObject;
  /** Epoch seconds; null = now. */
  createdAt: number | null;
  updatedAt: number | null;
  /** A vector that may be reused when its model is this service's. */
  vector: { model: string; embedding: Float32Array } | null;
  /** The space it came from (an export's `space`, upstream's `store`); absent: the default space. */
  space?: string | null;
  /** Its place in a version chain and its expiry, as an export recorded them. */
  supersededBy?: string | null;
  supersedes?: string | null;
  expiresAt?: number | null;
}

/** Not imported on purpose (e.g. deleted upstream), or unreadable; with the reason. */
export interface PassedOver {
  source: string;
  contentHash: string | null;
  /** skip: counted under its reason; refuse: listed in the report as refused. */
  kind: 'skip' | 'refuse';
  reason: string;
}

export type ImportEntry = ImportItem | PassedOver;

export const isPassedOver = (entry: ImportEntry): entry is PassedOver => 'kind' in entry;

/** Reads one JSON Lines record; what cannot be a memory is refused with the reason. */
export function fromRecordLine(line: string, lineNumber: number): ImportEntry {
  const source = `line ${lineNumber}`;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    // No parser message: it would echo the line, and a path given to the import may name any file.
    return { source, contentHash: null, kind: 'refuse', reason: 'not a JSON object (one memory per line)' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { source, contentHash: null, kind: 'refuse', reason: 'not a JSON object' };
  const r = value as Record<string, unknown>;
  const contentHash = typeof r.content_hash === 'string' ? r.content_hash : null;
  const refuse = (reason: string): PassedOver => ({ source, contentHash, kind: 'refuse', reason });
  if (typeof r.content !== 'string') return refuse('content must be a string');
  if (r.tags !== undefined && r.tags !== null && !(Array.isArray(r.tags) && r.tags.every((t) => typeof t === 'string'))) {
    return refuse('tags must be a list of strings');
  }
  if (r.memory_type !== undefined && r.memory_type !== null && typeof r.memory_type !== 'string') return refuse('memory_type must be a string or null');
  if (r.metadata !== undefined && r.metadata !== null && (typeof r.metadata !== 'object' || Array.isArray(r.metadata))) {
    return refuse('metadata must be a JSON object');
  }
  // created_at may itself be an ISO string (as POST /api/memories takes it).
  const createdAt = storedTime(r.created_at, typeof r.created_at === 'string' ? r.created_at : r.created_at_iso);
  if (createdAt === null && (r.created_at !== undefined || r.created_at_iso !== undefined)) return refuse('created_at is not epoch seconds or ISO 8601');
  const space = typeof r.space === 'string' ? r.space : typeof r.store === 'string' ? r.store : null;
  if (space !== null && (!SPACE_NAME_PATTERN.test(space) || space === ALL_SPACES))
    return refuse('space must be a space name (1-64 letters, digits or . _ - @ :)');
  const linked = (value: unknown): string | null | false =>
    value === undefined || value === null ? null : typeof value === 'string' && /^[0-9a-f]{64}$/.test(value) ? value : false;
  const supersededBy = linked(r.superseded_by);
  const supersedes = linked(r.supersedes);
  if (supersededBy === false || supersedes === false) return refuse('superseded_by and supersedes must be content hashes');
  const expiresAt =
    r.expires_at === undefined || r.expires_at === null ? null : storedTime(r.expires_at, typeof r.expires_at === 'string' ? r.expires_at : undefined);
  if (expiresAt === null && r.expires_at !== undefined && r.expires_at !== null) return refuse('expires_at is not epoch seconds or ISO 8601');
  if (expiresAt !== null && expiresAt <= Date.now() / 1000) return { source, contentHash, kind: 'skip', reason: 'expired' };
  let vector: ImportItem['vector'] = null;
  if (r.embedding !== undefined && r.embedding !== null) {
    if (!Array.isArray(r.embedding) || !r.embedding.every((x) => typeof x === 'number' && Number.isFinite(x)) || typeof r.embedding_model !== 'string') {
      return refuse('embedding must be a list of numbers with its embedding_model');
    }
    vector = { model: r.embedding_model, embedding: Float32Array.from(r.embedding as number[]) };
  }
  return {
    source,
    contentHash,
    content: r.content,
    tags: (r.tags as string[] | null | undefined) ?? [],
    memoryType: (r.memory_type as string | null | undefined) ?? null,
    metadata: (r.metadata as JsonObject | null | undefined) ?? {},
    createdAt,
    updatedAt: storedTime(r.updated_at, typeof r.updated_at === 'string' ? r.updated_at : r.updated_at_iso),
    vector,
    space,
    supersededBy,
    supersedes,
    expiresAt,
  };
}
