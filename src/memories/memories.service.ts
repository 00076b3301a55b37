import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ConflictError, InvalidInputError, MemoryNotFoundError, SpaceForbiddenError } from '../common/domain-errors.js';
import { type Caller, changeableSpaces, inSpaces, readableSpaces, writableSpace } from '../spaces/space-access.js';
import { OperationTimings } from '../stats/operation-timings.js';
import { AccessTracker } from '../access/access-tracker.service.js';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '../embeddings/embedding-provider.js';
import { embedMemory } from './passages.js';
import type { JsonObject, Memory, MemoryFilter, MemoryPage, TagCount, TagMatch } from '../storage/memory.js';
import {
  MEMORY_STORE,
  type MemoryStore,
  STORAGE_STATUS,
  type StorageStatus,
  type SupersedeOutcome,
  VECTOR_SEARCH,
  type VectorSearch,
} from '../storage/roles.js';
import { contentHash } from './content-hash.js';
import { parseCreatedAt, parseExpiry } from './created-at.js';
import { MemoryEvents, type MemoryDeletedEvent, type MemoryStoredEvent, type MemoryUpdatedEvent } from './memory-events.js';
import { agentIdOf, checkContent, checkMetadata, checkTagsAndType, clientMetadata } from './memory-input.js';
import { normalizeTags } from './tags.js';
import { UPSTREAM_MEMORY_TYPES } from './memory-types.js';
import { timeWindow } from '../time/time-window.js';

export interface NewMemoryInput {
  content: string;
  tags?: readonly string[] | null;
  memoryType?: string | null;
  metadata?: JsonObject | null;
  clientHostname?: string | null;
  conversationId?: string | null;
  /** The agent that stores it (upstream's agent_id, X-Agent-ID): recorded as metadata.agent_id and tag agent:<id>. */
  agentId?: string | null;
  /** When it really happened (epoch seconds or ISO 8601; see parseCreatedAt); default now. */
  createdAt?: number | string | null;
  /** The space named by the request (else the caller's default). */
  space?: string | null;
  /** When it expires (epoch seconds or ISO 8601), or in how many seconds; default never. */
  expiresAt?: number | string | null;
  ttlSeconds?: number | null;
  /** A near-duplicate in the space is superseded by this memory (its new version) instead of kept beside it. */
  supersedeSimilar?: boolean | null;
}

/** A new version of a memory: its text, why, and (else kept from the current one) tags, type, metadata. */
export interface NewVersionInput {
  content: string;
  reason?: string | null;
  tags?: readonly string[] | null;
  memoryType?: string | null;
  metadata?: JsonObject | null;
  /** The space of the copy to supersede (else the caller's writable spaces, the default first). */
  space?: string | null;
}

/** A memory of the same space close to one being stored (cosine similarity 0-1). */
export interface SimilarMemory {
  contentHash: string;
  similarity: number;
}

export type StoreResult =
  { stored: true; memory: Memory; similar: SimilarMemory[]; superseded?: string } | { stored: false; contentHash: string; similar: SimilarMemory[] };

/** Near-duplicates reported per store, at most. */
const MAX_SIMILAR = 3;

export interface MemoryChanges {
  tags?: readonly string[] | null;
  memoryType?: string | null;
  metadata?: JsonObject | null;
  /**
   * Keep updated_at when only metadata changes (upstream's memory_update default); tags and type
   * changes always move it. Default false: every update moves it.
   */
  preserveTimestamps?: boolean;
  /** The space of the copy to change (else the caller's writable spaces, the default first). */
  space?: string | null;
}

export interface ListOptions {
  page: number;
  pageSize: number;
  tags: string[];
  tagMatch: TagMatch;
  memoryType?: string;
  /** Created at or after / before (YYYY-MM-DD or ISO 8601). */
  after?: string | null;
  before?: string | null;
  /** One space (else every space the caller may read). */
  space?: string | null;
  /** Only this agent's memories (metadata.agent_id or tag agent:<id>). */
  agentId?: string | null;
  /** Superseded versions too. */
  includeSuperseded?: boolean | null;
  /** Only memories not returned by a search or read for more than this many days (never returned: created before). */
  staleDays?: number | null;
}

