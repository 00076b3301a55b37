import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { InvalidInputError, MemoryNotFoundError } from '../common/domain-errors.js';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '../embeddings/embedding-provider.js';
import {
  MEMORY_REPOSITORY,
  type JsonObject,
  type Memory,
  type MemoryFilter,
  type MemoryPage,
  type MemoryRepository,
  type TagCount,
  type TagMatch,
} from '../storage/memory-repository.js';
import { contentHash } from './content-hash.js';
import { MemoryEvents, type MemoryDeletedEvent, type MemoryStoredEvent, type MemoryUpdatedEvent } from './memory-events.js';
import { assertWellFormed, checkMetadata } from './memory-input.js';
import { normalizeTags } from './tags.js';

export interface NewMemoryInput {
  content: string;
  tags?: readonly string[] | null;
  memoryType?: string | null;
  metadata?: JsonObject | null;
  clientHostname?: string | null;
  conversationId?: string | null;
  /** From the X-Agent-ID header: scopes the memory to an agent with tag agent:<id>. */
  agentId?: string | null;
}

export type StoreResult = { stored: true; memory: Memory } | { stored: false; contentHash: string };

export interface MemoryChanges {
  tags?: readonly string[] | null;
  memoryType?: string | null;
  metadata?: JsonObject | null;
}

export interface ListOptions {
  page: number;
  pageSize: number;
  tags: string[];
  tagMatch: TagMatch;
  memoryType?: string;
}


@Injectable()
export class MemoriesService {
  constructor(
    @Inject(MEMORY_REPOSITORY) private readonly repository: MemoryRepository,
    @Inject(EMBEDDING_PROVIDER) private readonly embeddings: EmbeddingProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: EventEmitter2,
  ) {}

  async store(input: NewMemoryInput): Promise<StoreResult> {
    const { content } = input;
    if (content.trim() === '') throw InvalidInputError.field('content', 'content must not be empty or only whitespace');
    assertWellFormed(content, 'content');
    const bytes = Buffer.byteLength(content, 'utf8');
    if (bytes > this.config.limits.maxContentBytes) {
      throw InvalidInputError.field('content', `content is ${bytes} bytes; the limit is ${this.config.limits.maxContentBytes} bytes`);
    }
    const tags = [...(input.tags ?? [])];
    const metadata: JsonObject = { ...(input.metadata ?? {}) };
    if (input.agentId) tags.push(`agent:${input.agentId}`);
    if (input.clientHostname) {
      tags.push(`source:${input.clientHostname}`);
      metadata.hostname = input.clientHostname;
    }
    if (input.conversationId) metadata.conversation_id = input.conversationId;
    checkMetadata(metadata);
    tags.forEach((tag, i) => assertWellFormed(tag, `tags[${i}]`));
    if (input.memoryType) assertWellFormed(input.memoryType, 'memory_type');

    const hash = contentHash(content);
    // Cheap check first, so a duplicate costs no model call; the insert re-checks under the lock.
    if (await this.repository.findByHash(hash)) return { stored: false, contentHash: hash };

    const [embedding] = await this.embeddings.embed([content]);
    const now = Date.now() / 1000;
    const memory: Memory = {
      contentHash: hash,
      content,
      tags: normalizeTags(tags),
      memoryType: input.memoryType || null,
      metadata,
      createdAt: now,
      updatedAt: now,
    };
    const outcome = await this.repository.insertWithEmbedding(memory, embedding!);
    if (!outcome.inserted) return { stored: false, contentHash: hash };
    this.events.emit(MemoryEvents.stored, { memory } satisfies MemoryStoredEvent);
    return { stored: true, memory };
  }

  async get(hash: string): Promise<Memory> {
    const memory = await this.repository.findByHash(hash);
    if (!memory) throw new MemoryNotFoundError(hash);
    return memory;
  }

  list(options: ListOptions): Promise<MemoryPage> {
    const filter: MemoryFilter = {
      ...(options.tags.length > 0 ? { tags: { tags: options.tags, match: options.tagMatch } } : {}),
      ...(options.memoryType === undefined ? {} : { memoryType: options.memoryType }),
    };
    return this.repository.list(filter, (options.page - 1) * options.pageSize, options.pageSize);
  }

  async findByTags(tags: string[], match: TagMatch, limit: number): Promise<Memory[]> {
    if (tags.length === 0) throw InvalidInputError.field('tags', 'give at least one tag');
    const page = await this.repository.list({ tags: { tags, match } }, 0, limit);
    return page.memories;
  }

  async update(hash: string, changes: MemoryChanges): Promise<Memory> {
    const given = [changes.tags, changes.memoryType, changes.metadata].filter((v) => v !== undefined && v !== null);
    if (given.length === 0) {
      throw InvalidInputError.field('body', 'give at least one of tags, memory_type, metadata to update');
    }
    if (changes.metadata) checkMetadata(changes.metadata);
    (changes.tags ?? []).forEach((tag, i) => assertWellFormed(tag, `tags[${i}]`));
    if (changes.memoryType) assertWellFormed(changes.memoryType, 'memory_type');
    const updated = await this.repository.update(hash, {
      ...(changes.tags ? { tags: normalizeTags(changes.tags) } : {}),
      ...(changes.memoryType ? { memoryType: changes.memoryType } : {}),
      ...(changes.metadata ? { metadata: changes.metadata } : {}),
      updatedAt: Date.now() / 1000,
    });
    if (!updated) throw new MemoryNotFoundError(hash);
    this.events.emit(MemoryEvents.updated, { memory: updated } satisfies MemoryUpdatedEvent);
    return updated;
  }

  async delete(hash: string): Promise<void> {
    if (!(await this.repository.delete(hash))) throw new MemoryNotFoundError(hash);
    this.events.emit(MemoryEvents.deleted, { contentHash: hash } satisfies MemoryDeletedEvent);
  }

  tagCounts(): Promise<TagCount[]> {
    return this.repository.tagCounts();
  }
}
