import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { InvalidInputError, MemoryNotFoundError } from '../common/domain-errors.js';
import { INPUT_LIMITS } from '../common/input-limits.js';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '../embeddings/embedding-provider.js';
import { embedMemory } from '../memories/passages.js';
import { contentHash } from '../memories/content-hash.js';
import { MemoriesService, supersedeRefused } from '../memories/memories.service.js';
import { checkContent, checkTagsAndType } from '../memories/memory-input.js';
import { normalizeTags } from '../memories/tags.js';
import { similarityFromDistance } from '../search/search.service.js';
import { type Caller, inSpaces, readableSpaces } from '../spaces/space-access.js';
import { isVisible, type JsonObject, type Memory } from '../storage/memory.js';
import { MEMORY_STORE, type MemoryStore, VECTOR_SEARCH, type VectorSearch } from '../storage/roles.js';
import { clustersOf, differingWords, horizonWindow, type NearDuplicateCluster, type NearDuplicatePair, PairCollector } from './near-duplicates.js';

export interface MergeInput {
  contentHashes: readonly string[];
  mergedContent: string;
  /** Default: the sources' tags, all of them. */
  tags?: readonly string[] | null;
  /** Default: the first source's. */
  memoryType?: string | null;
  reason?: string | null;
  /** The space of the sources (else the caller's writable spaces that hold the first, the default first). */
  space?: string | null;
}

export interface ResolveInput {
  winnerHash: string;
  loserHash: string;
  space?: string | null;
}

export interface LookOptions {
  /** One space (else every space the caller may read). */
  space?: string | null;
  /** Only memories created within it (daily ... yearly; none or "all": any time). */
  timeHorizon?: string | null;
  /** Memories examined, newest first (default DEFAULT_EXAMINED). */
  limit?: number | null;
  /** Pairs at least this similar (default MCP_DUPLICATE_SIMILARITY). */
  threshold?: number | null;
}

export interface NearDuplicates {
  pairs: NearDuplicatePair[];
  /** Memories examined, and whether that was all the window holds. */
  examined: number;
  complete: boolean;
  threshold: number;
}

/** A conflict: two near-duplicates that each say something the other does not (`a` is the newer). */
export interface Conflict extends NearDuplicatePair {
  onlyInA: string[];
  onlyInB: string[];
}

/** Memories examined by default in one look for near-duplicates. */
export const DEFAULT_EXAMINED = 1_000;
/** Neighbours asked per memory examined; larger clusters link up through their members. */
const NEIGHBOURS = 5;
/** The lowest similarity a caller may ask pairs for: below it, "near-duplicate" means nothing. */
export const MIN_PAIR_SIMILARITY = 0.5;

/**
 * Consolidation without a language model: near-duplicates found by meaning (recommendations and
 * conflicts, read-only), and the two ways to act on them, both keeping history: a merge stores one
 * text that supersedes its sources, a resolve marks the loser superseded by the winner.
 */
@Injectable()
export class ConsolidationService {
  constructor(
    @Inject(MEMORY_STORE) private readonly store: MemoryStore,
    @Inject(VECTOR_SEARCH) private readonly vectors: VectorSearch,
    @Inject(EMBEDDING_PROVIDER) private readonly embeddings: EmbeddingProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly memories: MemoriesService,
  ) {}

  /** Stores `mergedContent` as the one memory that supersedes every source (current memories of one writable space). */
  async merge(input: MergeInput, caller: Caller): Promise<{ memory: Memory; merged: Memory[] }> {
    const hashes = [...new Set(input.contentHashes.map((hash) => hash.toLowerCase()))];
    if (hashes.length < 2) throw InvalidInputError.field('content_hashes', 'give at least two different memories to merge');
    if (hashes.length > INPUT_LIMITS.mergeSources) {
      throw InvalidInputError.field('content_hashes', `at most ${INPUT_LIMITS.mergeSources} memories are merged at once`);
    }
    checkContent(input.mergedContent, this.config.limits.maxContentBytes, 'merged_content');
    checkTagsAndType(normalizeTags(input.tags), input.memoryType);
    const sources = await this.copiesInOneSpace(hashes, caller, input.space);
    const space = sources[0]!.space;
    const hash = contentHash(input.mergedContent);
    if (hashes.includes(hash)) {
      throw InvalidInputError.field('merged_content', `it is the text of ${hash}, one of the memories merged: resolve the others into that one instead`);
    }
    const now = Date.now() / 1000;
    const metadata: JsonObject = {
      merged_from: hashes,
      ...(input.reason ? { evolution_reason: input.reason } : {}),
      ...(caller.actor ? { stored_by: caller.actor } : {}),
    };
    const next: Memory = {
      contentHash: hash,
      space,
      content: input.mergedContent,
      tags: input.tags ? normalizeTags(input.tags) : normalizeTags(sources.flatMap((source) => source.tags)).sort(),
      memoryType: input.memoryType === undefined || input.memoryType === null ? sources[0]!.memoryType : input.memoryType || null,
      metadata,
      createdAt: now,
      updatedAt: now,
    };
    const outcome = await this.embeddings.consistently(async () => {
      const { embedding, passages } = await embedMemory(this.embeddings, input.mergedContent);
      return this.store.supersede(hashes, space, next, embedding, caller.actor, passages);
    });
    if (!outcome.superseded) throw supersedeRefused(outcome, space);
    this.memories.emitSuperseded(outcome.memory, outcome.previous);
    return { memory: outcome.memory, merged: outcome.previous };
  }