export interface BulkDeleteOptions {
  tags?: readonly string[] | null;
  tagMatch?: TagMatch;
  after?: string | null;
  before?: string | null;
  memoryType?: string | null;
  /** Only memories without any tag. */
  untagged?: boolean;
  /** Only report what would be deleted. */
  dryRun?: boolean;
  /** One space (else every space the caller may write). */
  space?: string | null;
}

export interface SpaceSummary {
  space: string;
  count: number;
  writable: boolean;
  isDefault: boolean;
}

/** Most memories one bulk delete touches; narrow the filter for more. */
export const MAX_BULK_DELETE = 10_000;

/** Why storage refused to supersede, as the error the caller gets. */
export function supersedeRefused(outcome: Exclude<SupersedeOutcome, { superseded: true }>, space: string): Error {
  if (outcome.reason === 'missing') return new MemoryNotFoundError(outcome.contentHash);
  if (outcome.reason === 'superseded') {
    return new ConflictError(`Memory ${outcome.contentHash} was already superseded by ${outcome.by}: use the newest version`);
  }
  return new ConflictError(`That text is already stored in the space "${space}" as ${outcome.existing.contentHash}; update or delete that memory instead`);
}

@Injectable()
export class MemoriesService {
  constructor(
    @Inject(MEMORY_STORE) private readonly memories: MemoryStore,
    @Inject(STORAGE_STATUS) private readonly storage: StorageStatus,
    @Inject(VECTOR_SEARCH) private readonly vectors: VectorSearch,
    @Inject(EMBEDDING_PROVIDER) private readonly embeddings: EmbeddingProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: EventEmitter2,
    private readonly timings: OperationTimings,
    private readonly access: AccessTracker,
  ) {}

  /** Validates, embeds and stores a memory (a duplicate is reported, not stored); timed for the stats. */
  store(input: NewMemoryInput, caller: Caller): Promise<StoreResult> {
    return this.timings.time('store', () => this.storeUntimed(input, caller));
  }

  private async storeUntimed(input: NewMemoryInput, caller: Caller): Promise<StoreResult> {
    const { content } = input;
    const space = writableSpace(caller, input.space);
    checkContent(content, this.config.limits.maxContentBytes);
    const tags = [...(input.tags ?? [])];
    const metadata: JsonObject = clientMetadata(input.metadata ?? {});
    const agentId = agentIdOf(input.agentId);
    if (agentId) {
      tags.push(`agent:${agentId}`);
      metadata.agent_id = agentId;
    }
    if (input.clientHostname) {
      tags.push(`source:${input.clientHostname}`);
      metadata.hostname = input.clientHostname;
    }
    if (input.conversationId) metadata.conversation_id = input.conversationId;
    if (caller.actor) metadata.stored_by = caller.actor;
    checkMetadata(metadata);
    // The agent and source tags come from checked headers and metadata; the client's own are checked here.
    checkTagsAndType(normalizeTags(input.tags), input.memoryType);

    const now = Date.now() / 1000;
    const createdAt = input.createdAt === undefined || input.createdAt === null ? now : parseCreatedAt(input.createdAt, now);
    const expiresAt = parseExpiry(input.expiresAt, input.ttlSeconds, now);
    const hash = contentHash(content);
    // Cheap check first, so a duplicate costs no model call; the insert re-checks under the lock.
    if (await this.memories.findByHash(hash, [space])) return { stored: false, contentHash: hash, similar: [] };

    const memory: Memory = {
      contentHash: hash,
      space,
      content,
      tags: normalizeTags(tags),
      memoryType: input.memoryType || null,
      metadata,
      createdAt,
      updatedAt: createdAt,
      ...(expiresAt === null ? {} : { expiresAt }),
    };
    const outcome = await this.embeddings.consistently(async () => {
      const { embedding, passages } = await embedMemory(this.embeddings, content);
      const similar = await this.similarIn(space, embedding);
      if (input.supersedeSimilar === true && similar.length > 0) {
        const replaced = await this.memories.supersede([similar[0]!.contentHash], space, memory, embedding, caller.actor, passages);
        if (replaced.superseded) return { ...replaced, similar };
        // Superseded or deleted meanwhile: stored beside it as any memory.
      }
      return { ...(await this.memories.insertWithEmbedding(memory, embedding, passages)), similar };
    });
    if ('superseded' in outcome) {
      this.emitSuperseded(outcome.memory, outcome.previous);
      return { stored: true, memory: outcome.memory, similar: outcome.similar, superseded: outcome.previous[0]!.contentHash };
    }
    if (!outcome.inserted) return { stored: false, contentHash: hash, similar: [] };
    this.events.emit(MemoryEvents.stored, { memory } satisfies MemoryStoredEvent);
    return { stored: true, memory, similar: outcome.similar };
  }

