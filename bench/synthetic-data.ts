import { contentHash } from '../src/memories/content-hash.js';
import type { Memory } from '../src/storage/memory.js';
import type { MemoryStore } from '../src/storage/roles.js';
import { gaussian, seededRandom } from './random.js';

/**
 * Large, realistic databases without a model call per row: a few thousand real sentences are
 * embedded by the real model once, and every generated memory is one of them, reworded by a
 * suffix, with a vector mixed from its sentence's and two other real embeddings plus seeded
 * Gaussian noise, renormalized. Neighbourhoods therefore live in the real embedding space, which
 * is what recall needs; random vectors would not do.
 */
export interface SyntheticOptions {
  /** How many memories to write. */
  count: number;
  /** Real sentences and their real embeddings (same order). */
  sentences: readonly string[];
  vectors: readonly Float32Array[];
  /** Standard deviation of the per-dimension noise (default 0.02: about 0.45 in norm at 512-d). */
  noise?: number;
  /** Largest weight of each of the two other real vectors mixed in (default 0.6). */
  mix?: number;
  seed?: number;
  /** Rows written per transaction. */
  batchSize?: number;
  /** The first row number (to grow a database in steps). */
  start?: number;
  onProgress?: (written: number) => void;
}

/**
 * How the generated vectors lie around the real ones. `mixed`: each a mix
 * of its sentence's and two other real vectors plus noise, a continuum of neighbours. `clustered`:
 * each a copy of its sentence's vector plus small noise, so every sentence has n / (real sentences)
 * near-duplicates (50 at 100,000 of 2,000, 500 at 1,000,000), which is what crowds an index's neighbourhoods.
 * BENCH_DATA names the sets to run (default both).
 */
export const DATA_SETS = {
  mixed: { noise: 0.02, mix: 0.6 },
  clustered: { noise: 0.01, mix: 0 },
} as const;
export type DataSet = keyof typeof DATA_SETS;
export const dataSets = (): DataSet[] =>
  (process.env.BENCH_DATA ?? 'mixed,clustered').split(',').map((name) => {
    if (!(name in DATA_SETS)) throw new Error(`BENCH_DATA: unknown data set ${name} (known: ${Object.keys(DATA_SETS).join(', ')})`);
    return name as DataSet;
  });

/** Tags with known selectivity, for filtered-search measurements. */
export const SYNTHETIC_TAGS = {
  /** On 40% of the memories. */
  common: 'common',
  /** On 5% of the memories. */
  some: 'some',
  /** On 1% of the memories. */
  rare: 'rare',
} as const;

/** Each tag of known selectivity with its share of the memories. */
export const TAG_SHARES = [
  { tag: SYNTHETIC_TAGS.rare, share: 0.01 },
  { tag: SYNTHETIC_TAGS.some, share: 0.05 },
  { tag: SYNTHETIC_TAGS.common, share: 0.4 },
] as const;

/** A team's spaces: every memory is in one of ten, by a hash of its row (so a tenth of any neighbourhood is in each). */
export const SYNTHETIC_SPACES = Array.from({ length: 10 }, (_, i) => `team-${i}`);

/** The row's space: independent of its sentence and of its tags. */
export function spaceOf(i: number): string {
  return SYNTHETIC_SPACES[((Math.imul(i + 1, 2246822519) >>> 0) >>> 8) % SYNTHETIC_SPACES.length]!;
}

/** The row's tags of known selectivity, by a hash of the row: independent of its sentence (so of its neighbourhood). */
export function selectivityTags(i: number): string[] {
  const spread = Math.imul(i + 1, 2654435761) >>> 0;
  return [
    ...(spread % 5 < 2 ? [SYNTHETIC_TAGS.common] : []),
    ...(spread % 20 === 3 ? [SYNTHETIC_TAGS.some] : []),
    ...(spread % 100 === 7 ? [SYNTHETIC_TAGS.rare] : []),
  ];
}

/**
 * A new vector in the space the real ones span: a random mix of the base vector and two other
 * real ones (weights 1, u, v with u, v uniform in [0, mix)), plus Gaussian noise, renormalized.
 * Mixing gives a continuum of neighbours at every distance, as a real collection has, rather
 * than tight clusters of near-copies whose order no search can tell apart.
 */
export function perturbed(base: Float32Array, others: readonly [Float32Array, Float32Array], noise: number, mix: number, random: () => number): Float32Array {
  const [a, b] = others;
  const u = mix * random();
  const w = mix * random();
  const v = new Float32Array(base.length);
  let norm = 0;
  for (let i = 0; i < base.length; i++) {
    v[i] = base[i]! + u * a[i]! + w * b[i]! + noise * gaussian(random);
    norm += v[i]! * v[i]!;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

/** The i-th synthetic memory (deterministic) and its vector. */
export function syntheticMemory(i: number, options: SyntheticOptions, random: () => number): { memory: Memory; embedding: Float32Array } {
  const base = i % options.sentences.length;
  const content = `${options.sentences[base]} (record ${i})`;
  const tags = [`topic-${base % 20}`, ...selectivityTags(i)];
  // Spread over the year before a fixed instant, one memory every few minutes.
  const createdAt = 1_767_225_600 - (365 * 86_400 * (options.count - i)) / Math.max(1, options.count);
  return {
    memory: {
      contentHash: contentHash(content),
      space: spaceOf(i),
      content,
      tags,
      memoryType: i % 3 === 0 ? 'decision' : 'note',
      metadata: { source: 'synthetic' },
      createdAt,
      updatedAt: createdAt,
    },
    embedding: perturbed(
      options.vectors[base]!,
      [options.vectors[Math.floor(random() * options.vectors.length)]!, options.vectors[Math.floor(random() * options.vectors.length)]!],
      options.noise ?? 0.02,
      options.mix ?? 0.6,
      random,
    ),
  };
}

/** Writes `count` synthetic memories through the store, in batches; returns how many were new. */
export async function fillWithSyntheticMemories(store: MemoryStore, options: SyntheticOptions): Promise<number> {
  const random = seededRandom(options.seed ?? 42);
  const batchSize = options.batchSize ?? 500;
  const start = options.start ?? 0;
  let written = 0;
  for (let from = start; from < start + options.count; from += batchSize) {
    const batch = [];
    for (let i = from; i < Math.min(start + options.count, from + batchSize); i++) batch.push(syntheticMemory(i, options, random));
    written += await store.insertBatch(batch);
    options.onProgress?.(from + batch.length - start);
  }
  return written;
}
