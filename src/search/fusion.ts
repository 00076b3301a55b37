import type { Memory, PassageSpan } from '../storage/memory.js';
import type { FusionMethod, FusionWeights } from '../config/search-config.js';
import { featuresOf, learnedScore, TRAINED_WEIGHTS } from './learned-fusion.js';

export interface FusionSettings {
  method: FusionMethod;
  /** Reciprocal rank fusion's k. */
  rrfK: number;
  /** Normalized: keywordWeight + semanticWeight = 1. */
  keywordWeight: number;
  semanticWeight: number;
  /** The `learned` method's weights (null: the trained ones shipped in learned-fusion.ts). */
  weights?: FusionWeights | null;
}

/** One candidate from either leg, by content hash. */
export interface Candidate {
  memory: Memory;
  /** Cosine similarity to the query (0..1), when known. */
  similarity: number | null;
  /** 1-based rank in the semantic leg, or null. */
  semanticRank: number | null;
  /** 1-based rank in the keyword leg, or null. */
  keywordRank: number | null;
  /** The keyword leg's relevance relative to its best hit (0..1], or null. */
  keywordScore: number | null;
  /** The passage whose vector gave `similarity` (a long memory's), if one did. */
  passage?: PassageSpan;
  /** Share of the query's identifiers (ports, hosts, codes, versions) the memory contains. */
  identifierMatch?: number;
  /** Share of the question's evidence the memory's words carry (the inverse document frequency of the words it matches over that of all the question's words). */
  keywordEvidence?: number;
  /** The inverse document frequency of the rarest question word the memory matches, over that of a word no memory has (0..1). */
  rarestMatch?: number;
  /** Share of the question's words the memory matches. */
  coverage?: number;
  /** keywordEvidence among the question's words that some memory has. */
  foundEvidence?: number;
  /** Share of the names in the question (queryNames) the memory contains. */
  nameMatch?: number;
  /** Share of the question words' rarity in everyday English (englishRarity) the memory's matching words carry. */
  englishEvidence?: number;
  /** The English rarity of the rarest question word the memory matches. */
  englishRarest?: number;
}

export interface FusedCandidate extends Candidate {
  fusedScore: number;
}

/**
 * Combines the two legs into one ranking. Reciprocal rank fusion adds
 * weight / (k + rank) from each leg a memory appears in; weighted-score fusion adds
 * weight × score (cosine, and the keyword score relative to the best keyword hit); in both, a
 * memory that contains the question's identifiers gets a boost worth a first keyword place.
 * `learned` (the default) adds weighted features of each candidate (learned-fusion.ts): what its
 * words are worth decides the keyword leg's say, so one ordinary word shared with the question
 * says little and a name, an identifier or all of its words a lot.
 * Ties go to the memory closer in meaning, then to the newer one.
 */
export function fuse(candidates: Iterable<Candidate>, settings: FusionSettings): FusedCandidate[] {
  const all = [...candidates];
  if (settings.method === 'learned') {
    const weights = settings.weights ?? TRAINED_WEIGHTS;
    const scores = all.map((c) => learnedScore(featuresOf(c), weights));
    // Reported as the model's share of each candidate among the question's (a softmax, as it was
    // trained): in 0..1 like the other methods' scores, in the same order as the weighted sums.
    const top = Math.max(...scores);
    const shares = scores.map((score) => Math.exp(score - top));
    const total = shares.reduce((sum, share) => sum + share, 0);
    return ranked(all.map((c, i) => ({ ...c, fusedScore: shares[i]! / total })));
  }
  const fused = all.map((c): FusedCandidate => {
    const byRank = settings.method !== 'weighted_average';
    const fusedScore = byRank
      ? (c.semanticRank === null ? 0 : settings.semanticWeight / (settings.rrfK + c.semanticRank)) +
        (c.keywordRank === null ? 0 : settings.keywordWeight / (settings.rrfK + c.keywordRank))
      : settings.semanticWeight * (c.similarity ?? 0) + settings.keywordWeight * (c.keywordScore ?? 0);
    // Worth a first place in the keyword leg (by rank) or a full keyword score (weighted).
    const identifierBoost = (c.identifierMatch ?? 0) * settings.keywordWeight * (byRank ? 1 / (settings.rrfK + 1) : 1);
    return { ...c, fusedScore: fusedScore + identifierBoost };
  });
  return ranked(fused);
}

function ranked(fused: FusedCandidate[]): FusedCandidate[] {
  return fused.sort((a, b) => b.fusedScore - a.fusedScore || (b.similarity ?? 0) - (a.similarity ?? 0) || b.memory.createdAt - a.memory.createdAt);
}