  /** Current memories of the space at least MCP_DUPLICATE_SIMILARITY similar to a vector, most similar first. */
  private async similarIn(space: string, embedding: Float32Array): Promise<SimilarMemory[]> {
    const threshold = this.config.duplicates.similarity;
    if (threshold <= 0) return [];
    const nearest = await this.vectors.searchByVector(embedding, { spaces: [space] }, MAX_SIMILAR, { wholeText: true });
    return nearest
      .map(({ memory, distance }) => ({ contentHash: memory.contentHash, similarity: Math.max(0, 1 - distance) }))
      .filter(({ similarity }) => similarity >= threshold);
  }

  /** The memory with this hash in the space named, else in the first space the caller may read that holds it (the default first). */
  async get(hash: string, caller: Caller, space?: string | null): Promise<Memory> {
    const memory = await this.memories.findByHash(hash, readableSpaces(caller, space));
    if (!memory) throw new MemoryNotFoundError(hash);
    return memory;
  }

  /** The memory, as get finds it, read by a client: counted as an access (ranked search, stale lists). */
  async read(hash: string, caller: Caller, space?: string | null): Promise<Memory> {
    const memory = await this.get(hash, caller, space);
    this.access.touch([memory]);
    return memory;
  }

  list(options: ListOptions, caller: Caller): Promise<MemoryPage> {
    const agentId = agentIdOf(options.agentId);
    const filter: MemoryFilter = {
      ...inSpaces(readableSpaces(caller, options.space)),
      ...(agentId === null ? {} : { agentId }),
      ...(options.includeSuperseded === true ? { includeSuperseded: true } : {}),
      ...(options.staleDays ? { idleBefore: Date.now() / 1000 - options.staleDays * 86_400 } : {}),
      ...(options.tags.length > 0 ? { tags: { tags: options.tags, match: options.tagMatch } } : {}),
      ...(options.memoryType === undefined ? {} : { memoryType: options.memoryType }),
      ...timeWindow({ after: options.after, before: options.before }),
    };
    return this.memories.list(filter, (options.page - 1) * options.pageSize, options.pageSize);
  }

