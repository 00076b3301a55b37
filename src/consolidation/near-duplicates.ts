import { InvalidInputError } from '../common/domain-errors.js';
import { contentWords } from '../search/keyword-terms.js';
import type { Memory } from '../storage/memory.js';

/** Two memories of one space close in meaning (cosine similarity 0-1). */
export interface NearDuplicatePair {
  a: Memory;
  b: Memory;
  similarity: number;
}

/** Memories of one space linked by near-duplicate pairs, directly or through one another. */
export interface NearDuplicateCluster {
  space: string;
  /** Newest first. */
  memories: Memory[];
  /** The least and the most similar pair inside it. */
  similarityMin: number;
  similarityMax: number;
}

/** Upstream's consolidation horizons: the memories created within that many days. */
export const TIME_HORIZONS = { daily: 1, weekly: 7, monthly: 30, quarterly: 90, yearly: 365 } as const;
export type TimeHorizon = keyof typeof TIME_HORIZONS;

/** The created-at window of a horizon (none: every memory); an unknown one is refused. */
export function horizonWindow(horizon: string | null | undefined, now = Date.now() / 1000): { createdFrom?: number } {
  if (horizon === null || horizon === undefined || horizon === '' || horizon === 'all') return {};
  if (!(horizon in TIME_HORIZONS)) {
    throw InvalidInputError.field('time_horizon', `must be one of: ${[...Object.keys(TIME_HORIZONS), 'all'].join(', ')}`);
  }
  return { createdFrom: now - TIME_HORIZONS[horizon as TimeHorizon] * 86_400 };
}

const pairKey = (space: string, x: string, y: string): string => (x < y ? `${space}\0${x}\0${y}` : `${space}\0${y}\0${x}`);

/** Collects pairs once each (the same pair found from either side), keeping the higher similarity. */
export class PairCollector {
  private readonly pairs = new Map<string, NearDuplicatePair>();

  add(a: Memory, b: Memory, similarity: number): void {
    const key = pairKey(a.space, a.contentHash, b.contentHash);
    const known = this.pairs.get(key);
    if (!known || known.similarity < similarity) this.pairs.set(key, { a, b, similarity });
  }

  /** Most similar first. */
  all(): NearDuplicatePair[] {
    return [...this.pairs.values()].sort((x, y) => y.similarity - x.similarity);
  }
}

const memoryKey = (memory: Memory): string => `${memory.space}\0${memory.contentHash}`;
const newestFirst = (x: Memory, y: Memory): number => y.createdAt - x.createdAt || x.contentHash.localeCompare(y.contentHash);

/** The connected groups of the pairs (union-find): largest first, then most similar. */
export function clustersOf(pairs: readonly NearDuplicatePair[]): NearDuplicateCluster[] {
  const parent = new Map<string, string>();
  const root = (key: string): string => {
    let at = key;
    while (parent.get(at) !== at) at = parent.get(at)!;
    for (let step = key; step !== at;) {
      const next = parent.get(step)!;
      parent.set(step, at);
      step = next;
    }
    return at;
  };
  const memories = new Map<string, Memory>();
  for (const { a, b } of pairs) {
    for (const memory of [a, b]) {
      if (!memories.has(memoryKey(memory))) {
        memories.set(memoryKey(memory), memory);
        parent.set(memoryKey(memory), memoryKey(memory));
      }
    }
    parent.set(root(memoryKey(a)), root(memoryKey(b)));
  }
  const groups = new Map<string, NearDuplicateCluster>();
  for (const { a, similarity } of pairs) {
    const key = root(memoryKey(a));
    const group = groups.get(key) ?? { space: a.space, memories: [], similarityMin: similarity, similarityMax: similarity };
    group.similarityMin = Math.min(group.similarityMin, similarity);
    group.similarityMax = Math.max(group.similarityMax, similarity);
    groups.set(key, group);
  }
  for (const [key, memory] of memories) groups.get(root(key))!.memories.push(memory);
  const clusters = [...groups.values()];
  for (const cluster of clusters) cluster.memories.sort(newestFirst);
  return clusters.sort((x, y) => y.memories.length - x.memories.length || y.similarityMax - x.similarityMax);
}

/** Words (at most this many per side) a conflict lists as what one text says and the other does not. */
const MAX_DIFFERING_WORDS = 10;

/**
 * What two close texts say differently: the content words only one of them has. Both sides
 * non-empty is how two versions of one fact look ("rotated every Monday" / "rotated every
 * Friday"); a text that only adds to the other, or says the same in other order, is a
 * near-duplicate but not a conflict.
 */
export function differingWords(a: string, b: string): { onlyInA: string[]; onlyInB: string[] } {
  const wordsA = contentWords(a);
  const wordsB = contentWords(b);
  return {
    onlyInA: [...wordsA].filter((word) => !wordsB.has(word)).slice(0, MAX_DIFFERING_WORDS),
    onlyInB: [...wordsB].filter((word) => !wordsA.has(word)).slice(0, MAX_DIFFERING_WORDS),
  };
}