  /** Keeps the winner as it is and marks the loser superseded by it (both current, of one writable space). */
  async resolve(input: ResolveInput, caller: Caller): Promise<{ winner: Memory; loser: Memory }> {
    const [winnerHash, loserHash] = [input.winnerHash.toLowerCase(), input.loserHash.toLowerCase()];
    if (winnerHash === loserHash) throw InvalidInputError.field('loser_hash', 'the winner and the loser are the same memory');
    const [winner] = await this.copiesInOneSpace([winnerHash, loserHash], caller, input.space);
    const outcome = await this.store.supersedeBy(loserHash, winnerHash, winner!.space, caller.actor);
    if (!outcome.superseded) throw supersedeRefused(outcome, winner!.space);
    this.memories.emitSuperseded(outcome.memory, outcome.previous, false);
    return { winner: outcome.memory, loser: outcome.previous[0]! };
  }

  /**
   * The writable copies of memories that must share a space: the first one's (in the space named,
   * else the caller's writable spaces, the default first), then each other in that space.
   */
  private async copiesInOneSpace(hashes: readonly string[], caller: Caller, space: string | null | undefined): Promise<Memory[]> {
    const first = await this.memories.changeable(hashes[0]!, caller, space);
    const copies = [first];
    for (const hash of hashes.slice(1)) {
      try {
        copies.push(await this.memories.changeable(hash, caller, first.space));
      } catch (error) {
        // Not in the first one's space: say where it is, when the caller may read that.
        const elsewhere = error instanceof MemoryNotFoundError ? await this.store.findByHash(hash, readableSpaces(caller)) : null;
        if (elsewhere === null) throw error;
        throw InvalidInputError.field(
          'content_hashes',
          `${hash} is in the space "${elsewhere.space}", ${hashes[0]} in "${first.space}": act on memories of one space`,
        );
      }
    }
    return copies;
  }

  /** Groups of near-duplicates among the memories examined, per space (nothing changes). */
  async recommend(options: LookOptions, caller: Caller): Promise<NearDuplicates & { clusters: NearDuplicateCluster[] }> {
    const found = await this.nearDuplicates(options, caller);
    return { ...found, clusters: clustersOf(found.pairs) };
  }

  /** Near-duplicate pairs that look like two versions of one fact: each says something the other does not. */
  async conflicts(options: LookOptions, caller: Caller): Promise<Omit<NearDuplicates, 'pairs'> & { conflicts: Conflict[] }> {
    const { pairs, ...found } = await this.nearDuplicates(options, caller);
    const conflicts: Conflict[] = [];
    for (const pair of pairs) {
      const [a, b] = pair.a.createdAt >= pair.b.createdAt ? [pair.a, pair.b] : [pair.b, pair.a];
      const { onlyInA, onlyInB } = differingWords(a.content, b.content);
      if (onlyInA.length > 0 && onlyInB.length > 0) conflicts.push({ a, b, similarity: pair.similarity, onlyInA, onlyInB });
    }
    return { ...found, conflicts };
  }

  /**
   * Pairs of current memories of one space at least `threshold` similar: each memory examined
   * (the newest of the window first) against its nearest neighbours in its space, which may be
   * older than the window. One nearest-neighbour search per memory, in turn, so the event loop
   * and the database serve others in between.
   */
  private nearDuplicates(options: LookOptions, caller: Caller): Promise<NearDuplicates> {
    const limit = options.limit ?? DEFAULT_EXAMINED;
    if (!Number.isInteger(limit) || limit < 1 || limit > INPUT_LIMITS.consolidationExamined) {
      throw InvalidInputError.field('limit', `examine 1 to ${INPUT_LIMITS.consolidationExamined} memories`);
    }
    const threshold = options.threshold ?? this.config.duplicates.similarity;
    if (!(threshold >= MIN_PAIR_SIMILARITY && threshold <= 1)) {
      throw InvalidInputError.field('similarity_threshold', `give a similarity from ${MIN_PAIR_SIMILARITY} to 1`);
    }
    const filter = { ...inSpaces(readableSpaces(caller, options.space)), ...horizonWindow(options.timeHorizon) };
    return this.embeddings.consistently(async () => {
      const window = await this.store.find(filter, 0, limit + 1);
      const examined = window.slice(0, limit);
      const pairs = new PairCollector();
      const now = Date.now() / 1000;
      for (const memory of examined) {
        const embedding = await this.store.findEmbedding(memory.contentHash);
        if (embedding === null) continue;
        const nearest = await this.vectors.searchByVector(embedding, { spaces: [memory.space], excludeHash: memory.contentHash }, NEIGHBOURS, {
          wholeText: true,
        });
        for (const { memory: other, distance } of nearest) {
          const similarity = similarityFromDistance(distance);
          if (similarity >= threshold && isVisible(other, now)) pairs.add(memory, other, similarity);
        }
      }
      return { pairs: pairs.all(), examined: examined.length, complete: window.length <= limit, threshold };
    });
  }
}