  /**
   * Deletes every memory matching tags (any/all) or none, a type and a created-at window; at least
   * one filter is required. Each delete is its own change (events, MCP notifications). Returns the hashes.
   */
  async deleteMatching(options: BulkDeleteOptions, caller: Caller): Promise<{ contentHashes: string[]; dryRun: boolean }> {
    const tags = normalizeTags(options.tags);
    const window = timeWindow({ after: options.after, before: options.before });
    const memoryType = options.memoryType || undefined;
    if (tags.length === 0 && window.createdFrom === undefined && window.createdBefore === undefined && !memoryType && options.untagged !== true) {
      throw InvalidInputError.field('body', 'give at least one filter: tags, after or before');
    }
    const filter: MemoryFilter = {
      ...inSpaces(changeableSpaces(caller, options.space)),
      ...(tags.length > 0 ? { tags: { tags, match: options.tagMatch ?? 'any' } } : {}),
      ...(memoryType === undefined ? {} : { memoryType }),
      ...(options.untagged === true ? { untagged: true } : {}),
      ...window,
    };
    const matching = await this.memories.find(filter, 0, MAX_BULK_DELETE);
    if (options.dryRun) return { contentHashes: matching.map((m) => m.contentHash), dryRun: true };
    const deleted: string[] = [];
    for (const memory of matching) {
      if (await this.memories.delete(memory.contentHash, memory.space, caller.actor)) {
        deleted.push(memory.contentHash);
        this.events.emit(MemoryEvents.deleted, { contentHash: memory.contentHash, space: memory.space } satisfies MemoryDeletedEvent);
      }
    }
    return { contentHashes: deleted, dryRun: false };
  }

  async findByTags(tags: string[], match: TagMatch, limit: number, caller: Caller, space?: string | null): Promise<Memory[]> {
    if (tags.length === 0) throw InvalidInputError.field('tags', 'give at least one tag');
    return this.memories.find({ ...inSpaces(readableSpaces(caller, space)), tags: { tags, match } }, 0, limit);
  }

  /**
   * The copy of a memory a change applies to: in the space named, else in the first space the
   * caller may write that holds it. One the caller may only read is refused as such (it sees it
   * anyway); one it cannot read is not found, as if it did not exist.
   */
  async changeable(hash: string, caller: Caller, space: string | null | undefined): Promise<Memory> {
    const found = await this.memories.findByHash(hash, changeableSpaces(caller, space));
    if (found) return found;
    const readable = await this.memories.findByHash(hash, readableSpaces(caller, space));
    if (readable) throw new SpaceForbiddenError(caller.label, readable.space, 'write');
    throw new MemoryNotFoundError(hash);
  }

  async update(hash: string, changes: MemoryChanges, caller: Caller): Promise<Memory> {
    const fields = [changes.tags, changes.memoryType, changes.metadata].filter((v) => v !== undefined && v !== null);
    if (fields.length === 0) {
      throw InvalidInputError.field('body', 'give at least one of tags, memory_type, metadata to update');
    }
    const given = changes.metadata ? clientMetadata(changes.metadata) : undefined;
    if (given) checkMetadata(given);
    // Who changed it last is the server's to say, from the key (never the client).
    const metadata = given || caller.actor ? { ...given, ...(caller.actor ? { updated_by: caller.actor } : {}) } : undefined;
    checkTagsAndType(normalizeTags(changes.tags), changes.memoryType);
    const keepTime = changes.preserveTimestamps === true && !changes.tags && !changes.memoryType;
    const current = await this.changeable(hash, caller, changes.space);
    const updated = await this.memories.update(hash, current.space, {
      ...(changes.tags ? { tags: normalizeTags(changes.tags) } : {}),
      ...(changes.memoryType ? { memoryType: changes.memoryType } : {}),
      ...(metadata ? { metadata } : {}),
      updatedAt: keepTime ? current.updatedAt : Date.now() / 1000,
      actor: caller.actor,
    });
    if (!updated) throw new MemoryNotFoundError(hash);
    this.events.emit(MemoryEvents.updated, { memory: updated } satisfies MemoryUpdatedEvent);
    return updated;
  }

  /**
   * Stores the next version of a current memory (in its space): the new text gets the memory's
   * tags, type and metadata unless given, `evolution_reason`, and the key as stored_by; the old
   * one is marked superseded (hidden from reads unless asked for) and both are in the history.
   */
  async newVersion(hash: string, input: NewVersionInput, caller: Caller): Promise<{ memory: Memory; previous: Memory }> {
    checkContent(input.content, this.config.limits.maxContentBytes);
    const given = input.metadata ? clientMetadata(input.metadata) : undefined;
    if (given) checkMetadata(given);
    checkTagsAndType(normalizeTags(input.tags), input.memoryType);
    const current = await this.changeable(hash, caller, input.space);
    if (current.supersededBy !== undefined) {
      throw new ConflictError(`Memory ${hash} was already superseded by ${current.supersededBy}: use the newest version`);
    }
    const now = Date.now() / 1000;
    const metadata: JsonObject = {
      ...clientMetadata(current.metadata),
      ...given,
      ...(input.reason ? { evolution_reason: input.reason } : {}),
      ...(caller.actor ? { stored_by: caller.actor } : {}),
    };
    checkMetadata(metadata);
    const next: Memory = {
      contentHash: contentHash(input.content),
      space: current.space,
      content: input.content,
      tags: input.tags ? normalizeTags(input.tags) : current.tags,
      memoryType: input.memoryType === undefined || input.memoryType === null ? current.memoryType : input.memoryType || null,
      metadata,
      createdAt: now,
      updatedAt: now,
    };
    const outcome = await this.embeddings.consistently(async () => {
      const { embedding, passages } = await embedMemory(this.embeddings, input.content);
      return this.memories.supersede([hash], current.space, next, embedding, caller.actor, passages);
    });
    if (!outcome.superseded) throw supersedeRefused(outcome, current.space);
    this.emitSuperseded(outcome.memory, outcome.previous);
    return { memory: outcome.memory, previous: outcome.previous[0]! };
  }

  /** The events of a supersede: the memory stored (unless it was there already) and each one it superseded. */
  emitSuperseded(memory: Memory, previous: readonly Memory[], stored = true): void {
    if (stored) this.events.emit(MemoryEvents.stored, { memory } satisfies MemoryStoredEvent);
    for (const old of previous) this.events.emit(MemoryEvents.updated, { memory: old } satisfies MemoryUpdatedEvent);
  }

  /** Every version of a memory the caller may read (superseded ones included), oldest first. */
  async history(hash: string, caller: Caller, space?: string | null): Promise<Memory[]> {
    const memory = await this.get(hash, caller, space);
    return this.memories.history(hash, memory.space);
  }

  /** Deletes the copy in the space named, else in the first space the caller may write that holds it; returns it. */
  async delete(hash: string, caller: Caller, space?: string | null): Promise<Memory> {
    const current = await this.changeable(hash, caller, space);
    if (!(await this.memories.delete(hash, current.space, caller.actor))) throw new MemoryNotFoundError(hash);
    this.events.emit(MemoryEvents.deleted, { contentHash: hash, space: current.space } satisfies MemoryDeletedEvent);
    return current;
  }

  /**
   * The spaces the caller may read, with how many memories each holds, whether it may write
   * there and which is its default; for a key without spaces, every space that holds memories
   * (and the default one).
   */
  async spaces(caller: Caller): Promise<SpaceSummary[]> {
    const counts = new Map((await this.storage.spaceCounts()).map((c) => [c.space, c.count]));
    const { read, write, defaultSpace } = caller.spaces;
    const names = read ?? [...new Set([defaultSpace, ...counts.keys()])].sort();
    return names.map((space) => ({
      space,
      count: counts.get(space) ?? 0,
      writable: write === null || write.includes(space),
      isDefault: space === defaultSpace,
    }));
  }

  /** upstream's type vocabulary and every type in use in the spaces the caller may read, sorted. */
  async types(caller: Caller): Promise<string[]> {
    const used = await this.storage.typeCounts(readableSpaces(caller));
    return [...new Set([...UPSTREAM_MEMORY_TYPES, ...used.map((t) => t.memoryType)])].sort();
  }

  /** Tags with their counts over the spaces the caller may read (or the one named). */
  tagCounts(caller: Caller, space?: string | null): Promise<TagCount[]> {
    return this.storage.tagCounts(readableSpaces(caller, space));
  }
}
